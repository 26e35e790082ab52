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

// C++14, STL-free: the synthesizable SSM module (hw/src/Ssm.cpp) includes this header.
#include "vimq/hw/Numerics.h"
#include "vimq/isa/Fields.h"

#include <stdint.h>

#ifndef __SYNTHESIS__
#include "vimq/hw/SimThreads.h"
#endif

namespace vimq {
namespace hw {

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

/// One state-lane update (the SSM engine's lane; exposed so tests can pin it down). The lane's
/// products fit 64 bits (decay <= 2^15 times a 32-bit state; two 32-bit operands), so for the
/// usual shifts the lane stays in 64-bit arithmetic; any other shift takes the wide path. Both
/// give the same value.
inline int32_t ssmLaneUpdate(int32_t h, int32_t decayQ15, int32_t xdt, int32_t b, int fracB) {
  const int64_t kept = shiftRne64(int64_t(decayQ15) * h, kExpOutFrac);
  // |kept| <= 2^31 and |RNE(xdt * b / 2^fracB)| <= 2^62: the sum fits 64 bits.
  return sat32From64(kept + shiftRneAny64(int64_t(xdt) * b, fracB));
}

#ifndef __SYNTHESIS__
/// Simulation only: the exp and SiLU units read from ROMs filled by expPwl / siluPwl themselves
/// (hw/sim/ExpPwlRom.h): the same integers.
int32_t expUnitRom(int32_t xQ12);
int32_t siluUnitRom(int32_t x, int frac);
#endif

/// The SSM's exp unit (PWL, Numerics.h).
inline int32_t ssmExpUnit(int32_t xQ12) {
#ifndef __SYNTHESIS__
  return expUnitRom(xQ12);
#else
  return expPwl(xQ12);
#endif
}
inline int32_t ssmSiluUnit(int32_t x, int frac) {
#ifndef __SYNTHESIS__
  return siluUnitRom(x, frac);
#else
  return siluPwl(x, frac);
#endif
}

/// decay = exp(sat32(RNE(delta * A / 2^(fD + fA - 12)))) in Q15.
inline int32_t ssmDecay(int32_t delta, int32_t a, const SsmFormats &f) {
  return ssmExpUnit(sat32ShiftRne(int64_t(delta) * a, f.delta + f.a - kExpInFrac));
}

/// xdt = sat32(RNE(delta * u / 2^(fD + fU - fH))).
inline int32_t ssmXdt(int32_t delta, int32_t u, const SsmFormats &f) {
  return sat32ShiftRne(int64_t(delta) * u, f.delta + f.u - f.state);
}

/// Width of the exact sum over the state of h * C (32 x 32-bit products, n <= 1023 terms).
constexpr int kSsmAccBits = 74;
typedef ap_int<kSsmAccBits> SsmAcc;

/// RNE(v / 2^s) of the accumulator width, s < 0 an exact left shift (formats where the sum's
/// fraction bits are below the output's; the ISA's single frac always gives s >= 0).
inline ap_int<kSsmAccBits + 2> ssmRescale(const ap_int<kSsmAccBits + 2> &v, int s) {
  if (s >= 0)
    return shiftRneWide<kSsmAccBits + 2>(v, s);
  const ap_int<kSsmAccBits + 2> r = v << -s;
  return r;
}

/// The output of one (token, channel) from the exact sum of h * C: rounding, D skip, gate.
inline int32_t ssmFinishOutput(const SsmAcc &yacc, int32_t u, bool skip, int32_t d, bool gate,
                               int32_t z, const SsmFormats &f) {
  const ap_int<kSsmAccBits + 2> wide = yacc;
  ap_int<kSsmAccBits + 2> y = ssmRescale(wide, f.state + f.c - f.out);
  if (skip) {
    const ap_int<kSsmAccBits + 2> du = int64_t(d) * u; // exact: 32 x 32 bits
    y += ssmRescale(du, f.d + f.u - f.out);
  }
  int32_t v = sat32Wide(y);
  if (gate)
    v = sat32ShiftRne(int64_t(v) * ssmSiluUnit(z, f.z), f.z);
  return v;
}

/// B and C rows of one token (all groups) are staged in the SSM engine: groups * n <= this.
constexpr int kSsmMaxGroupState = int(isa::kSsmMaxGroupState);

} // namespace hw
} // namespace vimq
