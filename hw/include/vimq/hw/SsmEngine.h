//===- SsmEngine.h - SSM engine: selective scan and SSD scan ------------------------*- C++ -*-===//
//
// Datapath: 32-bit fixed-point operands read from the vec buffer (u/x, delta/dt, A, B, C, D, z;
// each with its own power-of-two scale, i.e. a number of fractional bits; ISA v1 gives them all
// the instruction's `frac`), a 32-bit fixed-point state Q(stateFrac) and 32-bit outputs Q(outFrac).
// Products are formed exactly (64/128-bit) before each RNE narrowing. One state update, for state
// element h with input s:
//   decay = expPwl( sat32(RNE(delta*A / 2^(fD+fA-12))) )            Q15, in [0, 1]
//   xdt   = sat32( RNE(delta*u / 2^(fD+fU-fH)) )                    Q(fH)
//   h     = sat32( RNE(decay*h / 2^15) + RNE(xdt*B / 2^fB) )
// and per output: y = sat32( RNE(sum_n h_n*C_n / 2^(fH+fC-fY)) + RNE(D*u / 2^(fD'+fU-fY)) ),
// then, with the gate, y = sat32(RNE(y * siluPwl(z, fZ) / 2^fZ)). The sum over n is exact (wide
// integer), so the lane parallelism of the target does not change the result.
//
// Selective mode: A per (channel, state); state [d][n]. SSD mode: scalar A per head, decay
// computed once per (token, head); state [h][p][n]; head h uses B/C group h / (H / G).
// The state is read and written in place, so consecutive token tiles carry it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>

#ifndef __SYNTHESIS__
#include "vimq/hw/SimThreads.h"
#endif

namespace vimq::hw {

struct SsmFormats {
  int u = 12, delta = 12, a = 12, b = 12, c = 12, d = 12, z = 12;
  int state = 16, out = 16;
};

struct SelectiveScanParams {
  int l = 0, d = 0, n = 0;
  SsmFormats f;
};

/// u, delta, z: [l][d]; A: [d][n]; B, C: [l][n]; dskip: [d]; state: [d][n] (in/out);
/// y: [l][d]. dskip and z may be null (no skip / no gate).
void selectiveScan(const SelectiveScanParams &p, const int32_t *u, const int32_t *delta,
                   const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                   const int32_t *z, int32_t *state, int32_t *y);

/// The engine's loop exactly as synthesised. selectiveScan is this loop in synthesis; the sim
/// takes selectiveScanSim when it applies (same results; tests compare the two).
void selectiveScanHls(const SelectiveScanParams &p, const int32_t *u, const int32_t *delta,
                      const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                      const int32_t *z, int32_t *state, int32_t *y);

#ifndef __SYNTHESIS__
/// Simulation only: selectiveScan channel-parallel on the SimPool, lanes vectorised per `path`.
/// Returns false, touching nothing, when the formats' shifts leave the 64-bit forms or `path`
/// is Vector on a CPU without AVX-512.
bool selectiveScanSim(const SelectiveScanParams &p, const int32_t *u, const int32_t *delta,
                      const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                      const int32_t *z, int32_t *state, int32_t *y, SimPath path);
#endif

struct SsdScanParams {
  int l = 0, h = 0, p = 0, n = 0, g = 1;
  SsmFormats f;
};

/// x, z: [l][h][p]; dt: [l][h]; A, dskip: [h]; B, C: [l][g][n]; state: [h][p][n] (in/out);
/// y: [l][h][p]. dskip and z may be null.
void ssdScan(const SsdScanParams &p, const int32_t *x, const int32_t *dt, const int32_t *a,
             const int32_t *b, const int32_t *c, const int32_t *dskip, const int32_t *z,
             int32_t *state, int32_t *y);

/// One state-lane update (the SSM engine's lane; exposed so tests can pin it down).
int32_t ssmLaneUpdate(int32_t h, int32_t decayQ15, int32_t xdt, int32_t b, int fracB);

} // namespace vimq::hw
