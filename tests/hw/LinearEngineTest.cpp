//===- LinearEngineTest.cpp - APoT-4 shift-add and int8 linear vs plain integer loops -------===//

#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/Numerics.h"

#include "RefRounding.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vimq::hw;
using namespace vimq::hw::test;

// The levels as a plain multiply (independent of the shift LUT).
static int32_t refApot4(int8_t x, uint8_t code) {
  static const int32_t levels[8] = {0, 16, 32, 48, 64, 96, 128, 160};
  int32_t v = int32_t(x) * levels[code & 7];
  return (code & 8) ? -v : v;
}

TEST(Apot4, ShiftAddEqualsMultiplyForEveryInputAndCode) {
  for (int x = -128; x <= 127; ++x)
    for (uint8_t code = 0; code < 16; ++code)
      ASSERT_EQ(apot4ShiftAdd(int8_t(x), code), refApot4(int8_t(x), code)) << x << " " << +code;
}

namespace {
struct Case {
  LinearParams p;
  std::vector<int8_t> x;
  std::vector<uint8_t> w;
  std::vector<uint16_t> ws;
  std::vector<int32_t> xabs, bias;
};

Case randomCase(std::mt19937 &rng, WeightKind kind, int m, int k, int n, int block) {
  Case c;
  c.p.m = m, c.p.k = k, c.p.n = n, c.p.kind = kind, c.p.block = block;
  c.p.shift = 30;
  c.p.outFrac = 12;
  int nb = (k + block - 1) / block;
  for (int i = 0; i < m * k; ++i)
    c.x.push_back(int8_t(int(rng() % 255) - 127));
  for (int i = 0; i < n * k; ++i)
    c.w.push_back(kind == WeightKind::Apot4 ? uint8_t(rng() % 16) : uint8_t(rng()));
  for (int i = 0; i < n * nb; ++i)
    c.ws.push_back(uint16_t(rng()));
  for (int i = 0; i < m; ++i)
    c.xabs.push_back(int32_t(rng() % (1 << 20)));
  for (int i = 0; i < n; ++i)
    c.bias.push_back(int32_t(rng() % 20000) - 10000);
  return c;
}

std::vector<int32_t> reference(const Case &c, bool withBias) {
  const LinearParams &p = c.p;
  int nb = (p.k + p.block - 1) / p.block;
  std::vector<int32_t> y(p.m * p.n);
  for (int i = 0; i < p.m; ++i)
    for (int j = 0; j < p.n; ++j) {
      wide total = 0;
      for (int b = 0; b < nb; ++b) {
        int64_t acc = 0;
        for (int kk = b * p.block; kk < std::min(p.k, (b + 1) * p.block); ++kk) {
          int8_t xv = c.x[i * p.k + kk];
          uint8_t wv = c.w[j * p.k + kk];
          acc += p.kind == WeightKind::Apot4 ? refApot4(xv, wv) : int64_t(xv) * int8_t(wv);
        }
        total += wide(acc) * c.ws[j * nb + b];
      }
      wide v = refShift(total * c.xabs[i], p.shift) + (withBias ? c.bias[j] : 0);
      y[i * p.n + j] = refSat32(v);
    }
  return y;
}
} // namespace

TEST(LinearEngine, Apot4MatchesReference) {
  std::mt19937 rng(7);
  // k = 70: two full blocks of 32 and a partial one.
  Case c = randomCase(rng, WeightKind::Apot4, 3, 70, 5, 32);
  std::vector<int32_t> y(15);
  linearEngine(c.p, c.x.data(), c.w.data(), c.ws.data(), c.xabs.data(), c.bias.data(), y.data());
  EXPECT_EQ(y, reference(c, true));
  linearEngine(c.p, c.x.data(), c.w.data(), c.ws.data(), c.xabs.data(), nullptr, y.data());
  EXPECT_EQ(y, reference(c, false));
}

TEST(LinearEngine, Int8MatchesReference) {
  std::mt19937 rng(8);
  Case c = randomCase(rng, WeightKind::Int8, 4, 64, 7, 16);
  std::vector<int32_t> y(28);
  linearEngine(c.p, c.x.data(), c.w.data(), c.ws.data(), c.xabs.data(), c.bias.data(), y.data());
  EXPECT_EQ(y, reference(c, true));
}

TEST(LinearEngine, FusedActivationAppliesToRoundedResult) {
  std::mt19937 rng(9);
  Case c = randomCase(rng, WeightKind::Apot4, 2, 33, 6, 32);
  c.p.act = Activation::Silu;
  std::vector<int32_t> y(12);
  linearEngine(c.p, c.x.data(), c.w.data(), c.ws.data(), c.xabs.data(), c.bias.data(), y.data());
  std::vector<int32_t> plain = reference(c, true);
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_EQ(y[i], siluPwl(plain[i], c.p.outFrac)) << i;
}

TEST(LinearEngine, SaturatesInsteadOfWrapping) {
  LinearParams p;
  p.m = 1, p.k = 32, p.n = 1, p.kind = WeightKind::Apot4, p.block = 32, p.shift = 0;
  std::vector<int8_t> x(32, 127);
  std::vector<uint8_t> w(32, 7); // +160
  uint16_t ws = 65535;
  int32_t xabs = 1 << 30, y = 0;
  linearEngine(p, x.data(), w.data(), &ws, &xabs, nullptr, &y);
  EXPECT_EQ(y, INT32_MAX);
}
