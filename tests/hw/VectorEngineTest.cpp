//===- VectorEngineTest.cpp - FWHT, RMSNorm, quantizer and element-wise ops -----------------===//

#include "vimq/hw/VectorEngine.h"
#include "vimq/hw/Numerics.h"

#include "RefRounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace vimq::hw;
using namespace vimq::hw::test;

namespace {
std::vector<int32_t> rnd(std::mt19937 &rng, size_t n, int lo, int hi) {
  std::vector<int32_t> v(n);
  for (auto &x : v)
    x = lo + int(rng() % unsigned(hi - lo + 1));
  return v;
}

// Sylvester Hadamard matrix H_{2n} = [[H, H], [H, -H]], built without butterflies.
std::vector<int> hadamard(int n) {
  std::vector<int> h{1};
  for (int m = 1; m < n; m *= 2) {
    std::vector<int> next(4 * m * m);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j) {
        int v = h[i * m + j];
        next[i * 2 * m + j] = v;
        next[i * 2 * m + j + m] = v;
        next[(i + m) * 2 * m + j] = v;
        next[(i + m) * 2 * m + j + m] = -v;
      }
    h = next;
  }
  return h;
}
} // namespace

TEST(Fwht, EqualsMatrixProduct) {
  std::mt19937 rng(41);
  for (int log2g : {0, 1, 3, 5}) {
    const int g = 1 << log2g, rows = 3, cols = 4 * g;
    auto x = rnd(rng, rows * cols, -1000000, 1000000);
    std::vector<int32_t> y(x.size());
    const int32_t mult = 3;
    const int shift = 2;
    vecFwht(rows, cols, log2g, mult, shift, x.data(), y.data());
    std::vector<int> h = hadamard(g);
    for (int r = 0; r < rows; ++r)
      for (int g0 = 0; g0 < cols; g0 += g)
        for (int j = 0; j < g; ++j) {
          wide dot = 0;
          for (int i = 0; i < g; ++i)
            dot += wide(x[r * cols + g0 + i]) * h[i * g + j];
          ASSERT_EQ(y[r * cols + g0 + j], refSat32(refShift(dot * mult, shift)))
              << "log2g " << log2g << " row " << r << " col " << g0 + j;
        }
  }
}

TEST(AbsmaxQuantize, RoundsTiesToEvenAndReportsAbsmax) {
  // 127 * x / 254 = x / 2: ties at every odd x.
  std::vector<int32_t> x = {254, 1, 3, -1, -3, 5, 0, -254};
  std::vector<int8_t> q(x.size());
  int32_t absmax = 0;
  vecAbsmaxQuantize(1, int(x.size()), x.data(), q.data(), &absmax);
  EXPECT_EQ(absmax, 254);
  EXPECT_EQ(q, (std::vector<int8_t>{127, 0, 2, 0, -2, 2, 0, -127}));
}

TEST(AbsmaxQuantize, MatchesDoubleRounding) {
  // nearbyint on the correctly rounded double quotient is exact here: a quotient of integers
  // below 2^40 is never within 2^-46 (the double spacing near 127) of a half-integer unless it
  // is one.
  std::mt19937 rng(42);
  const int rows = 4, cols = 37;
  auto x = rnd(rng, rows * cols, -3000000, 3000000);
  x[5] = 0;
  std::vector<int8_t> q(x.size());
  std::vector<int32_t> a(rows);
  vecAbsmaxQuantize(rows, cols, x.data(), q.data(), a.data());
  for (int r = 0; r < rows; ++r) {
    int32_t m = 0;
    for (int c = 0; c < cols; ++c)
      m = std::max(m, std::abs(x[r * cols + c]));
    ASSERT_EQ(a[r], m);
    for (int c = 0; c < cols; ++c)
      ASSERT_EQ(q[r * cols + c], int8_t(std::nearbyint(127.0 * x[r * cols + c] / m)));
  }
  int32_t zeros[3] = {0, 0, 0}, za = -1;
  int8_t zq[3];
  vecAbsmaxQuantize(1, 3, zeros, zq, &za);
  EXPECT_EQ(za, 0);
  EXPECT_EQ(zq[0] | zq[1] | zq[2], 0);
}

TEST(RmsNorm, FollowsDocumentedFormulaPerGroup) {
  std::mt19937 rng(43);
  RmsNormParams p;
  p.rows = 3, p.cols = 12, p.group = 4, p.inFrac = 12, p.weightFrac = 14, p.outFrac = 10;
  p.gateFrac = 12, p.eps = 1e-5f;
  auto x = rnd(rng, p.rows * p.cols, -40000, 40000);
  auto z = rnd(rng, p.rows * p.cols, -20000, 20000);
  auto w32 = rnd(rng, p.cols, -30000, 30000);
  for (bool gated : {false, true}) {
    std::vector<int32_t> y(x.size());
    vecRmsNorm(p, x.data(), w32.data(), gated ? z.data() : nullptr, y.data());
    for (int r = 0; r < p.rows; ++r)
      for (int g0 = 0; g0 < p.cols; g0 += p.group) {
        std::vector<int64_t> t(p.group);
        wide sumsq = 0;
        for (int i = 0; i < p.group; ++i) {
          int idx = r * p.cols + g0 + i;
          t[i] = gated ? refSat32(refShift(wide(x[idx]) * siluPwl(z[idx], p.gateFrac), p.gateFrac))
                       : x[idx];
          sumsq += wide(t[i]) * t[i];
        }
        double mean = double(sumsq) / p.group;
        double factor = 1.0 / std::sqrt(mean / std::pow(2.0, 2 * p.inFrac) + double(p.eps));
        int64_t rq = std::llrint(factor * (1 << 24));
        for (int i = 0; i < p.group; ++i)
          ASSERT_EQ(y[r * p.cols + g0 + i],
                    refSat32(refShift(wide(t[i]) * rq * w32[g0 + i],
                                      24 + p.weightFrac + p.inFrac - p.outFrac)))
              << "gated " << gated << " row " << r << " col " << g0 + i;
      }
  }
}

TEST(RmsNorm, CloseToFloat) {
  // The per-token factor is rounded to 2^-24 and each output once more: relative error < 1e-4
  // of the row scale for Q10 outputs of magnitude ~1000 LSB.
  std::vector<int32_t> x = {4096, -8192, 2048, 12288}, w = {16384, 16384, 16384, 16384};
  std::vector<int32_t> y(4);
  RmsNormParams p;
  p.rows = 1, p.cols = 4, p.inFrac = 12, p.weightFrac = 14, p.outFrac = 10, p.eps = 0.f;
  vecRmsNorm(p, x.data(), w.data(), nullptr, y.data());
  double ms = (1.0 + 4.0 + 0.25 + 9.0) / 4;
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(y[i] / 1024.0, x[i] / 4096.0 / std::sqrt(ms), 1.0 / 1024);
}

TEST(RmsNorm, ZeroRowWithZeroEpsIsZeroNotUndefined) {
  std::vector<int32_t> x(8, 0), w(8, 1 << 16), y(8, 123);
  RmsNormParams p;
  p.rows = 1, p.cols = 8, p.eps = 0.f;
  vecRmsNorm(p, x.data(), w.data(), nullptr, y.data());
  EXPECT_EQ(y, std::vector<int32_t>(8, 0));
}

TEST(VectorElementwise, AddMulScaleNarrowStatic) {
  std::vector<int32_t> a = {INT32_MAX, -5, 7, -7}, b = {1, 3, 3, 3}, y(4);
  vecAdd(4, a.data(), b.data(), y.data());
  EXPECT_EQ(y, (std::vector<int32_t>{INT32_MAX, -2, 10, -4}));
  vecMul(4, a.data(), b.data(), 1, y.data()); // -15/2 = -7.5 -> -8, 21/2 = 10.5 -> 10
  EXPECT_EQ(y[1], -8);
  EXPECT_EQ(y[2], 10);
  EXPECT_EQ(y[3], -10);
  std::vector<int32_t> s = {2, 4};
  std::vector<int32_t> x = {3, 3, -3, -3}, o(4);
  vecScaleChannels(2, 2, x.data(), s.data(), 2, o.data()); // 6/4 = 1.5 -> 2; 12/4 = 3
  EXPECT_EQ(o, (std::vector<int32_t>{2, 3, -2, -3}));
  int16_t n16[2];
  int32_t big[2] = {1 << 30, -(1 << 20) - (1 << 3)};
  vecNarrow16(2, big, 4, n16);
  EXPECT_EQ(n16[0], 32767);
  EXPECT_EQ(n16[1], -32768); // -65536.5 saturates
  int8_t q[2];
  int32_t v[2] = {5, -1000};
  vecQuantizeStatic(2, v, 3, 1, q); // 15/2 = 7.5 -> 8
  EXPECT_EQ(q[0], 8);
  EXPECT_EQ(q[1], -127);
}

TEST(VectorPwl, UsesTheUnitInTheOperandFormat) {
  std::vector<int32_t> x = {0, -65536, 65536, -3000, 123456}, y(5);
  vecPwl(5, PwlFunc::Exp, 16, x.data(), y.data());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(y[i], refSat32(refShift(expPwl(int32_t(refShift(x[i], 4))), -1)));
  vecPwl(5, PwlFunc::Softplus, 16, x.data(), y.data());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(y[i], refSat32(refShift(softplusPwl(int32_t(refShift(x[i], 4))), -4)));
  vecPwl(5, PwlFunc::Silu, 16, x.data(), y.data());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(y[i], siluPwl(x[i], 16));
}
