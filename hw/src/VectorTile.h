//===- VectorTile.h - the VECTOR engine's loops: W lanes on the strided vec rows ----*- C++ -*-===//
//
// A beat is W consecutive columns of one row: W lanes read their operands from the vec banks
// (W consecutive words hit W distinct banks), compute, and write W results. Each vec bank has
// two ports, so a beat that makes three accesses to vec per bank (reads a and b, or a and the
// per-channel vector c, and writes o) takes two cycles (II = 2); one or two accesses per bank
// take one (II = 1). The quantizer writes its codes to act (another memory). Every pass below is
// one pipelined loop; entering it costs pipeline_depth_vector (D) once for fill and drain.
//
// Loops and cycle model (B(n) = ceil(n / W); `iterations` counts the issue cycles of the
// pipelined loops, II included, and is what the loops count; `overhead` is the rest):
//   copy, muli, exp, softplus, silu: one loop over rows x B(cols) beats, II = 1 (read a, write o)
//     iterations = rows * B(cols)                 overhead = D
//   add, mul (a, b), scale (a, c[col]): the same loop at II = 2 (two reads and a write per bank)
//     iterations = 2 * rows * B(cols)             overhead = D
//   quant, per row: the absmax pass (B(cols) beats, II = 1), the reciprocal on the shared
//     iterative divider (kQuantRecipCycles), the code pass (B(cols) beats, II = 1: read a, write
//     the codes to act; the row's absmax goes to c[row] in the pass's last beat)
//     iterations = 2 * rows * B(cols)             overhead = rows * (kQuantRecipCycles + 2 D)
//   rmsnorm / grmsnorm, per row and group of gl = min(g, cols - g0) columns (g = 2^log2g for
//     grmsnorm with log2g > 0, else the row): grmsnorm's gated pass t = a * silu(b) written to o
//     and its squares summed (II = 2: reads a, b, writes o); rmsnorm's sum-of-squares pass over a
//     (II = 1); the shared rsqrt unit (divider then square root, kRsqrtCycles); the scale pass
//     o = t * rq * c[col] (II = 2: reads t and c, writes o)
//     iterations = rows * sum over groups of (grmsnorm ? 4 : 3) * B(gl)
//     overhead = rows * groups * (kRsqrtCycles + 2 D)
//   fwht, per row and group of g = 2^log2g: log2g butterfly stages of B(g) beats each (W/2
//     butterflies per beat; the first reads a, the others a local group buffer; stages
//     ping-pong between two buffers so that each buffer bank takes at most two reads or two
//     writes per beat), then the scaling pass (B(g) beats: read the buffer, or a when log2g = 0,
//     write o), all II = 1
//     iterations = rows * (cols / g) * (log2g + 1) * B(g)
//     overhead = rows * (cols / g) * (log2g + 1) * D
//
// Operand overlap: the loops read each element of a (and b) before they write the o element at
// the same column of the same row, so o may be a itself (same address and pitch, no reverse) or
// b itself, or be disjoint from both; a `reverse` with o overlapping a is not supported (the
// compiler never flips in place). The results are those of the formulas in VectorEngine.h.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Instrument.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/OverlayStatus.h"
#include "vimq/hw/VectorEngine.h"

#include <stdint.h>

namespace vimq {
namespace hw {

/// The element-wise functions of one lane.
enum class VecFn : uint8_t { Copy, Add, Mul, Scale, MulImm, Exp, Softplus, Silu };

/// Reads a second operand per element (b's row or the per-channel c): the II = 2 loop.
inline constexpr bool vecFnBinary(VecFn f) {
  return f == VecFn::Add || f == VecFn::Mul || f == VecFn::Scale;
}

//===-- Cycle model ------------------------------------------------------------------------===//

struct VecCost {
  uint64_t iterations;
  uint64_t overhead;
};

inline constexpr uint64_t vecBeats(uint64_t n, uint64_t lanes) { return (n + lanes - 1) / lanes; }

inline constexpr VecCost vecEltCost(bool binary, uint64_t rows, uint64_t cols, uint64_t lanes,
                                    uint64_t depth) {
  return VecCost{(binary ? 2 : 1) * rows * vecBeats(cols, lanes), depth};
}

inline constexpr VecCost vecQuantCost(uint64_t rows, uint64_t cols, uint64_t lanes,
                                      uint64_t depth) {
  return VecCost{2 * rows * vecBeats(cols, lanes),
                 rows * (uint64_t(kQuantRecipCycles) + 2 * depth)};
}

/// group == 0 (or >= cols) is the whole row.
inline constexpr VecCost vecNormCost(bool gated, uint64_t rows, uint64_t cols, uint64_t group,
                                     uint64_t lanes, uint64_t depth) {
  const uint64_t g = group > 0 && group < cols ? group : cols;
  const uint64_t full = cols / g, rest = cols % g;
  const uint64_t beats = full * vecBeats(g, lanes) + (rest ? vecBeats(rest, lanes) : 0);
  const uint64_t groups = full + (rest ? 1 : 0);
  return VecCost{rows * (gated ? 4 : 3) * beats,
                 rows * groups * (uint64_t(kRsqrtCycles) + 2 * depth)};
}

inline constexpr VecCost vecFwhtCost(uint64_t rows, uint64_t cols, unsigned log2g, uint64_t lanes,
                                     uint64_t depth) {
  const uint64_t passes = rows * (cols >> log2g) * (log2g + 1);
  return VecCost{passes * vecBeats(uint64_t(1) << log2g, lanes), passes * depth};
}

//===-- Operands ---------------------------------------------------------------------------===//

/// Strided operands of one VECTOR instruction: row r of a at a + r' * aPitch with r' = r, or
/// rows - 1 - r when `reverse`; row r of b and o at b + r * bPitch, o + r * oPitch; c is a
/// per-channel vector [cols]; the quantizer writes codes at q + r * qPitch and absmax[r].
struct VecOperands {
  const int32_t *a;
  uint64_t aPitch;
  bool reverse;
  const int32_t *b;
  uint64_t bPitch;
  const int32_t *c;
  int32_t *o;
  uint64_t oPitch;
  int8_t *q;
  uint64_t qPitch;
  int32_t *absmax;
};

inline const int32_t *vecRowA(const VecOperands &op, int r, int rows) {
  return op.a + uint64_t(op.reverse ? rows - 1 - r : r) * op.aPitch;
}

//===-- Lane datapaths ---------------------------------------------------------------------===//

/// sat32(RNE(v / 2^s)) of a W-bit value for any s (s < 0 is an exact, saturating left shift).
template <int W> inline int32_t sat32ShiftRneWide(const ap_int<W> &v, int s) {
  if (s >= 0)
    return sat32Wide<W>(shiftRneWide<W>(v, s));
  const int k = -s;
  if (v == 0)
    return 0;
  if (k >= 32)
    return v > 0 ? kInt32Max : kInt32Min;
  if (v > (kInt32Max >> k))
    return kInt32Max;
  if (v < (kInt32Min >> k)) // kInt32Min is a multiple of 2^k for k <= 31
    return kInt32Min;
  return static_cast<int32_t>(v.to_int64() * (int64_t(1) << k));
}

/// One lane of the element-wise unit: `y` is b[col], c[col] or imm as the function reads it.
inline int32_t vecLane(VecFn fn, int32_t x, int32_t y, int shift, int frac) {
  switch (fn) {
  case VecFn::Copy:
    return x;
  case VecFn::Add:
    return sat32From64(int64_t(x) + y);
  case VecFn::Mul:
  case VecFn::Scale:
  case VecFn::MulImm:
    return sat32ShiftRne(int64_t(x) * y, shift); // |x y| <= 2^62
  case VecFn::Exp:
    return sat32ShiftRne(expPwl(sat32ShiftRne(x, frac - kExpInFrac)), kExpOutFrac - frac);
  case VecFn::Softplus:
    return sat32ShiftRne(softplusPwl(sat32ShiftRne(x, frac - kExpInFrac)), kExpInFrac - frac);
  case VecFn::Silu:
    return siluPwl(x, frac);
  }
  return 0;
}

/// RMSNorm's scale lane: sat32(RNE(t * rq * w / 2^s)), |t rq w| < 2^118.
inline int32_t vecNormScale(int32_t t, int64_t rq, int32_t w, int s) {
  const ap_int<32> tt = t, ww = w;
  const ap_int<kNormRootBits + 1> rr = rq;
  const ap_int<32 + kNormRootBits + 1> trq = tt * rr;
  const ap_int<64 + kNormRootBits + 1> prod = trq * ww;
  return sat32ShiftRneWide<64 + kNormRootBits + 1>(prod, s);
}

/// The FWHT's scaling lane: sat32(RNE(v * mult / 2^s)), |v| < 2^43.
inline int32_t vecFwhtScale(int64_t v, int32_t mult, int s) {
  const ap_int<64> vv = v;
  const ap_int<32> mm = mult;
  const ap_int<96> prod = vv * mm;
  return sat32ShiftRneWide<96>(prod, s);
}

//===-- The loops --------------------------------------------------------------------------===//

/// copy / add / mul / scale / muli / exp / softplus / silu over rows x cols.
template <int W>
void vecEltTile(VecFn fn, int rows, int cols, int32_t imm, int shift, int frac,
                const VecOperands &op) {
  const uint64_t beats = vecBeats(uint64_t(cols), W), total = uint64_t(rows) * beats;
  uint64_t beat = 0;
  int r = 0;
  if (!vecFnBinary(fn)) {
    for (uint64_t i = 0; i < total; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Vector);
      const int32_t *ar = vecRowA(op, r, rows);
      int32_t *orow = op.o + uint64_t(r) * op.oPitch;
      for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
        const uint64_t c = beat * W + l;
        if (c < uint64_t(cols))
          orow[c] = vecLane(fn, ar[c], imm, shift, frac);
      }
      if (++beat == beats) {
        beat = 0;
        ++r;
      }
    }
    return;
  }
  for (uint64_t i = 0; i < total; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 2
    VIMQ_COUNT_ITERATION(Unit::Vector); // II = 2: both issue cycles
    VIMQ_COUNT_ITERATION(Unit::Vector);
    const int32_t *ar = vecRowA(op, r, rows);
    const int32_t *br = fn == VecFn::Scale ? op.c : op.b + uint64_t(r) * op.bPitch;
    int32_t *orow = op.o + uint64_t(r) * op.oPitch;
    for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
      const uint64_t c = beat * W + l;
      if (c < uint64_t(cols))
        orow[c] = vecLane(fn, ar[c], br[c], shift, frac);
    }
    if (++beat == beats) {
      beat = 0;
      ++r;
    }
  }
}

/// Per-token absmax quantizer: codes to q, absmax to absmax[r].
template <int W> void vecQuantTile(int rows, int cols, const VecOperands &op) {
  const int beats = int(vecBeats(uint64_t(cols), W));
  for (int r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024
    const int32_t *ar = vecRowA(op, r, rows);
    int32_t amax = 0;
    for (int beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Vector);
      int32_t m = 0;
      for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
        const int c = beat * W + l;
        if (c < cols) {
          const int32_t x = ar[c];
          const int32_t v = x == kInt32Min ? kInt32Max : (x < 0 ? -x : x);
          m = v > m ? v : m;
        }
      }
      amax = m > amax ? m : amax;
    }
    // The shared divider, once per row (a = 0: every code is 0, and so is x * 0).
    const int64_t recip = amax == 0 ? 0 : quantRecip(amax);
    int8_t *qr = op.q + uint64_t(r) * op.qPitch;
    for (int beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Vector);
      for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
        const int c = beat * W + l;
        if (c < cols)
          qr[c] = quantizeWithRecip(ar[c], recip);
      }
    }
    op.absmax[r] = amax;
  }
}

/// RMSNorm (gated: t = sat32(RNE(a * silu(b) / 2^gateFrac)), else t = a) per group of `group`
/// columns (0: the row); o = sat32(RNE(t * rq * c / 2^outShift)).
struct VecNormShape {
  int rows, cols, group;
  bool gated;
  uint32_t epsBits;
  int inFrac, gateFrac, outShift;
};

template <int W> void vecNormTile(const VecNormShape &p, const VecOperands &op) {
  const int g = p.group > 0 && p.group < p.cols ? p.group : p.cols;
  for (int r = 0; r < p.rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024
    const int32_t *ar = vecRowA(op, r, p.rows);
    const int32_t *br = p.gated ? op.b + uint64_t(r) * op.bPitch : 0;
    int32_t *orow = op.o + uint64_t(r) * op.oPitch;
    for (int g0 = 0; g0 < p.cols; g0 += g) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
      const int gl = p.cols - g0 < g ? p.cols - g0 : g;
      const int beats = int(vecBeats(uint64_t(gl), W));
      NormSum sum = 0;
      if (p.gated) {
        for (int beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 2
          VIMQ_COUNT_ITERATION(Unit::Vector); // II = 2: both issue cycles
          VIMQ_COUNT_ITERATION(Unit::Vector);
          for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
            const int i = beat * W + l, c = g0 + i;
            if (i < gl) {
              const int32_t t =
                  sat32ShiftRne(int64_t(ar[c]) * siluPwl(br[c], p.gateFrac), p.gateFrac);
              orow[c] = t;
              sum += uint64_t(int64_t(t) * t);
            }
          }
        }
      } else {
        for (int beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
          VIMQ_COUNT_ITERATION(Unit::Vector);
          for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
            const int i = beat * W + l, c = g0 + i;
            if (i < gl)
              sum += uint64_t(int64_t(ar[c]) * ar[c]);
          }
        }
      }
      // The shared divider and square root, once per (row, group).
      const int64_t rq = normFactor(sum, normEpsTerm(p.epsBits, gl, p.inFrac), gl, p.inFrac);
      const int32_t *tr = p.gated ? orow : ar;
      for (int beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 2
        VIMQ_COUNT_ITERATION(Unit::Vector); // II = 2: both issue cycles
        VIMQ_COUNT_ITERATION(Unit::Vector);
        for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
          const int i = beat * W + l, c = g0 + i;
          if (i < gl)
            orow[c] = vecNormScale(tr[c], rq, op.c[c], p.outShift);
        }
      }
    }
  }
}

/// Unnormalised Walsh-Hadamard transform (Sylvester order) of each whole group of 2^log2g
/// columns, then o = sat32(RNE(v * mult / 2^shift)). Columns past the last whole group are
/// not written.
template <int W>
void vecFwhtTile(int rows, int cols, int log2g, int32_t mult, int shift, const VecOperands &op) {
  static_assert(W >= 2 && (W & (W - 1)) == 0, "the butterflies split a beat into W/2 pairs");
  const int g = 1 << log2g, half = g >> 1, groups = cols >> log2g;
  const int beats = int(vecBeats(uint64_t(g), W));
  int64_t buf[2][1 << kMaxFwhtLog2]; // |v| <= 2^31 * 4096 = 2^43
#pragma HLS ARRAY_PARTITION variable = buf cyclic factor = W dim = 2
#pragma HLS DEPENDENCE variable = buf inter false
  for (int r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024
    const int32_t *ar = vecRowA(op, r, rows);
    int32_t *orow = op.o + uint64_t(r) * op.oPitch;
    for (int grp = 0; grp < groups; ++grp) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
      const int32_t *ag = ar + grp * g;
      int32_t *og = orow + grp * g;
      for (int s = 0; s < log2g; ++s) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 12
        const int h = 1 << s, src = (s + 1) & 1, dst = s & 1;
        for (int beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
#pragma HLS PIPELINE II = 1
          VIMQ_COUNT_ITERATION(Unit::Vector);
          for (int l = 0; l < W / 2; ++l) {
#pragma HLS UNROLL
            const int m = beat * (W / 2) + l; // butterfly m of the stage: (j, j + h)
            if (m < half) {
              const int j = ((m >> s) << (s + 1)) | (m & (h - 1));
              const int64_t x0 = s == 0 ? int64_t(ag[j]) : buf[src][j];
              const int64_t x1 = s == 0 ? int64_t(ag[j + h]) : buf[src][j + h];
              buf[dst][j] = x0 + x1;
              buf[dst][j + h] = x0 - x1;
            }
          }
        }
      }
      const int last = (log2g + 1) & 1; // the buffer the last stage wrote
      for (int beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
#pragma HLS PIPELINE II = 1
        VIMQ_COUNT_ITERATION(Unit::Vector);
        for (int l = 0; l < W; ++l) {
#pragma HLS UNROLL
          const int i = beat * W + l;
          if (i < g)
            og[i] = vecFwhtScale(log2g ? buf[last][i] : int64_t(ag[i]), mult, shift);
        }
      }
    }
  }
}

} // namespace hw
} // namespace vimq
