//===- ConvEngineTest.cpp - causal depthwise conv vs a direct loop ---------------------------===//

#include "vimq/hw/ConvEngine.h"

#include "RefRounding.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vimq::hw;
using namespace vimq::hw::test;

TEST(Apot5, LevelsAndShiftAdd) {
  const int32_t expect[16] = {0, 4, 8, 16, 32, 36, 40, 48, 64, 68, 72, 80, 128, 132, 136, 144};
  for (uint8_t mag = 0; mag < 16; ++mag) {
    EXPECT_EQ(apot5Level(mag), expect[mag]);
    for (int x : {-100000, -128, -1, 0, 1, 77, 127, 2000000})
      ASSERT_EQ(apot5ShiftAdd(x, mag | 16), -int64_t(x) * expect[mag]);
  }
}

namespace {
// y[t][c] straight from the definition, with x = 0 before time 0.
std::vector<int32_t> refConv(const ConvParams &p, const std::vector<int32_t> &tokens,
                             const std::vector<uint8_t> &w, const std::vector<uint16_t> &s,
                             const std::vector<int32_t> &bias) {
  std::vector<int32_t> y(p.l * p.c);
  for (int t = 0; t < p.l; ++t)
    for (int c = 0; c < p.c; ++c) {
      wide acc = 0;
      for (int j = 0; j < p.kernel; ++j) {
        int src = t - (p.kernel - 1) + j;
        int64_t xv = src < 0 ? 0 : tokens[src * p.c + c];
        uint8_t code = w[c * p.kernel + j];
        int64_t wv = p.kind == ConvWeightKind::Int8
                         ? int8_t(code)
                         : ((code & 16) ? -1 : 1) * apot5Level(code & 15);
        acc += xv * wv;
      }
      y[t * p.c + c] = refSat32(refShift(acc * s[c], p.shift) + bias[c]);
    }
  return y;
}
} // namespace

class ConvEngineKinds : public ::testing::TestWithParam<ConvWeightKind> {};

TEST_P(ConvEngineKinds, MatchesDirectLoopAndTilesChain) {
  std::mt19937 rng(11);
  for (int kernel = 1; kernel <= 4; ++kernel) {
    ConvParams p;
    p.l = 9, p.c = 5, p.kernel = kernel, p.kind = GetParam(), p.shift = 6, p.act = Activation::None;
    std::vector<int32_t> tokens(p.l * p.c), bias(p.c);
    std::vector<uint8_t> w(p.c * kernel);
    std::vector<uint16_t> s(p.c);
    for (auto &v : tokens)
      v = int32_t(rng() % 255) - 127;
    for (auto &v : w)
      v = GetParam() == ConvWeightKind::Apot5 ? uint8_t(rng() % 32) : uint8_t(rng());
    for (auto &v : s)
      v = uint16_t(rng());
    for (auto &v : bias)
      v = int32_t(rng() % 1000) - 500;
    std::vector<int32_t> expect = refConv(p, tokens, w, s, bias);

    // Whole sequence with zero history.
    std::vector<int32_t> x((kernel - 1) * p.c, 0);
    x.insert(x.end(), tokens.begin(), tokens.end());
    std::vector<int32_t> y(p.l * p.c);
    convEngine(p, x.data(), w.data(), s.data(), bias.data(), y.data());
    EXPECT_EQ(y, expect) << "kernel " << kernel;

    // Two tiles (4 + 5 tokens): the second one's history is the last kernel-1 tokens.
    ConvParams p1 = p, p2 = p;
    p1.l = 4, p2.l = 5;
    std::vector<int32_t> y1(4 * p.c), y2(5 * p.c);
    convEngine(p1, x.data(), w.data(), s.data(), bias.data(), y1.data());
    convEngine(p2, x.data() + 4 * p.c, w.data(), s.data(), bias.data(), y2.data());
    y1.insert(y1.end(), y2.begin(), y2.end());
    EXPECT_EQ(y1, expect) << "tiled, kernel " << kernel;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, ConvEngineKinds,
                         ::testing::Values(ConvWeightKind::Apot5, ConvWeightKind::Int8));
