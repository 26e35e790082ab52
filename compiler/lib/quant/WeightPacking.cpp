//===- WeightPacking.cpp - APoT-4 / APoT-5 / int codes of weights ----------------------------===//
//
// Packing is on the compile path of every linear (ViM-base: ~100M weights), so each block is
// quantized in one pass over its row segment with branch-free, table-driven rounding. The codes
// are exactly those of the definition "nearest level, ties toward the smaller magnitude"
// (WeightPackingTest checks the table form against that definition at every decision point).
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/quant/WeightPacking.h"

#include <array>
#include <cassert>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vimq::quant {

int32_t codeLevel(CodeKind kind, uint8_t code) {
  switch (kind) {
  case CodeKind::APoT4:
    return (code & 8 ? -1 : 1) * kAPoT4Levels[code & 7];
  case CodeKind::APoT5:
    return (code & 16 ? -1 : 1) * kAPoT5Levels[code & 15];
  case CodeKind::Int4:
  case CodeKind::Int8:
    return static_cast<int8_t>(code);
  }
  return 0;
}

int32_t maxLevel(CodeKind kind) {
  switch (kind) {
  case CodeKind::APoT4:
    return 160;
  case CodeKind::APoT5:
    return 144;
  case CodeKind::Int4:
    return 7;
  case CodeKind::Int8:
    return 127;
  }
  return 1;
}

namespace {

/// The decision points between neighbouring magnitudes of an ascending level table.
template <size_t N> constexpr std::array<double, N - 1> midpoints(const int32_t (&levels)[N]) {
  std::array<double, N - 1> m{};
  for (size_t i = 0; i + 1 < N; ++i)
    m[i] = (double(levels[i]) + double(levels[i + 1])) / 2;
  return m;
}

constexpr std::array<double, 7> kAPoT4Mid = midpoints(kAPoT4Levels);
constexpr std::array<double, 15> kAPoT5Mid = midpoints(kAPoT5Levels);

/// The nearest magnitude index of a = |v| (ties toward the smaller magnitude) is the number of
/// decision points strictly below a. This equals the definition's argmin of |a - level| bit
/// for bit: every midpoint is exact, and around a midpoint between levels lo < hi the
/// differences a - lo and hi - a are exact (Sterbenz; hi <= 3·lo or lo = 0 for both tables),
/// so "a > mid" and "|a - hi| < |a - lo|" decide alike; a NaN maps to index 0 in both.
template <size_t M>
void quantizeAPoT(const float *src, uint8_t *codes, int64_t n, double scale,
                  const std::array<double, M> &mid, uint8_t signBit) {
  int64_t c = 0;
#if defined(__SSE2__)
  // The same operations two doubles at a time (SSE2 is the x86-64 baseline, so no dispatch):
  // IEEE division and ordered compares give the scalar loop's results exactly.
  const __m128d vscale = _mm_set1_pd(scale), zero = _mm_setzero_pd();
  const __m128d absMask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
  const __m128i vsign = _mm_set1_epi64x(signBit);
  auto half = [&](__m128d v) {
    __m128d a = _mm_and_pd(v, absMask);
    __m128d above0 = _mm_cmpgt_pd(a, _mm_set1_pd(mid[0]));
    __m128i count = _mm_sub_epi64(_mm_setzero_si128(), _mm_castpd_si128(above0));
    for (size_t i = 1; i < M; ++i)
      count = _mm_sub_epi64(count, _mm_castpd_si128(_mm_cmpgt_pd(a, _mm_set1_pd(mid[i]))));
    __m128d negative = _mm_and_pd(_mm_cmplt_pd(v, zero), above0);
    return _mm_or_si128(count, _mm_and_si128(_mm_castpd_si128(negative), vsign));
  };
  for (; c + 4 <= n; c += 4) {
    __m128 x = _mm_loadu_ps(src + c);
    __m128i lo = half(_mm_div_pd(_mm_cvtps_pd(x), vscale));
    __m128i hi = half(_mm_div_pd(_mm_cvtps_pd(_mm_movehl_ps(x, x)), vscale));
    alignas(16) int64_t out[4];
    _mm_store_si128(reinterpret_cast<__m128i *>(out), lo);
    _mm_store_si128(reinterpret_cast<__m128i *>(out + 2), hi);
    for (int j = 0; j < 4; ++j)
      codes[c + j] = static_cast<uint8_t>(out[j]);
  }
#endif
  for (; c < n; ++c) {
    double v = double(src[c]) / scale;
    double a = std::fabs(v);
    unsigned best = 0;
    for (size_t i = 0; i < M; ++i)
      best += a > mid[i];
    codes[c] = static_cast<uint8_t>(best | ((v < 0 && best != 0) ? signBit : 0));
  }
}

/// Int4 / Int8: round half to even after clamping to ±maxLevel.
void quantizeInt(const float *src, uint8_t *codes, int64_t n, double scale, double m) {
  for (int64_t c = 0; c < n; ++c) {
    double v = double(src[c]) / scale;
    double r = std::nearbyint(std::fmin(std::fmax(v, -m), m));
    codes[c] = static_cast<uint8_t>(static_cast<int8_t>(r));
  }
}

/// max |x| over a block, as double (exact: |x| and the max are exact in float). NaNs are
/// skipped, as std::fmax does.
double blockAbsMax(const float *src, int64_t n) {
  float m = 0;
  int64_t c = 0;
#if defined(__SSE2__)
  // maxps(|x|, m) returns m when |x| is a NaN, as the scalar loop does.
  const __m128 absMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  __m128 vm = _mm_setzero_ps();
  for (; c + 4 <= n; c += 4)
    vm = _mm_max_ps(_mm_and_ps(_mm_loadu_ps(src + c), absMask), vm);
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, vm);
  for (float l : lanes)
    m = l > m ? l : m;
#endif
  for (; c < n; ++c) {
    float a = std::fabs(src[c]);
    m = a > m ? a : m;
  }
  return double(m);
}

} // namespace

PackedWeight packWeight(const Tensor &w, CodeKind kind, int64_t block) {
  assert(w.rank() == 2 && w.dtype() == DType::F32);
  int64_t n = w.dim(0), k = w.dim(1);
  if (block <= 0 || block > k)
    block = k;
  int64_t nb = (k + block - 1) / block;
  bool isInt = kind == CodeKind::Int4 || kind == CodeKind::Int8;
  PackedWeight p{Tensor(isInt ? DType::I8 : DType::U8, {n, k}), Tensor(DType::F64, {n, nb}),
                 block};
  const float *src = w.data<float>();
  uint8_t *codes = p.codes.raw();
  double *scales = p.scales.data<double>();
  double top = maxLevel(kind);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t b = 0; b < nb; ++b) {
      int64_t lo = b * block, len = std::min(k, lo + block) - lo;
      const float *in = src + r * k + lo;
      uint8_t *out = codes + r * k + lo;
      // An all-zero block keeps scale 0 and codes 0 (the engine multiplies by mantissa 0);
      // the codes are already zero.
      double scale = blockAbsMax(in, len) / top;
      scales[r * nb + b] = scale;
      if (!(scale > 0))
        continue;
      switch (kind) {
      case CodeKind::APoT4:
        quantizeAPoT(in, out, len, scale, kAPoT4Mid, 8);
        break;
      case CodeKind::APoT5:
        quantizeAPoT(in, out, len, scale, kAPoT5Mid, 16);
        break;
      case CodeKind::Int4:
      case CodeKind::Int8:
        quantizeInt(in, out, len, scale, top);
        break;
      }
    }
  return p;
}

Tensor dequantize(const PackedWeight &p, CodeKind kind) {
  int64_t n = p.codes.dim(0), k = p.codes.dim(1), nb = p.scales.dim(1);
  // Every code byte's level, so the inner loop is a lookup and one multiply.
  std::array<double, 256> level;
  for (unsigned c = 0; c < 256; ++c)
    level[c] = codeLevel(kind, uint8_t(c));
  Tensor out(DType::F32, {n, k}, Tensor::Uninitialized); // every element is written
  float *dst = out.data<float>();
  const uint8_t *codes = p.codes.raw();
  const double *scales = p.scales.data<double>();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t b = 0; b < nb; ++b) {
      int64_t lo = b * p.block, hi = std::min(k, lo + p.block);
      double scale = scales[r * nb + b];
      for (int64_t c = lo; c < hi; ++c)
        dst[r * k + c] = static_cast<float>(level[codes[r * k + c]] * scale);
    }
  return out;
}

} // namespace vimq::quant
