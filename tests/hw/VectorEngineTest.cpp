//===- VectorEngineTest.cpp - FWHT, RMSNorm, quantizer and element-wise ops -----------------===//

#include "vimq/hw/VectorEngine.h"
#include "vimq/hw/Numerics.h"

#include "RefRounding.h"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(AbsmaxQuantize, MatchesReciprocalDefinition) {
  // q = sat8(RNE(x * R / 2^31)), R = RNE(127 * 2^31 / a): written here with library division.
  // The result is within 1/2 + a / 2^32 of 127 x / a (the reciprocal's rounding).
  std::mt19937 rng(42);
  const int rows = 8, cols = 37;
  auto x = rnd(rng, rows * cols, -3000000, 3000000);
  x[5] = 0;
  // Boundary absmax values: 1, 127, 128, 2^31 - 1 (and x = +-a in every row).
  const int32_t special[4] = {1, 127, 128, INT32_MAX};
  for (int r = 4; r < 8; ++r)
    for (int c = 0; c < cols; ++c) {
      const int32_t a = special[r - 4];
      x[r * cols + c] = c == 0 ? a : c == 1 ? -a : int32_t(int64_t(rng()) % (int64_t(a) + 1));
    }
  std::vector<int8_t> q(x.size()), qHls(x.size());
  std::vector<int32_t> a(rows), aHls(rows);
  vecAbsmaxQuantize(rows, cols, x.data(), q.data(), a.data());
  vecAbsmaxQuantizeHls(rows, cols, x.data(), qHls.data(), aHls.data());
  EXPECT_EQ(q, qHls);
  EXPECT_EQ(a, aHls);
  for (int r = 0; r < rows; ++r) {
    int32_t m = 0;
    for (int c = 0; c < cols; ++c)
      m = std::max(m, std::abs(x[r * cols + c]));
    ASSERT_EQ(a[r], m);
    if (r >= 4) {
      ASSERT_EQ(m, special[r - 4]);
    }
    const wide recip = refDivRne(wide(127) << 31, m);
    for (int c = 0; c < cols; ++c) {
      const int32_t v = x[r * cols + c];
      const int8_t want = int8_t(refShift(wide(v) * recip, 31));
      ASSERT_EQ(q[r * cols + c], want) << "row " << r << " x " << v;
      ASSERT_LE(std::fabs(want - 127.0 * v / m), 0.5 + m / 4294967296.0) << v;
      if (v == m || v == -m) {
        ASSERT_EQ(want, v > 0 ? 127 : -127);
      }
    }
  }
  int32_t zeros[3] = {0, 0, 0}, za = -1;
  int8_t zq[3];
  vecAbsmaxQuantize(1, 3, zeros, zq, &za);
  EXPECT_EQ(za, 0);
  EXPECT_EQ(zq[0] | zq[1] | zq[2], 0);
  // INT32_MIN: the absmax saturates to INT32_MAX, R = 127, and the element is exactly -127.
  int32_t ext[2] = {INT32_MIN, 1}, ea = 0;
  int8_t eq[2];
  vecAbsmaxQuantizeHls(1, 2, ext, eq, &ea);
  EXPECT_EQ(ea, INT32_MAX);
  EXPECT_EQ(eq[0], -127);
  EXPECT_EQ(eq[1], 0);
}

namespace {
/// The RMSNorm factor from its definition, written independently of Numerics.h: E from eps's
/// value (exact in double), library division, a double square root corrected to the floor.
int64_t refNormFactor(wide s, float eps, int g, int f) {
  const double ev = std::ldexp(double(eps) * g, 2 * f);
  wide e = ev >= 0x1p112 ? wide(1) << 112 : wide(std::nearbyint(ev));
  wide v = s + e;
  wide q = (wide(g) << (48 + 2 * f)) / (v < 1 ? 1 : v);
  wide r = wide(std::sqrt(double(q)));
  while (r * r > q)
    --r;
  while ((r + 1) * (r + 1) <= q)
    ++r;
  return int64_t(r);
}

uint32_t bitsOf(float eps) {
  uint32_t b;
  std::memcpy(&b, &eps, 4);
  return b;
}

/// y of vecRmsNorm from the documented formula (groups clipped at the row end).
std::vector<int32_t> refRmsNorm(const RmsNormParams &p, float eps, const int32_t *x,
                                const int32_t *w, const int32_t *z) {
  std::vector<int32_t> y(size_t(p.rows) * p.cols);
  const int group = p.group > 0 ? p.group : p.cols;
  for (int r = 0; r < p.rows; ++r)
    for (int g0 = 0; g0 < p.cols; g0 += group) {
      const int g = std::min(group, p.cols - g0);
      std::vector<int64_t> t(g);
      wide sumsq = 0;
      for (int i = 0; i < g; ++i) {
        int idx = r * p.cols + g0 + i;
        t[i] = z ? refSat32(refShift(wide(x[idx]) * siluPwl(z[idx], p.gateFrac), p.gateFrac))
                 : x[idx];
        sumsq += wide(t[i]) * t[i];
      }
      const int64_t rq = refNormFactor(sumsq, eps, g, p.inFrac);
      for (int i = 0; i < g; ++i)
        y[size_t(r * p.cols + g0 + i)] = refSat32(
            refShift(wide(t[i]) * rq * w[g0 + i], 24 + p.weightFrac + p.inFrac - p.outFrac));
    }
  return y;
}
} // namespace

TEST(RmsNorm, FollowsDocumentedFormulaPerGroup) {
  std::mt19937 rng(43);
  for (int group : {4, 3, 5, 0}) // non-powers of two, and the whole row (37 columns)
    for (float eps : {1e-5f, 1e-6f, 0.f, 0.5f}) {
      RmsNormParams p;
      p.rows = 3, p.cols = group == 0 ? 37 : 12, p.group = group, p.inFrac = 12;
      p.weightFrac = 14, p.outFrac = 10, p.gateFrac = 12, p.epsBits = bitsOf(eps);
      auto x = rnd(rng, p.rows * p.cols, -40000, 40000);
      auto z = rnd(rng, p.rows * p.cols, -20000, 20000);
      auto w32 = rnd(rng, p.cols, -30000, 30000);
      for (int c = 0; c < p.cols; ++c) // a zero row: the eps-only path (V = 0 -> 1 when eps = 0)
        x[size_t(c)] = 0;
      for (bool gated : {false, true}) {
        std::vector<int32_t> y(x.size());
        vecRmsNorm(p, x.data(), w32.data(), gated ? z.data() : nullptr, y.data());
        EXPECT_EQ(y, refRmsNorm(p, eps, x.data(), w32.data(), gated ? z.data() : nullptr))
            << "gated " << gated << " group " << group << " eps " << eps;
      }
    }
}

TEST(RmsNorm, HugeValuesWideGroups) {
  // |t| near 2^31 over g = 4096 (S near 2^74) and the widest frac; outputs saturate or not,
  // and the result stays within rounding of the real normalisation.
  std::mt19937 rng(44);
  for (int f : {16, kMaxNormFrac}) {
    RmsNormParams p;
    p.rows = 2, p.cols = 4096, p.group = 0, p.inFrac = p.gateFrac = f, p.weightFrac = 16;
    p.outFrac = 16, p.epsBits = bitsOf(1e-5f);
    std::vector<int32_t> x(size_t(p.rows) * p.cols), w(size_t(p.cols), 1 << 16), y(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = i < size_t(p.cols) ? (i % 2 ? INT32_MIN : INT32_MAX)
                                : int32_t(rng() | 0x40000000u) * (rng() % 2 ? 1 : -1);
    vecRmsNorm(p, x.data(), w.data(), nullptr, y.data());
    EXPECT_EQ(y, refRmsNorm(p, 1e-5f, x.data(), w.data(), nullptr)) << f;
    for (int r = 0; r < p.rows; ++r) {
      double ms = 0;
      for (int c = 0; c < p.cols; ++c)
        ms += std::ldexp(double(x[size_t(r * p.cols + c)]), -f) *
              std::ldexp(double(x[size_t(r * p.cols + c)]), -f) / p.cols;
      for (int c = 0; c < p.cols; c += 97) {
        double want = std::ldexp(double(x[size_t(r * p.cols + c)]), -f) / std::sqrt(ms + 1e-5);
        // rq = floor of the Q24 factor 2^24 / rms: relative error below 1 / rq.
        const double tol = std::fabs(want) * 2 * std::sqrt(ms + 1e-5) / 0x1p24 + 1.0 / 65536;
        EXPECT_NEAR(y[size_t(r * p.cols + c)] / 65536.0, want, tol) << r << " " << c;
      }
    }
  }
}

TEST(RmsNorm, CloseToFloat) {
  // The per-token factor is the floor of a Q24 value and each output is rounded once more:
  // relative error < 1e-4 of the row scale for Q10 outputs of magnitude ~1000 LSB.
  std::vector<int32_t> x = {4096, -8192, 2048, 12288}, w = {16384, 16384, 16384, 16384};
  std::vector<int32_t> y(4);
  RmsNormParams p;
  p.rows = 1, p.cols = 4, p.inFrac = 12, p.weightFrac = 14, p.outFrac = 10, p.epsBits = 0;
  vecRmsNorm(p, x.data(), w.data(), nullptr, y.data());
  double ms = (1.0 + 4.0 + 0.25 + 9.0) / 4;
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(y[i] / 1024.0, x[i] / 4096.0 / std::sqrt(ms), 1.0 / 1024);
}

TEST(RmsNorm, ZeroRowWithZeroEpsIsZeroNotUndefined) {
  std::vector<int32_t> x(8, 0), w(8, 1 << 16), y(8, 123);
  RmsNormParams p;
  p.rows = 1, p.cols = 8, p.epsBits = 0;
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
