//===- VectorEngine.cpp - VECTOR engine ------------------------------------------------------===//
//
// Every loop below is pipelined at II=1 over the row and unrolled by the target's vector_width;
// reductions are exact integer sums, so the unroll factor does not change any result.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/VectorEngine.h"

#include "vimq/hw/Numerics.h"

#include <cmath>

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
      i128 sumsq = 0;
      for (int c = g0; c < gEnd; ++c)
        sumsq += static_cast<i128>(yr[c]) * yr[c];
      // The only floating-point step: one per (token, group); IEEE double, fixed order.
      double mean = static_cast<double>(sumsq) / static_cast<double>(gEnd - g0);
      double r2 = std::ldexp(mean, -2 * p.inFrac) + static_cast<double>(p.eps);
      double factor = 1.0 / std::sqrt(r2);
      // An all-zero group with eps = 0 gives an infinite factor (its outputs are 0 anyway):
      // clamp so the conversion is defined and t * rq * w still fits 128 bits.
      double scaled = std::ldexp(factor, kRmsFactorFrac);
      int64_t rq =
          !(scaled < 0x1p62) ? int64_t(1) << 62 : static_cast<int64_t>(std::nearbyint(scaled));
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
// The same q = a ? sat8(RNE(127 x / a)) : 0 without a divider: the quotient is estimated in
// double (127 x and a are exact doubles; |127 x / a| <= 128, so the estimate is within 1e-13 of
// the true quotient and its truncation within 1 of the floor), then the floor and the remainder
// are made exact with one integer correction step each way, and rounded half to even from the
// exact remainder. Token rows are split over the SimPool. Bit-identical to the divider.
static inline int8_t quantizeExact(int32_t x, int32_t a, double inv) {
  // Branch-free (the corrections are data dependent and would mispredict).
  const int64_t num = int64_t(x) * 127;
  int64_t q = static_cast<int64_t>(static_cast<double>(num) * inv);
  int64_t r = num - q * a;
  const int64_t below = r < 0, above = r >= a;
  q += above - below;
  r += (below - above) * int64_t(a);
  q += (2 * r > a) | ((2 * r == a) & (q & 1));
  return static_cast<int8_t>(q > 127 ? 127 : q < -127 ? -127 : q); // sat8
}

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
    const double inv = 1.0 / a;
    for (int c = 0; c < cols; ++c)
      qr[c] = quantizeExact(xr[c], a, inv);
  }
}

#ifdef VIMQ_SIM_AVX512
/// absmaxQuantizeRows' AVX-512 form: the same steps, 16 lanes for the absmax and 8 (int64) for
/// the quotient. double(127 x) is formed as double(x) * 127, which is exact (|127 x| < 2^39),
/// so the estimate is the scalar one, bit for bit.
VIMQ_AVX512 static void absmaxQuantizeRowsAvx512(int r0, int r1, int cols, const int32_t *x,
                                                 int8_t *q, int32_t *absmax) {
  const __m512i one = _mm512_set1_epi64(1), zero = _mm512_setzero_si512();
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
    const __m512d inv = _mm512_set1_pd(1.0 / a);
    const __m512i av = _mm512_set1_epi64(a);
    for (int c = 0; c < cols; c += 8) {
      const __mmask8 m = cols - c >= 8 ? __mmask8(0xff) : __mmask8((1u << (cols - c)) - 1);
      const __m256i x32 = _mm256_maskz_loadu_epi32(m, xr + c);
      const __m512d est = _mm512_mul_pd(
          _mm512_mul_pd(_mm512_cvtepi32_pd(x32), _mm512_set1_pd(127.0)), inv);
      __m512i qv = _mm512_cvtepi32_epi64(_mm512_cvttpd_epi32(est));
      const __m512i num = _mm512_mul_epi32(_mm512_cvtepi32_epi64(x32), _mm512_set1_epi64(127));
      __m512i rv = _mm512_sub_epi64(num, _mm512_mul_epi32(qv, av));
      const __mmask8 below = _mm512_cmplt_epi64_mask(rv, zero);
      const __mmask8 above = _mm512_cmpge_epi64_mask(rv, av);
      qv = _mm512_mask_add_epi64(_mm512_mask_sub_epi64(qv, below, qv, one), above, qv, one);
      rv = _mm512_mask_sub_epi64(_mm512_mask_add_epi64(rv, below, rv, av), above, rv, av);
      const __m512i r2 = _mm512_add_epi64(rv, rv);
      const __mmask8 up = _mm512_cmpgt_epi64_mask(r2, av) |
                          (_mm512_cmpeq_epi64_mask(r2, av) & _mm512_test_epi64_mask(qv, one));
      qv = _mm512_mask_add_epi64(qv, up, qv, one);
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
    for (int c = 0; c < cols; ++c) {
#pragma HLS PIPELINE II = 1
      q[r * cols + c] = a == 0 ? int8_t(0) : sat8(divRne(static_cast<i128>(xr[c]) * 127, a));
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
