//===- VectorEngine.cpp - the simulator's dense-array VECTOR engine ---------------------------===//
//
// The *Hls forms (and vecAdd, vecMul, vecScaleChannels, vecRmsNorm, vecFwht, vecPwl) run the
// synthesizable lane loops of hw/src/VectorTile.h on dense operands (16 lanes; the lane count
// changes no result); vecAbsmaxQuantizeSim is the simulation-only quantizer (the same integers:
// rows over the SimPool, AVX-512 where the CPU has it).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/VectorEngine.h"

#include "SimAvx512.h"
#include "VectorTile.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/SimThreads.h"

#include <cstring>

namespace vimq::hw {

namespace {

constexpr int kDenseLanes = 16;

/// Dense [rows][cols] operands: every row at pitch cols.
VecOperands dense(const int32_t *a, const int32_t *b, const int32_t *c, int32_t *o, int cols) {
  VecOperands op = {};
  op.a = a;
  op.aPitch = uint64_t(cols);
  op.b = b;
  op.bPitch = uint64_t(cols);
  op.c = c;
  op.o = o;
  op.oPitch = uint64_t(cols);
  return op;
}

void elementwise(VecFn fn, int n, const int32_t *a, const int32_t *b, int32_t imm, int shift,
                 int frac, int32_t *y) {
  if (n > 0)
    vecEltTile<kDenseLanes>(fn, 1, n, imm, shift, frac, dense(a, b, nullptr, y, n));
}

} // namespace

void vecAdd(int n, const int32_t *a, const int32_t *b, int32_t *y) {
  elementwise(VecFn::Add, n, a, b, 0, 0, 0, y);
}

void vecMul(int n, const int32_t *a, const int32_t *b, int fracB, int32_t *y) {
  elementwise(VecFn::Mul, n, a, b, 0, fracB, 0, y);
}

void vecScaleChannels(int rows, int cols, const int32_t *x, const int32_t *s, int fracS,
                      int32_t *y) {
  if (rows > 0 && cols > 0)
    vecEltTile<kDenseLanes>(VecFn::Scale, rows, cols, 0, fracS, 0, dense(x, nullptr, s, y, cols));
}

void vecRmsNorm(const RmsNormParams &p, const int32_t *x, const int32_t *w, const int32_t *z,
                int32_t *y) {
  if (p.rows <= 0 || p.cols <= 0)
    return;
  VecNormShape s;
  s.rows = p.rows, s.cols = p.cols, s.group = p.group;
  s.gated = z != nullptr;
  s.epsBits = p.epsBits;
  s.inFrac = p.inFrac, s.gateFrac = p.gateFrac;
  s.outShift = kRmsFactorFrac + p.weightFrac + p.inFrac - p.outFrac;
  // The gated product is written to y first and normalised in place (y may alias x).
  vecNormTile<kDenseLanes>(s, dense(x, z, w, y, p.cols));
}

//===-- Simulation-only quantizer --------------------------------------------------------===//
//
// The loop of vecAbsmaxQuantizeHls with token rows split over the SimPool and, per row, the
// reciprocal from divRne64 (the same RNE(127 * 2^31 / a) as the iterative divider; the tests
// compare both on every a they try).
static void absmaxQuantizeRows(int r0, int r1, int cols, const int32_t *x, int8_t *q,
                               int32_t *absmax) {
  for (int r = r0; r < r1; ++r) {
    const int32_t *xr = x + int64_t(r) * cols;
    int32_t a = 0;
    for (int c = 0; c < cols; ++c) {
      int32_t v = xr[c] == kInt32Min ? kInt32Max : (xr[c] < 0 ? -xr[c] : xr[c]);
      a = v > a ? v : a;
    }
    absmax[r] = a;
    int8_t *qr = q + int64_t(r) * cols;
    if (a == 0) {
      for (int c = 0; c < cols; ++c)
        qr[c] = 0;
      continue;
    }
    const int64_t recip = divRne64(int64_t(127) << kQuantRecipShift, a);
    for (int c = 0; c < cols; ++c)
      qr[c] = quantizeWithRecip(xr[c], recip);
  }
}

#ifdef VIMQ_SIM_AVX512
/// absmaxQuantizeRows' AVX-512 form: 16 lanes for the absmax, 8 (int64) for x * R. R < 2^38
/// does not fit _mm512_mul_epi32's 32-bit operands, so x * R = x * Rh * 2^31 + x * Rl with
/// R = Rh * 2^31 + Rl, Rl < 2^31, Rh < 2^7: both products are exact, and so is the sum (the
/// first term is at most |x * R| < 2^39 in magnitude since Rh * 2^31 <= R).
VIMQ_AVX512 static void absmaxQuantizeRowsAvx512(int r0, int r1, int cols, const int32_t *x,
                                                 int8_t *q, int32_t *absmax) {
  for (int r = r0; r < r1; ++r) {
    const int32_t *xr = x + int64_t(r) * cols;
    __m512i mx = _mm512_setzero_si512();
    for (int c = 0; c < cols; c += 16) {
      const __mmask16 m = cols - c >= 16 ? __mmask16(0xffff) : __mmask16((1u << (cols - c)) - 1);
      const __m512i v = _mm512_abs_epi32(_mm512_maskz_loadu_epi32(m, xr + c));
      // |INT32_MIN| wraps to 2^31 as unsigned; the quantizer saturates it to INT32_MAX.
      mx = _mm512_max_epu32(mx, _mm512_min_epu32(v, _mm512_set1_epi32(kInt32Max)));
    }
    const int32_t a = int32_t(_mm512_reduce_max_epu32(mx));
    absmax[r] = a;
    int8_t *qr = q + int64_t(r) * cols;
    if (a == 0) {
      std::memset(qr, 0, size_t(cols));
      continue;
    }
    const int64_t recip = divRne64(int64_t(127) << kQuantRecipShift, a);
    const __m512i rHi = _mm512_set1_epi64(recip >> kQuantRecipShift);
    const __m512i rLo = _mm512_set1_epi64(recip & ((int64_t(1) << kQuantRecipShift) - 1));
    const simd::Rne64x8 r31 = simd::rneConsts(kQuantRecipShift);
    for (int c = 0; c < cols; c += 8) {
      const __mmask8 m = cols - c >= 8 ? __mmask8(0xff) : __mmask8((1u << (cols - c)) - 1);
      const __m512i x64 = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, xr + c));
      const __m512i prod = _mm512_add_epi64(
          _mm512_slli_epi64(_mm512_mul_epi32(x64, rHi), kQuantRecipShift),
          _mm512_mul_epi32(x64, rLo));
      __m512i qv = simd::rne(prod, r31);
      qv = _mm512_min_epi64(_mm512_max_epi64(qv, _mm512_set1_epi64(-127)), _mm512_set1_epi64(127));
      _mm512_mask_cvtepi64_storeu_epi8(qr + c, m, qv);
    }
  }
}
#endif

void vecAbsmaxQuantizeSim(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax,
                          SimPath path) {
  bool vec = false;
#ifdef VIMQ_SIM_AVX512
  vec = path != SimPath::Scalar && simd::cpuHasAvx512();
#endif
  const int64_t minRows = cols >= 8192 ? 1 : 8192 / cols;
  SimPool::get().parallelFor(rows, minRows, [&](int64_t r0, int64_t r1) {
#ifdef VIMQ_SIM_AVX512
    if (vec)
      return absmaxQuantizeRowsAvx512(int(r0), int(r1), cols, x, q, absmax);
#endif
    absmaxQuantizeRows(int(r0), int(r1), cols, x, q, absmax);
  });
}
void vecAbsmaxQuantize(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax) {
  if (rows > 0 && cols > 0)
    return vecAbsmaxQuantizeSim(rows, cols, x, q, absmax, SimPath::Auto);
  vecAbsmaxQuantizeHls(rows, cols, x, q, absmax);
}

void vecAbsmaxQuantizeHls(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax) {
  if (rows <= 0 || cols < 0)
    return;
  VecOperands op = dense(x, nullptr, nullptr, nullptr, cols);
  op.q = q;
  op.qPitch = uint64_t(cols);
  op.absmax = absmax;
  vecQuantTile<kDenseLanes>(rows, cols, op);
}

// Not VECTOR instructions: the static quantizer and the 16-bit narrowing of the SSM's operands
// (the references the engine tests use).
void vecQuantizeStatic(int n, const int32_t *x, uint16_t m, int shift, int8_t *q) {
  for (int i = 0; i < n; ++i)
    q[i] = sat8(shiftRne(static_cast<i128>(x[i]) * m, shift));
}

void vecNarrow16(int n, const int32_t *x, int shift, int16_t *y) {
  for (int i = 0; i < n; ++i)
    y[i] = sat16(shiftRne(x[i], shift));
}

void vecFwht(int rows, int cols, int log2Group, int32_t mult, int shift, const int32_t *x,
             int32_t *y) {
  if (rows > 0 && cols > 0)
    vecFwhtTile<kDenseLanes>(rows, cols, log2Group, mult, shift, dense(x, nullptr, nullptr, y, cols));
}

void vecPwl(int n, PwlFunc fn, int frac, const int32_t *x, int32_t *y) {
  const VecFn f = fn == PwlFunc::Exp ? VecFn::Exp : fn == PwlFunc::Softplus ? VecFn::Softplus
                                                                             : VecFn::Silu;
  elementwise(f, n, x, nullptr, 0, 0, frac, y);
}

} // namespace vimq::hw
