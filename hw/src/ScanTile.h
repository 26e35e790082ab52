//===- ScanTile.h - the SSM engine's loops: S state lanes, tokens sequential --------*- C++ -*-===//
//
// Per token: the token's B and C rows (all groups) are staged from vec into the engine
// (ceil(groups*n / S) beats, S words of B and S of C per beat: two reads per vec bank). Then,
// per channel, one beat reads the channel's scalars (u, delta, z, D; the previous channel's y is
// written in it) and ceil(n / S) beats update S state elements each (A and the state: one
// word per bank), the lane products summed exactly for y. SSD mode computes the head's decay
// in one beat per (token, head).
//
// Cycle model (ssmIterations, and what the loops below count):
//   selective: len * (ceil(n/S) + ch * (ceil(n/S) + 1))
//   ssd:       len * (ceil(groups*n/S) + heads * (1 + headdim * (ceil(n/S) + 1)))
// plus pipeline_depth_ssm once per instruction (channels interleave in the pipeline).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Instrument.h"
#include "vimq/hw/OverlayStatus.h"
#include "vimq/hw/SsmEngine.h"

namespace vimq {
namespace hw {

constexpr uint64_t ssmIterations(bool ssd, uint64_t len, uint64_t ch, uint64_t heads, uint64_t n,
                                 uint64_t groups, uint64_t lanes) {
  return ssd ? len * ((groups * n + lanes - 1) / lanes +
                      heads * (1 + ch / heads * ((n + lanes - 1) / lanes + 1)))
             : len * ((n + lanes - 1) / lanes + ch * ((n + lanes - 1) / lanes + 1));
}

/// Strided operands of one SSM instruction. Rows: u/z/y at t * xPitch, delta and B/C at
/// t * tPitch (B at bc, C at bc + groups * n). A (then D when skip) dense at a; the state
/// [ch][n] dense at s.
struct ScanOperands {
  const int32_t *u, *z, *delta, *bc, *a, *d;
  int32_t *y, *s;
  uint64_t xPitch, tPitch;
  bool carryIn; ///< else the state starts from zero
};

struct ScanShape {
  bool ssd;
  int len, ch, heads, n, groups;
  SsmFormats f;
};

template <int S> void scanTileEngine(const ScanShape &p, const ScanOperands &op) {
  const int gn = p.groups * p.n, nBeats = (p.n + S - 1) / S;
  const int perHead = p.ch / p.heads, headsPerGroup = p.heads / p.groups;
  if (!op.carryIn) {
    for (int i = 0; i < p.ch * p.n; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65536
      op.s[i] = 0; // not a pipelined compute loop: the state memory's reset (no cycles modeled)
    }
  }
  for (int t = 0; t < p.len; ++t) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024
    int32_t bt[kSsmMaxGroupState], ct[kSsmMaxGroupState];
#pragma HLS ARRAY_PARTITION variable = bt cyclic factor = S
#pragma HLS ARRAY_PARTITION variable = ct cyclic factor = S
    const int32_t *bcRow = op.bc + uint64_t(t) * op.tPitch;
    for (int j0 = 0; j0 < gn; j0 += S) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Ssm);
      for (int l = 0; l < S; ++l) {
#pragma HLS UNROLL
        if (j0 + l < gn) {
          bt[j0 + l] = bcRow[j0 + l];
          ct[j0 + l] = bcRow[gn + j0 + l];
        }
      }
    }
    for (int hd = 0; hd < p.heads; ++hd) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
      // SSD: one decay per (token, head), in its own beat.
      int32_t headDecay = 0, headDt = 0;
      if (p.ssd) {
        VIMQ_COUNT_ITERATION(Unit::Ssm);
        headDt = op.delta[uint64_t(t) * op.tPitch + hd];
        headDecay = ssmDecay(headDt, op.a[hd], p.f);
      }
      const int grp = p.ssd ? hd / headsPerGroup : 0;
      for (int pp = 0; pp < perHead; ++pp) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 2048
        const int d = hd * perHead + pp;
        // The channel's scalar beat.
        VIMQ_COUNT_ITERATION(Unit::Ssm);
        const uint64_t xi = uint64_t(t) * op.xPitch + d;
        const int32_t uv = op.u[xi];
        const int32_t dv = p.ssd ? headDt : op.delta[uint64_t(t) * op.tPitch + d];
        const int32_t xdt = ssmXdt(dv, uv, p.f);
        int32_t *h = op.s + uint64_t(d) * p.n;
        SsmAcc yacc = 0;
        for (int jb = 0; jb < nBeats; ++jb) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
#pragma HLS PIPELINE II = 1
          VIMQ_COUNT_ITERATION(Unit::Ssm);
          for (int l = 0; l < S; ++l) {
#pragma HLS UNROLL
            const int j = jb * S + l;
            if (j < p.n) {
              const int32_t decay =
                  p.ssd ? headDecay : ssmDecay(dv, op.a[uint64_t(d) * p.n + j], p.f);
              h[j] = ssmLaneUpdate(h[j], decay, xdt, bt[grp * p.n + j], p.f.b);
              yacc += int64_t(h[j]) * ct[grp * p.n + j]; // 32 x 32 bits: exact in 64
            }
          }
        }
        const int skipIdx = p.ssd ? hd : d;
        op.y[xi] = ssmFinishOutput(yacc, uv, op.d != 0, op.d ? op.d[skipIdx] : 0, op.z != 0,
                                   op.z ? op.z[xi] : 0, p.f);
      }
    }
  }
}

} // namespace hw
} // namespace vimq
