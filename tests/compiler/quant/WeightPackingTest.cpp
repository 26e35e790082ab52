//===- WeightPackingTest.cpp - APoT-4 / APoT-5 / int codes ----------------------------------===//
#include "vimq/quant/WeightPacking.h"

#include "gtest/gtest.h"

using namespace vimq;
using namespace vimq::quant;

namespace {

TEST(WeightPacking, LevelTablesMatchTheirDefinition) {
  // APoT-4: one term of {0, 2^-1, 2^-2, 2^-4} plus one of {0, 2^-3}, times 160·... as integers
  // {0,16,32,48,64,96,128,160}; APoT-5: A[i>>2] + B[i&3].
  const int a[4] = {0, 32, 64, 128}, b[4] = {0, 4, 8, 16};
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(kAPoT5Levels[i], a[i >> 2] + b[i & 3]);
  for (uint8_t c = 0; c < 16; ++c)
    EXPECT_EQ(codeLevel(CodeKind::APoT4, c), (c & 8 ? -1 : 1) * kAPoT4Levels[c & 7]);
  EXPECT_EQ(codeLevel(CodeKind::Int8, 0x81), -127);
}

TEST(WeightPacking, BlockAbsMaxHitsTheTopLevel) {
  // Row 0: block 0 max 1.6 -> scale 0.01, 0.16 -> level 16; block 1 all zero -> scale 0.
  std::vector<float> w = {1.6f, -0.16f, 0.55f, 0.0f, 0, 0, 0, 0};
  Tensor t = Tensor::fromVector<float>({1, 8}, w);
  PackedWeight p = packWeight(t, CodeKind::APoT4, 4);
  ASSERT_EQ(p.scales.dim(1), 2);
  EXPECT_DOUBLE_EQ(p.scales.data<double>()[0], double(1.6f) / 160);
  EXPECT_EQ(p.scales.data<double>()[1], 0.0);
  EXPECT_EQ(codeLevel(CodeKind::APoT4, p.codes.raw()[0]), 160);
  EXPECT_EQ(codeLevel(CodeKind::APoT4, p.codes.raw()[1]), -16);
  // 0.55 / 0.01 = 55: nearest of {48, 64} is 48.
  EXPECT_EQ(codeLevel(CodeKind::APoT4, p.codes.raw()[2]), 48);
  EXPECT_EQ(p.codes.raw()[3], 0);
  Tensor dq = dequantize(p, CodeKind::APoT4);
  EXPECT_FLOAT_EQ(dq.data<float>()[0], 1.6f);
}

TEST(WeightPacking, TiesGoToTheSmallerMagnitude) {
  // 40 is exactly between 32 and 48 (APoT-4 in level units): the smaller level wins, so the
  // code does not depend on the table order.
  Tensor t = Tensor::fromVector<float>({1, 2}, {160.0f, 40.0f});
  PackedWeight p = packWeight(t, CodeKind::APoT4, 2);
  EXPECT_EQ(codeLevel(CodeKind::APoT4, p.codes.raw()[1]), 32);
}

TEST(WeightPacking, UniformInt4IsSymmetric) {
  Tensor t = Tensor::fromVector<float>({1, 3}, {-7.0f, 3.5f, 7.0f});
  PackedWeight p = packWeight(t, CodeKind::Int4, 3);
  EXPECT_EQ(codeLevel(CodeKind::Int4, p.codes.raw()[0]), -7);
  EXPECT_EQ(codeLevel(CodeKind::Int4, p.codes.raw()[1]), 4); // 3.5 ties to even
  EXPECT_EQ(codeLevel(CodeKind::Int4, p.codes.raw()[2]), 7);
}

} // namespace
