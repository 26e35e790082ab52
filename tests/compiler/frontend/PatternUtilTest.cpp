//===- PatternUtilTest.cpp - the frontend's matching helpers --------------------------------===//
#include "PatternUtil.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace vimq;

namespace {

TEST(PatternUtil, Transpose2DMovesEveryElementForAnyShape) {
  // Shapes around the 4x4 register tiles and the 64x64 cache blocks, including edges on both
  // axes; the element values are their bit patterns, NaN payloads included.
  for (auto [r, c] : {std::pair<int64_t, int64_t>{1, 1}, {3, 5}, {4, 4}, {7, 9}, {64, 64},
                      {65, 130}, {131, 67}, {192, 768}}) {
    for (DType dt : {DType::F32, DType::F64, DType::I16, DType::U8}) {
      Tensor t(dt, {r, c});
      for (size_t b = 0; b < t.nbytes(); ++b)
        t.raw()[b] = uint8_t(b * 131 + 7);
      Tensor tt = frontend::transpose2D(t);
      ASSERT_EQ(tt.dim(0), c);
      ASSERT_EQ(tt.dim(1), r);
      size_t es = dtypeSize(dt);
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < c; ++j)
          ASSERT_EQ(std::memcmp(t.raw() + (i * c + j) * es, tt.raw() + (j * r + i) * es, es), 0)
              << r << "x" << c << " " << dtypeName(dt).str() << " at " << i << "," << j;
    }
  }
}

} // namespace
