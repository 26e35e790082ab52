//===- FastExpTest.cpp - expF32 / siluF32 against libm in double -----------------------------===//
//
// The reference is std::exp in double (correctly rounded to well below an f32 ulp), and errors
// are measured in ulps of the correctly rounded f32 result. A full sweep of every f32 in
// [kExpF32Lo, kExpF32Hi] (2.2e9 values, minutes) measured a maximum of 0.990 ulp, at
// x = 70.4031; the test sweeps every 251st bit pattern (a prime stride, so every mantissa
// region is visited) plus both ends of the range and bounds the error by 1 ulp: the Cephes
// polynomial is within ~1e-7 relative of e^r on |r| <= ln2/2, and the Horner steps, the r
// reduction and the final scaling (exact, powers of two) add at most one rounding each.
//
//===----------------------------------------------------------------------------------------===//
#include "FastExp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace vimq::interp::detail;

namespace {

/// |got - e^x| in ulps of the f32 nearest to e^x.
double ulpError(float x, float got) {
  double e = std::exp(double(x));
  float ef = float(e);
  double ulp = double(std::nextafter(ef, std::numeric_limits<float>::infinity())) - double(ef);
  return std::fabs(double(got) - e) / ulp;
}

/// Max ulp error of expF32Array over the f32 bit patterns [a, b] with stride `step`.
double sweep(uint32_t a, uint32_t b, uint32_t step, float &worstX) {
  std::vector<float> xs;
  for (uint64_t u = a; u <= b; u += step)
    xs.push_back(floatOf(uint32_t(u)));
  for (uint32_t u = b > 64 ? b - 64 : 0; u <= b; ++u) // the end of the range, densely
    xs.push_back(floatOf(u));
  std::vector<float> ys(xs.size());
  expF32Array(xs.data(), ys.data(), int64_t(xs.size()));
  double worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(ys[i], expF32(xs[i])) << "array and scalar forms differ at " << xs[i];
    double err = ulpError(xs[i], ys[i]);
    if (err > worst) {
      worst = err;
      worstX = xs[i];
    }
  }
  return worst;
}

TEST(FastExp, WithinOneUlpOverTheNormalRange) {
  float worstX = 0;
  // Positive x from +0 up to kExpF32Hi; negative x from -0 down to kExpF32Lo (sign-magnitude
  // patterns grow with |x|).
  double pos = sweep(0u, bitsOf(kExpF32Hi), 251, worstX);
  EXPECT_LE(pos, 1.0) << "at x = " << worstX;
  double neg = sweep(0x80000000u, bitsOf(kExpF32Lo), 251, worstX);
  EXPECT_LE(neg, 1.0) << "at x = " << worstX;
}

TEST(FastExp, SpecialValuesAndBounds) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(expF32(0.0f), 1.0f);
  EXPECT_EQ(expF32(-0.0f), 1.0f);
  EXPECT_EQ(expF32(-inf), 0.0f);
  EXPECT_EQ(expF32(inf), inf);
  EXPECT_TRUE(std::isnan(expF32(std::numeric_limits<float>::quiet_NaN())));
  // The largest finite result, and the first input that overflows (as std::exp does).
  EXPECT_TRUE(std::isfinite(expF32(kExpF32Hi)));
  EXPECT_LE(ulpError(kExpF32Hi, expF32(kExpF32Hi)), 1.0);
  float above = std::nextafter(kExpF32Hi, inf);
  EXPECT_EQ(expF32(above), inf);
  EXPECT_EQ(std::exp(above), inf);
  // At kExpF32Lo the result is still a normal number; below it, +0 instead of a subnormal
  // (an absolute error below 2^-126).
  EXPECT_GE(expF32(kExpF32Lo), std::numeric_limits<float>::min() * 0.999999f);
  EXPECT_EQ(expF32(std::nextafter(kExpF32Lo, -inf)), 0.0f);
  EXPECT_EQ(expF32(-100.0f), 0.0f);
  EXPECT_EQ(expF32(-1e30f), 0.0f);
  EXPECT_EQ(expF32(1e30f), inf);
  // Exact powers: e^(k ln 2) for representable k·ln2 is within an ulp of 2^k.
  EXPECT_LE(ulpError(1.0f, expF32(1.0f)), 1.0);
}

TEST(FastExp, SiluAgainstDouble) {
  // siluF32 = f32 arithmetic on expF32: x·e / (1 + e) with up to three roundings and e within
  // 1 ulp; a sweep of every 97th pattern measured 3.04 ulp (at x = -3.257), bounded here
  // by 2^-22 relative (4 ulp at worst). Below
  // kExpF32Lo, e^x is flushed to 0 and so is the result (|silu(x)| < 90·2^-126 there).
  double worst = 0;
  for (float x = kExpF32Lo; x <= 90.0f; x += 0.00390625f * 3.1f) {
    double ref = x >= 0 ? x / (1.0 + std::exp(-double(x)))
                        : x * std::exp(double(x)) / (1.0 + std::exp(double(x)));
    double got = siluF32(x);
    if (ref != 0)
      worst = std::max(worst, std::fabs(got - ref) / std::fabs(ref));
  }
  EXPECT_LT(worst, 0x1p-22);
  EXPECT_EQ(siluF32(0.0f), 0.0f);
  EXPECT_TRUE(std::signbit(siluF32(-0.0f)));
  EXPECT_EQ(siluF32(100.0f), 100.0f);
  EXPECT_EQ(siluF32(-200.0f), -0.0f);
  EXPECT_LT(std::fabs(siluF32(std::nextafter(kExpF32Lo, -100.0f))), 90 * 0x1p-126);
}

/// Max ulp error of f against ref (double) over the f32 bit patterns [a, b] with stride `step`.
template <typename F, typename R>
double ulpSweep(uint32_t a, uint32_t b, uint32_t step, F f, R ref, float &worstX) {
  double worst = 0;
  for (uint64_t u = a; u <= b; u += step) {
    float x = floatOf(uint32_t(u));
    double r = ref(double(x));
    float rf = float(r);
    if (rf == 0.0f)
      continue;
    double ulp = double(std::nextafter(rf, std::numeric_limits<float>::infinity())) - double(rf);
    double err = std::fabs(double(f(x)) - r) / ulp;
    if (err > worst) {
      worst = err;
      worstX = x;
    }
  }
  return worst;
}

TEST(FastExp, Log1pAndSoftplus) {
  // log1pUnitF32 on [0, 1]: a full sweep measured 1.23 ulp (at e = 0.4018); the polynomial
  // (Cephes logf, ~1 ulp) plus the rounding of the first-order correction. Bound 1.5 ulp.
  float worstX = 0;
  double l = ulpSweep(0u, bitsOf(1.0f), 101, [](float x) { return log1pUnitF32(x); },
                      [](double e) { return std::log1p(e); }, worstX);
  EXPECT_LE(l, 1.5) << "at e = " << worstX;
  EXPECT_EQ(log1pUnitF32(0.0f), 0.0f);
  EXPECT_EQ(log1pUnitF32(0x1p-30f), 0x1p-30f);
  // softplusF32 = max(x, 0) + log1p(e^-|x|): both parts within ~1 ulp and one rounding of the
  // sum; a sweep of every 97th pattern measured 1.88 ulp (at x = -1.297). Bound 2.5 ulp, for
  // x >= kExpF32Lo (below, e^x is flushed: an absolute error under 2^-126).
  auto ref = [](double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); };
  double pos = ulpSweep(0u, 0x7f7fffffu, 397, [](float x) { return softplusF32(x); }, ref, worstX);
  EXPECT_LE(pos, 2.5) << "at x = " << worstX;
  double neg = ulpSweep(0x80000000u, bitsOf(kExpF32Lo), 397, [](float x) { return softplusF32(x); }, ref, worstX);
  EXPECT_LE(neg, 2.5) << "at x = " << worstX;
  EXPECT_EQ(softplusF32(std::numeric_limits<float>::infinity()),
            std::numeric_limits<float>::infinity());
  EXPECT_EQ(softplusF32(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(softplusF32(-100.0f), 0.0f);
  EXPECT_TRUE(std::isnan(softplusF32(std::numeric_limits<float>::quiet_NaN())));
}

TEST(FastExp, MapRowsEqualsScalar) {
  // The AVX2 variant (if the CPU has it) and the scalar function give the same bits.
  std::vector<float> x;
  for (float v = -100.0f; v < 100.0f; v += 0.37f)
    x.push_back(v);
  std::vector<float> s(x.size()), p(x.size());
  mapRowsF32<siluF32>(x.data(), p.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_EQ(bitsOf(p[i]), bitsOf(siluF32(x[i]))) << x[i];
  mapRowsF32<softplusF32>(x.data(), p.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_EQ(bitsOf(p[i]), bitsOf(softplusF32(x[i]))) << x[i];
}

} // namespace
