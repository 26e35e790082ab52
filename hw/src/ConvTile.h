//===- ConvTile.h - the CONV engine's loops: L channel lanes, tokens pipelined ------*- C++ -*-===//
//
// Per tile of L channels: the lanes' weights, scales and biases are read (ceil(L*ksize / WB)
// beats of WB consecutive weight bytes, one per wgt bank), the causal window is filled with the
// ksize-1 history rows (carried, or zeros), then one token per cycle: L inputs in, L outputs
// out, the window shifting in registers; with carry_out the window's rows are written back.
//
// Cycle model (convIterations, and what the loops below count), per tile of L channels:
//   ceil(L * ksize / WB) + (ksize - 1) + len + (carry_out ? ksize - 1 : 0)
// plus pipeline_depth_vector per tile (the fill of its token loop).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Instrument.h"
#include "vimq/hw/ConvEngine.h"
#include "vimq/hw/OverlayStatus.h"

namespace vimq {
namespace hw {

constexpr uint64_t convIterations(uint64_t len, uint64_t ch, uint64_t ksize, bool carryOut,
                                  uint64_t lanes, uint64_t wgtBanks) {
  return (ch + lanes - 1) / lanes *
         ((lanes * ksize + wgtBanks - 1) / wgtBanks + (ksize - 1) + len + (carryOut ? ksize - 1 : 0));
}

/// Strided operands of one CONV1D: input row t at x[t * xPitch], output row t at y[t * yPitch],
/// weights w[c * ksize + j], scale mantissas ws[c] (low 16 bits), bias[c] (or null), history
/// rows hist[j * ch + c] read when histIn and written when histOut.
template <typename ScaleWord> struct ConvOperands {
  const int32_t *x;
  uint64_t xPitch;
  int32_t *y;
  uint64_t yPitch;
  const uint8_t *w;
  const ScaleWord *ws;
  const int32_t *bias;
  int32_t *hist;
  bool histIn, histOut;
};

template <int L, int WB, typename ScaleWord>
void convTileEngine(const ConvParams &p, const ConvOperands<ScaleWord> &op) {
  const int ks = p.kernel;
  for (int c0 = 0; c0 < p.c; c0 += L) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
    uint8_t wv[L][kMaxConvKernel];
    // The causal window: rows 0 .. ksize-2 hold the previous inputs, row ksize-1 the current one.
    int32_t sc[L], bi[L], win[kMaxConvKernel][L];
#pragma HLS ARRAY_PARTITION variable = wv complete dim = 0
#pragma HLS ARRAY_PARTITION variable = sc complete
#pragma HLS ARRAY_PARTITION variable = bi complete
#pragma HLS ARRAY_PARTITION variable = win complete dim = 0
    const int wBytes = L * ks, wBeats = (wBytes + WB - 1) / WB;
    for (int beat = 0; beat < wBeats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = L
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Conv);
      for (int e = 0; e < WB; ++e) {
#pragma HLS UNROLL
        const int idx = beat * WB + e, l = idx / ks, j = idx - l * ks;
        if (idx < wBytes)
          wv[l][j] = c0 + l < p.c ? op.w[uint64_t(c0) * ks + idx] : uint8_t(0);
      }
      if (beat == 0) {
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
          sc[l] = c0 + l < p.c ? int32_t(uint16_t(op.ws[c0 + l])) : 0;
          bi[l] = c0 + l < p.c && op.bias ? op.bias[c0 + l] : 0;
        }
      }
    }
    for (int j = 0; j < ks - 1; ++j) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 3
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Conv);
      for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
        win[j][l] = op.histIn && c0 + l < p.c ? op.hist[uint64_t(j) * p.c + c0 + l] : 0;
      }
    }
    for (int t = 0; t < p.l; ++t) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Conv);
      for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
        if (c0 + l < p.c) {
          const int32_t xv = op.x[uint64_t(t) * op.xPitch + c0 + l];
          win[ks - 1][l] = xv;
          int64_t acc = 0; // exact: |acc| <= 4 * 2^31 * 144 < 2^41
          for (int j = 0; j < kMaxConvKernel; ++j) {
#pragma HLS UNROLL
            if (j < ks) {
              const int32_t in = win[j][l];
              const uint8_t code = wv[l][j];
              acc += p.kind == ConvWeightKind::Apot5 ? apot5ShiftAdd(in, code)
                                                     : int64_t(in) * int8_t(code);
            }
          }
          // |acc * scale| < 2^41 * 2^16: 64 bits; the bias then cannot overflow it.
          const int64_t v = shiftRneAny64(acc * sc[l], p.shift) + bi[l];
          op.y[uint64_t(t) * op.yPitch + c0 + l] =
              applyActivation(sat32From64(v), p.act, p.outFrac);
          for (int j = 0; j < kMaxConvKernel - 1; ++j) {
#pragma HLS UNROLL
            if (j < ks - 1)
              win[j][l] = win[j + 1][l];
          }
        }
      }
    }
    if (op.histOut) {
      for (int j = 0; j < ks - 1; ++j) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 3
#pragma HLS PIPELINE II = 1
        VIMQ_COUNT_ITERATION(Unit::Conv);
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
          if (c0 + l < p.c)
            op.hist[uint64_t(j) * p.c + c0 + l] = win[j][l];
        }
      }
    }
  }
}

} // namespace hw
} // namespace vimq
