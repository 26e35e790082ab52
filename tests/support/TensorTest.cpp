#include "vimq/support/Tensor.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace vimq;

TEST(Tensor, ShapeAndCast) {
  Tensor t = Tensor::fromVector<float>({2, 2}, {1.5f, -2.7f, 3.0f, -0.5f});
  EXPECT_EQ(t.numel(), 4);
  Tensor i = t.cast(DType::I64);
  // ONNX Cast float->int truncates toward zero.
  EXPECT_EQ(i.toInts(), (std::vector<int64_t>{1, -2, 3, 0}));
  EXPECT_EQ(shapeStr(t.shape()), "[2, 2]");
}

TEST(Tensor, HalfRoundTripAndRounding) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.96046448e-08f})
    EXPECT_EQ(halfToFloat(floatToHalf(f)), f) << f;
  // 1 + 2^-11 is exactly halfway between 1 and 1 + 2^-10: ties to even -> 1.
  EXPECT_EQ(halfToFloat(floatToHalf(1.0f + std::ldexp(1.0f, -11))), 1.0f);
  // 1 + 3*2^-11 is halfway between 1+2^-10 and 1+2^-9: ties to even -> 1 + 2^-9.
  EXPECT_EQ(halfToFloat(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11))), 1.0f + std::ldexp(1.0f, -9));
  EXPECT_TRUE(std::isinf(halfToFloat(floatToHalf(1e6f))));
}

TEST(Tensor, CheckedElementAndByteCounts) {
  EXPECT_EQ(checkedNumElements({}), 1);
  EXPECT_EQ(checkedNumElements({2, 0, 3}), 0);
  EXPECT_EQ(checkedNumElements({3, 4}), 12);
  EXPECT_EQ(checkedNumElements({2, -1}), std::nullopt);
  EXPECT_EQ(checkedNumElements({int64_t(1) << 32, int64_t(1) << 31}), std::nullopt);
  EXPECT_EQ(checkedNumElements({int64_t(1) << 31, int64_t(1) << 31}), int64_t(1) << 62);
  EXPECT_EQ(checkedByteSize(DType::F32, {3, 4}), 48u);
  EXPECT_EQ(checkedByteSize(DType::F64, {int64_t(1) << 62}), std::nullopt);
  EXPECT_EQ(checkedByteSize(DType::I8, {int64_t(1) << 62}), uint64_t(1) << 62);
}
