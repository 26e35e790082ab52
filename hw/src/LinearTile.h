//===- LinearTile.h - the LINEAR engine's loops: an R x C MAC tile, k pipelined -----*- C++ -*-===//
//
// For each tile of R tokens x C output columns the k loop (II = 1) reads R activations (one per
// act bank: rows at a pitch coprime to 6) and C weights (one per wgt bank: rows at
// isa::bankPitch(k)) and updates R x C exact int32 block accumulators (shift-add for APoT-4,
// multiply for int8). At the end of each block of `block` k the accumulators are folded into
// the wide per-output totals with the block's weight-scale mantissa. Then an epilogue loop
// (II = 1) drains the tile row by row, C outputs per cycle: total x the token's absmax, RNE
// shift, bias, saturation, activation, optional accumulation into the output.
//
// Cycle model (what linearModel returns, and what the loops below count):
//   iterations = ceil(n / C) * (ceil(m / R) * k + m)
//   overhead   = ceil(m / R) * ceil(n / C) * pipeline_depth_linear (fill of each tile's k loop)
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Instrument.h"
#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/OverlayStatus.h"


namespace vimq {
namespace hw {

/// Widths: a block sum times its uint16 scale mantissa is < 2^36; their sum over every block of
/// a row is < k * 127 * 160 * 2^16 < 2^47 (k < 2^16): 48 bits. Times the int32 absmax: 80 bits.
constexpr int kLinearTotalBits = 48;
constexpr int kLinearProductBits = kLinearTotalBits + 32;
typedef ap_int<kLinearTotalBits> LinearTotal;

/// Pipelined-loop iterations of one LINEAR instruction on an R x C tile.
constexpr uint64_t linearIterations(uint64_t m, uint64_t k, uint64_t n, uint64_t rows,
                                    uint64_t cols) {
  return (n + cols - 1) / cols * ((m + rows - 1) / rows * k + m);
}
constexpr uint64_t linearTiles(uint64_t m, uint64_t n, uint64_t rows, uint64_t cols) {
  return (m + rows - 1) / rows * ((n + cols - 1) / cols);
}

/// Strided operands of one LINEAR: a[i][kk] at a[i * aPitch + kk], weight row j at
/// w[j * wPitch], scale mantissa (low 16 bits) of row j, block b at ws[j * nb + b], the token
/// absmax at as[i], bias[j], output o[i * oPitch + j].
template <typename ScaleWord> struct LinearOperands {
  const int8_t *a;
  uint64_t aPitch;
  const uint8_t *w;
  uint64_t wPitch;
  const ScaleWord *ws;
  const int32_t *as;
  const int32_t *bias; ///< null: no bias
  int32_t *o;
  uint64_t oPitch;
  bool accumulate;
};

template <WeightKind Kind> inline int32_t macProduct(int8_t a, uint8_t w) {
  return Kind == WeightKind::Apot4 ? apot4ShiftAdd(a, w) : int32_t(a) * int32_t(int8_t(w));
}

template <int R, int C, WeightKind Kind, typename ScaleWord>
void linearTileLoops(const LinearParams &p, const LinearOperands<ScaleWord> &op) {
  const int nb = (p.k + p.block - 1) / p.block;
  for (int i0 = 0; i0 < p.m; i0 += R) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
    for (int j0 = 0; j0 < p.n; j0 += C) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
      int32_t acc[R][C];
      LinearTotal total[R][C];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
#pragma HLS ARRAY_PARTITION variable = total complete dim = 0
      for (int r = 0; r < R; ++r) {
#pragma HLS UNROLL
        for (int c = 0; c < C; ++c) {
#pragma HLS UNROLL
          acc[r][c] = 0;
          total[r][c] = 0;
        }
      }
      int b = 0, inBlock = 0; // block index and position in it (a counter, no divider)
      for (int kk = 0; kk < p.k; ++kk) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
        VIMQ_COUNT_ITERATION(Unit::Linear);
        int8_t av[R];
        uint8_t wv[C];
#pragma HLS ARRAY_PARTITION variable = av complete
#pragma HLS ARRAY_PARTITION variable = wv complete
        for (int r = 0; r < R; ++r) {
#pragma HLS UNROLL
          av[r] = i0 + r < p.m ? op.a[uint64_t(i0 + r) * op.aPitch + kk] : int8_t(0);
        }
        for (int c = 0; c < C; ++c) {
#pragma HLS UNROLL
          wv[c] = j0 + c < p.n ? op.w[uint64_t(j0 + c) * op.wPitch + kk] : uint8_t(0);
        }
        const bool blockEnd = inBlock + 1 == p.block || kk + 1 == p.k;
        for (int r = 0; r < R; ++r) {
#pragma HLS UNROLL
          for (int c = 0; c < C; ++c) {
#pragma HLS UNROLL
            // Exact: |acc| <= block * 127 * 160 < 2^31 for block <= 2^16.
            const int32_t sum = acc[r][c] + macProduct<Kind>(av[r], wv[c]);
            if (blockEnd) {
              const int32_t mant =
                  j0 + c < p.n ? int32_t(uint16_t(op.ws[uint64_t(j0 + c) * nb + b])) : 0;
              total[r][c] += int64_t(sum) * mant; // |sum * mant| < 2^36
              acc[r][c] = 0;
            } else {
              acc[r][c] = sum;
            }
          }
        }
        inBlock = blockEnd ? 0 : inBlock + 1;
        b += blockEnd ? 1 : 0;
      }
      const int rows = p.m - i0 < R ? p.m - i0 : R;
      for (int r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = R
#pragma HLS PIPELINE II = 1
        VIMQ_COUNT_ITERATION(Unit::Linear);
        const int i = i0 + r;
        for (int c = 0; c < C; ++c) {
#pragma HLS UNROLL
          const int j = j0 + c;
          if (j < p.n) {
            const ap_int<kLinearProductBits> prod = total[r][c] * op.as[i];
            ap_int<kLinearProductBits + 1> v = shiftRneWide<kLinearProductBits>(prod, p.shift);
            if (op.bias)
              v += op.bias[j];
            const int32_t y = applyActivation(sat32Wide(v), p.act, p.outFrac);
            int32_t &o = op.o[uint64_t(i) * op.oPitch + j];
            o = op.accumulate ? sat32From64(int64_t(o) + y) : y;
          }
        }
      }
    }
  }
}

/// The LINEAR engine as synthesised, on an R x C tile (the result does not depend on R and C:
/// every sum is exact).
template <int R, int C, typename ScaleWord>
void linearTileEngine(const LinearParams &p, const LinearOperands<ScaleWord> &op) {
  if (p.kind == WeightKind::Apot4)
    linearTileLoops<R, C, WeightKind::Apot4>(p, op);
  else
    linearTileLoops<R, C, WeightKind::Int8>(p, op);
}

} // namespace hw
} // namespace vimq
