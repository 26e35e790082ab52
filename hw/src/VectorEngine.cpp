//===- VectorEngine.cpp - VECTOR engine ------------------------------------------------------===//
//
// Every loop below is pipelined at II=1 over the row and unrolled by the target's vector_width;
// reductions are exact integer sums, so the unroll factor does not change any result.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/VectorEngine.h"

#include "vimq/hw/Numerics.h"

#ifndef __SYNTHESIS__
#include "SimAvx512.h"
#include "vimq/hw/SimThreads.h"

#include <cstring>
#endif

namespace vimq::hw {

void vecAdd(int n, const int32_t *a, const int32_t *b, int32_t *y) {
  for (int i = 0; i < n; ++i) {
#pragma HLS PIPELINE II = 1
    y[i] = sat32(static_cast<i128>(a[i]) + b[i]);
  }
}

void vecMul(int n, const int32_t *a, const int32_t *b, int fracB, int32_t *y) {
  for (int i = 0; i < n; ++i) {
#pragma HLS PIPELINE II = 1
    y[i] = sat32(shiftRne(static_cast<i128>(a[i]) * b[i], fracB));
  }
}

void vecScaleChannels(int rows, int cols, const int32_t *x, const int32_t *s, int fracS,
                      int32_t *y) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
#pragma HLS PIPELINE II = 1
      y[r * cols + c] = sat32(shiftRne(static_cast<i128>(x[r * cols + c]) * s[c], fracS));
    }
}

void vecRmsNorm(const RmsNormParams &p, const int32_t *x, const int32_t *w, const int32_t *z,
                int32_t *y) {
  const int group = p.group > 0 ? p.group : p.cols;
  for (int r = 0; r < p.rows; ++r) {
    int32_t *yr = y + r * p.cols;
    const int32_t *xr = x + r * p.cols;
    // The gated product is written to y first and normalised in place (y may alias x).
    for (int c = 0; c < p.cols; ++c)
      yr[c] = z ? sat32(shiftRne(static_cast<i128>(xr[c]) * siluPwl(z[r * p.cols + c], p.gateFrac),
                                 p.gateFrac))
                : xr[c];
    for (int g0 = 0; g0 < p.cols; g0 += group) {
      const int gEnd = g0 + group < p.cols ? g0 + group : p.cols;
      i128 sumsq = 0; // < 2^78
      for (int c = g0; c < gEnd; ++c)
        sumsq += static_cast<i128>(yr[c]) * yr[c];
      // The shared divider and square root, once per (row, group) (kRsqrtCycles).
      const int g = gEnd - g0;
      const int64_t rq = normFactor(sumsq, normEpsTerm(p.epsBits, g, p.inFrac), g, p.inFrac);
      for (int c = g0; c < gEnd; ++c) {
#pragma HLS PIPELINE II = 1
        yr[c] = sat32(shiftRne(static_cast<i128>(yr[c]) * rq * w[c],
                               kRmsFactorFrac + p.weightFrac + p.inFrac - p.outFrac));
      }
    }
  }
}

#ifndef __SYNTHESIS__
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
#endif

void vecAbsmaxQuantize(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax) {
#ifndef __SYNTHESIS__
  if (rows > 0 && cols > 0)
    return vecAbsmaxQuantizeSim(rows, cols, x, q, absmax, SimPath::Auto);
#endif
  vecAbsmaxQuantizeHls(rows, cols, x, q, absmax);
}

void vecAbsmaxQuantizeHls(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax) {
  for (int r = 0; r < rows; ++r) {
    const int32_t *xr = x + r * cols;
    int32_t a = 0;
    for (int c = 0; c < cols; ++c) {
#pragma HLS PIPELINE II = 1
      int32_t v = xr[c] == kInt32Min ? kInt32Max : (xr[c] < 0 ? -xr[c] : xr[c]);
      a = v > a ? v : a;
    }
    absmax[r] = a;
    // One reciprocal per row from the shared divider (kQuantRecipCycles), then a multiply and
    // a rounding shift per element.
    const int64_t recip = a == 0 ? 0 : quantRecip(a);
    for (int c = 0; c < cols; ++c) {
#pragma HLS PIPELINE II = 1
      q[r * cols + c] = quantizeWithRecip(xr[c], recip);
    }
  }
}

void vecQuantizeStatic(int n, const int32_t *x, uint16_t m, int shift, int8_t *q) {
  for (int i = 0; i < n; ++i) {
#pragma HLS PIPELINE II = 1
    q[i] = sat8(shiftRne(static_cast<i128>(x[i]) * m, shift));
  }
}

void vecNarrow16(int n, const int32_t *x, int shift, int16_t *y) {
  for (int i = 0; i < n; ++i) {
#pragma HLS PIPELINE II = 1
    y[i] = sat16(shiftRne(x[i], shift));
  }
}

void vecFwht(int rows, int cols, int log2Group, int32_t mult, int shift, const int32_t *x,
             int32_t *y) {
  const int g = 1 << log2Group;
  int64_t buf[1 << kMaxFwhtLog2]; // one group, on chip
#pragma HLS ARRAY_PARTITION variable = buf cyclic factor = kVectorWidth
  for (int r = 0; r < rows; ++r)
    for (int g0 = 0; g0 + g <= cols; g0 += g) {
      for (int i = 0; i < g; ++i)
        buf[i] = x[r * cols + g0 + i];
      for (int h = 1; h < g; h <<= 1)
        for (int i = 0; i < g; i += 2 * h)
          for (int j = i; j < i + h; ++j) {
#pragma HLS PIPELINE II = 1
            int64_t a = buf[j], b = buf[j + h];
            buf[j] = a + b;
            buf[j + h] = a - b;
          }
      for (int i = 0; i < g; ++i)
        y[r * cols + g0 + i] = sat32(shiftRne(static_cast<i128>(buf[i]) * mult, shift));
    }
}

void vecPwl(int n, PwlFunc fn, int frac, const int32_t *x, int32_t *y) {
  for (int i = 0; i < n; ++i) {
#pragma HLS PIPELINE II = 1
    int32_t q12 = sat32(shiftRne(x[i], frac - kExpInFrac));
    switch (fn) {
    case PwlFunc::Exp:
      y[i] = sat32(shiftRne(expPwl(q12), kExpOutFrac - frac));
      break;
    case PwlFunc::Softplus:
      y[i] = sat32(shiftRne(softplusPwl(q12), kExpInFrac - frac));
      break;
    case PwlFunc::Silu:
      y[i] = siluPwl(x[i], frac);
      break;
    }
  }
}

} // namespace vimq::hw
