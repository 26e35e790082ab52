//===- HostConvertTest.cpp - fixed-point I/O conversion -------------------------------===//

#include "vimq/runtime/HostConvert.h"

#include <gtest/gtest.h>

using namespace vimq;

namespace {

isa::IoDesc fixedIo(isa::DType t, uint8_t frac, int64_t n) {
  isa::IoDesc io;
  io.name = "x";
  io.dtype = t;
  io.host = isa::HostFormat::fixed;
  io.frac = frac;
  io.shape = {n};
  return io;
}

// Ties round to even and out-of-range values saturate, exactly at the boundaries.
TEST(HostConvert, RoundHalfEvenAndSaturate) {
  isa::IoDesc io = fixedIo(isa::DType::i8, 1, 6);
  std::vector<float> x = {0.25f, 0.75f, -0.25f, 63.5f, 64.0f, -64.5f};
  llvm::Expected<std::vector<uint8_t>> d = rt::toDevice(io, Tensor::fromVector<float>({6}, x));
  ASSERT_TRUE(bool(d));
  std::vector<int8_t> got((*d).begin(), (*d).end());
  // 0.5 -> 0, 1.5 -> 2, -0.5 -> -0, 127 -> 127, 128 -> 127 (sat), -129 -> -128 (sat)
  EXPECT_EQ(got, (std::vector<int8_t>{0, 2, 0, 127, 127, -128}));
  Tensor back = rt::fromDevice(io, *d);
  EXPECT_EQ(back.values<float>()[1], 1.0f);
  EXPECT_EQ(back.values<float>()[5], -64.0f);
}

TEST(HostConvert, Int32RoundTripIsExactOnTheGrid) {
  isa::IoDesc io = fixedIo(isa::DType::i32, 16, 3);
  std::vector<float> x = {1.5f, -2.25f, 1000.0f / 1024};
  llvm::Expected<std::vector<uint8_t>> d = rt::toDevice(io, Tensor::fromVector<float>({3}, x));
  ASSERT_TRUE(bool(d));
  EXPECT_EQ(rt::fromDevice(io, *d).values<float>(), llvm::ArrayRef<float>(x));
}

} // namespace
