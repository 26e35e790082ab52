//===- WeightPackingTest.cpp - APoT-4 / APoT-5 / int codes ----------------------------------===//
#include "vimq/quant/WeightPacking.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

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

/// The definition of the APoT rounding: the nearest level of the table, ties toward the smaller
/// magnitude (the first of equals in the ascending table).
uint8_t nearestByDefinition(CodeKind kind, double v) {
  llvm::ArrayRef<int32_t> levels =
      kind == CodeKind::APoT4 ? llvm::ArrayRef<int32_t>(kAPoT4Levels) : kAPoT5Levels;
  double a = std::fabs(v);
  unsigned best = 0;
  for (unsigned i = 1; i < levels.size(); ++i)
    if (std::fabs(a - levels[i]) < std::fabs(a - levels[best]))
      best = i;
  uint8_t sign = (v < 0 && best != 0) ? (kind == CodeKind::APoT4 ? 8 : 16) : 0;
  return static_cast<uint8_t>(best | sign);
}

TEST(WeightPacking, TableRoundingMatchesTheDefinitionAtEveryDecisionPoint) {
  // packWeight rounds by counting decision points; compare with the argmin definition on
  // values at, and one float step around, every midpoint between levels, for several scales,
  // plus random values.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  for (CodeKind kind : {CodeKind::APoT4, CodeKind::APoT5}) {
    llvm::ArrayRef<int32_t> levels =
        kind == CodeKind::APoT4 ? llvm::ArrayRef<int32_t>(kAPoT4Levels) : kAPoT5Levels;
    for (float top : {float(maxLevel(kind)), 1.0f, 0.37f, 3.1e-3f, 7.5e4f}) {
      std::vector<float> row = {top};
      double unit = double(top) / maxLevel(kind);
      for (size_t i = 0; i + 1 < levels.size(); ++i) {
        float mid = float((levels[i] + levels[i + 1]) / 2.0 * unit);
        for (float x : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 2 * top)})
          for (float sx : {x, -x})
            row.push_back(sx);
      }
      for (int i = 0; i < 2000; ++i)
        row.push_back(uni(rng) * top);
      row.push_back(std::nanf(""));
      row.push_back(-0.0f);
      int64_t k = int64_t(row.size());
      PackedWeight p = packWeight(Tensor::fromVector<float>({1, k}, row), kind, k);
      double scale = p.scales.data<double>()[0];
      ASSERT_EQ(scale, double(top) / maxLevel(kind));
      for (int64_t c = 0; c < k; ++c)
        ASSERT_EQ(p.codes.raw()[c], nearestByDefinition(kind, double(row[size_t(c)]) / scale))
            << "kind " << int(kind) << " top " << top << " value " << row[size_t(c)];
    }
  }
}

TEST(WeightPacking, DequantizeIsLevelTimesBlockScale) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uni(-2.0f, 2.0f);
  for (CodeKind kind : {CodeKind::APoT4, CodeKind::APoT5, CodeKind::Int4, CodeKind::Int8}) {
    std::vector<float> w(5 * 70);
    for (float &x : w)
      x = uni(rng);
    std::fill(w.begin() + 70, w.begin() + 102, 0.0f); // an all-zero block: scale 0
    PackedWeight p = packWeight(Tensor::fromVector<float>({5, 70}, w), kind, 32);
    ASSERT_EQ(p.scales.dim(1), 3);
    EXPECT_EQ(p.scales.data<double>()[3], 0.0);
    Tensor dq = dequantize(p, kind);
    for (int64_t r = 0; r < 5; ++r)
      for (int64_t c = 0; c < 70; ++c)
        ASSERT_EQ(dq.data<float>()[r * 70 + c],
                  float(codeLevel(kind, p.codes.raw()[r * 70 + c]) *
                        p.scales.data<double>()[r * 3 + c / 32]));
  }
}

} // namespace
