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
