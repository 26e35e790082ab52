//===- FastExp.h - a vectorisable single-precision exp ---------------------------*- C++ -*-===//
//
// The selective scan needs exp(δ·A) for every token, channel and state (tens of millions per
// ViM run) and SiLU / Softplus one exp per element; libm's expf is an out-of-line call per
// element that the compiler cannot vectorise. expF32 is plain f32 arithmetic on values and
// bit patterns, without branches or float->int conversions, so loops calling it vectorise
// with baseline SSE2.
//
// Method (Cody-Waite): n = round(x·log2 e) by the 1.5·2^23 magic-number addition, whose low
// mantissa bits then hold n; r = x − n·ln2 with ln2 split in a 9-bit head (n·head is exact) and
// a tail; e^r on |r| ≤ ln2/2 by Cephes' degree-7 polynomial 1 + r + r²·P(r); 2^n built in two
// halves so every factor stays a normal number. Maximum error about 1 ulp (measured and bounded
// in FastExpTest). Same bits on every x86-64: only IEEE multiplies and adds in a fixed order, and
// the project compiles with -std=c++20 (no FMA contraction).
//
// Range: x < kExpF32Lo (where e^x would be subnormal) gives +0, x > kExpF32Hi gives +inf,
// NaN gives NaN. The functions are always inlined so that callers compiled for a wider
// target (AVX2 variants) get them in their own vector width.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

namespace vimq::interp::detail {

/// ln(FLT_MIN) rounded up to f32: below it e^x is subnormal and expF32 returns 0.
constexpr float kExpF32Lo = -87.33654f;
/// The largest f32 whose e^x is finite (ln(FLT_MAX) = 88.7228391...).
constexpr float kExpF32Hi = 88.72283f;

[[gnu::always_inline]] inline uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
[[gnu::always_inline]] inline float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

[[gnu::always_inline]] inline float expF32(float x) {
  constexpr float kMagic = 12582912.0f; // 1.5 * 2^23: adding it rounds to an integer (RNE)
  // Clamp to [Lo, Hi] (NaN passes unchanged). Selects on bit patterns rather than ?: on
  // floats: under GCC's default -ftrapping-math a float ?: is not if-converted and the loop
  // would not vectorise.
  uint32_t under = 0u - uint32_t(x < kExpF32Lo), over = 0u - uint32_t(x > kExpF32Hi);
  float xc = floatOf((bitsOf(x) & ~(under | over)) | (bitsOf(kExpF32Lo) & under) |
                     (bitsOf(kExpF32Hi) & over));
  float t = xc * 1.44269504088896341f + kMagic;
  float nf = t - kMagic;
  // n is in [-126, 128]; its two's complement sits in t's low mantissa bits.
  uint32_t n = bitsOf(t) - bitsOf(kMagic);
  float r = xc - nf * 0.693359375f; // exact: the head of ln 2 has 9 significant bits
  r = r - nf * -2.12194440e-4f;
  float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  // 2^n = 2^h · 2^(n-h) with h = n / 2 (arithmetic shift): both halves in [-63, 64].
  uint32_t h = uint32_t(int32_t(n) >> 1);
  float s1 = floatOf((h + 127u) << 23), s2 = floatOf((n - h + 127u) << 23);
  uint32_t y = bitsOf(p * s1 * s2);
  y &= ~under; // +0
  y = (y & ~over) | (bitsOf(std::numeric_limits<float>::infinity()) & over);
  return floatOf(y);
}

/// y[i] = expF32(x[i]); y may alias x.
inline void expF32Array(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = expF32(x[i]);
}

/// log1p(e) for e in [0, 1] (Softplus's log1p(e^−|x|)), vectorisable like expF32. u = 1 + e
/// is split as 2^k·m with m in [sqrt(1/2), sqrt(2)), log m by Cephes' logf polynomial in
/// m − 1 (exact), and the rounding of 1 + e is put back to first order: log1p(e) = log u +
/// (e − (u − 1)) / u. For e < 2^-24, u = 1 and the result is that correction, e.
[[gnu::always_inline]] inline float log1pUnitF32(float e) {
  float u = 1.0f + e;
  uint32_t hi = 0u - uint32_t(u >= 1.41421356f);   // k = 1: m = u / 2
  float kf = floatOf(bitsOf(1.0f) & hi);           // 0 or 1
  float m = u * floatOf((bitsOf(0.5f) & hi) | (bitsOf(1.0f) & ~hi));
  float x = m - 1.0f;
  float z = x * x;
  float p = 7.0376836292e-2f;
  p = p * x - 1.1514610310e-1f;
  p = p * x + 1.1676998740e-1f;
  p = p * x - 1.2420140846e-1f;
  p = p * x + 1.4249322787e-1f;
  p = p * x - 1.6668057665e-1f;
  p = p * x + 2.0000714765e-1f;
  p = p * x - 2.4999993993e-1f;
  p = p * x + 3.3333331174e-1f;
  float y = x * (z * p);
  y = y + kf * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = x + y;
  r = r + kf * 0.693359375f;
  return r + (e - (u - 1.0f)) / u;
}

/// softplus(x) = max(x, 0) + log1p(e^−|x|), never overflowing; in f32 on expF32 and
/// log1pUnitF32.
[[gnu::always_inline]] inline float softplusF32(float x) {
  float pos = floatOf(bitsOf(x) & ~(0u - (bitsOf(x) >> 31))); // max(x, 0) up to the sign of 0
  return pos + log1pUnitF32(expF32(-floatOf(bitsOf(x) & 0x7fffffffu)));
}

/// silu(x) = x·sigmoid(x) with e^−|x| so that nothing overflows: x / (1 + e^−x) for x ≥ 0,
/// x·e^x / (1 + e^x) for x < 0. Sign tests on bits, for the reason given in expF32.
[[gnu::always_inline]] inline float siluF32(float x) {
  uint32_t neg = 0u - (bitsOf(x) >> 31);
  float e = expF32(-floatOf(bitsOf(x) & 0x7fffffffu));
  float num = floatOf((bitsOf(x * e) & neg) | (bitsOf(x) & ~neg));
  return num / (1.0f + e);
}

/// Whether the CPU runs the AVX2 variants of the element-wise kernels (runtime dispatch; the
/// variants perform the same IEEE operations, so they give the same bits).
inline bool cpuHasAvx2() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

/// y[i] = F(x[i]) for an always-inlined f32 function F, in the widest vectors the CPU has.
template <float (*F)(float)> void mapRowsF32(const float *x, float *y, int64_t n);

namespace mapimpl {
template <float (*F)(float)> void base(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = F(x[i]);
}
#if defined(__x86_64__) || defined(__i386__)
template <float (*F)(float)>
__attribute__((target("avx2"))) void avx2(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = F(x[i]);
}
#endif
} // namespace mapimpl

template <float (*F)(float)> void mapRowsF32(const float *x, float *y, int64_t n) {
#if defined(__x86_64__) || defined(__i386__)
  if (cpuHasAvx2())
    return mapimpl::avx2<F>(x, y, n);
#endif
  mapimpl::base<F>(x, y, n);
}

} // namespace vimq::interp::detail
