//===- NumericsTest.cpp - rounding and the PWL exp/softplus/sigmoid unit --------------------===//

#include "vimq/hw/Numerics.h"

#include "RefRounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace vimq::hw;
using namespace vimq::hw::test;

TEST(Numerics, ShiftRneTies) {
  // Exact halves go to the even neighbour, on both signs.
  EXPECT_EQ(shiftRne(5, 1), 2);   // 2.5
  EXPECT_EQ(shiftRne(7, 1), 4);   // 3.5
  EXPECT_EQ(shiftRne(3, 1), 2);   // 1.5
  EXPECT_EQ(shiftRne(-5, 1), -2); // -2.5
  EXPECT_EQ(shiftRne(-7, 1), -4); // -3.5
  EXPECT_EQ(shiftRne(-3, 1), -2); // -1.5
  EXPECT_EQ(shiftRne(6, 2), 2);   // 1.5
  EXPECT_EQ(shiftRne(10, 2), 2);  // 2.5
  EXPECT_EQ(shiftRne(11, 2), 3);  // 2.75
  EXPECT_EQ(shiftRne(-11, 2), -3);
  EXPECT_EQ(shiftRne(3, -2), 12); // negative shift is an exact left shift
}

TEST(Numerics, ShiftAndDivMatchReference) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    int64_t v = int64_t(rng()) >> (rng() % 60);
    int s = int(rng() % 40);
    ASSERT_EQ(shiftRne(v, s), refShift(v, s)) << v << " >> " << s;
    int64_t den = int64_t(rng() % 100000) + 1;
    ASSERT_EQ(divRne(v, den), refDivRne(v, den)) << v << " / " << den;
  }
}

TEST(Numerics, SaturationIsSymmetricForInt8) {
  EXPECT_EQ(sat8(-128), -127);
  EXPECT_EQ(sat8(200), 127);
  EXPECT_EQ(sat16(-40000), -32768);
  EXPECT_EQ(sat32(wide(1) << 40), INT32_MAX);
}

TEST(PwlExp, TablesFollowTheirFormula) {
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(kExp2Lo[i], std::lround(std::exp2(-(i + 1) / 8.0) * 32768)) << i;
    EXPECT_EQ(kExp2Slope[i],
              std::lround(8 * (std::exp2(-i / 8.0) - std::exp2(-(i + 1) / 8.0)) * 32768))
        << i;
  }
}

// The documented segment formula evaluated independently (double arithmetic is exact here:
// every intermediate is an integer below 2^31 or that over 2^16).
static int32_t refSegment(int32_t n) {
  int i = n / 8192;
  int32_t d = 8192 * (i + 1) - n;
  return kExp2Lo[i] + int32_t(refShift(wide(kExp2Slope[i]) * d, 16));
}

TEST(PwlExp, EverySegmentBoundary) {
  for (int i = 0; i < 8; ++i) {
    for (int32_t n : {8192 * i, 8192 * i + 1, 8192 * i + 4096, 8192 * (i + 1) - 1}) {
      int32_t got = exp2Segment(-n);
      EXPECT_EQ(got, refSegment(n)) << "n=" << n;
      // Secant interpolation of 2^v on segments of 1/8: error <= (1/8)^2/8 * ln(2)^2 * 2^0
      // = 9.4e-4 relative, i.e. < 31 LSB of Q15, plus 1 LSB of rounding.
      double exact = std::exp2(-n / 65536.0) * 32768;
      EXPECT_LE(std::fabs(got - exact), 32.0) << "n=" << n;
    }
    // At the left end of a segment (d = 8192) the secant meets 2^(-i/8) up to table rounding.
    EXPECT_NEAR(exp2Segment(-8192 * i), std::exp2(-i / 8.0) * 32768, 1.0) << i;
  }
}

TEST(PwlExp, MatchesDocumentedFormula) {
  for (int32_t x = -200000; x <= 4096; x += 7) {
    int32_t xc = x > 0 ? 0 : x;
    int64_t w = int64_t(xc) * 23;
    int64_t u = (int64_t)std::ceil(double(w) / 65536.0); // exact: |w| < 2^53
    int32_t v = int32_t(w - u * 65536);
    int32_t expect = -u >= 31 ? 0 : int32_t(refShift(refSegment(-v), int(-u)));
    ASSERT_EQ(expPwl(x), expect) << "x=" << x;
  }
  EXPECT_EQ(expPwl(0), 32768);
  EXPECT_EQ(expPwl(1000), 32768); // clamped
  EXPECT_EQ(expPwl(INT32_MIN), 0);
}

TEST(PwlExp, NonIncreasingTowardsMinusInfinity) {
  int32_t prev = expPwl(0);
  for (int32_t x = -1; x > -4096 * 30; --x) {
    int32_t e = expPwl(x);
    ASSERT_LE(e, prev) << "x=" << x;
    prev = e;
  }
}

TEST(PwlExp, CloseToExp) {
  // log2(e) ~ 1.4375 under-estimates by 0.36%, so exp(x) comes out as exp(0.9964 x): the
  // relative error grows like 0.0036 |x|; plus 1 LSB rounding. Checked for |x| <= 4.
  for (int32_t x = -4 * 4096; x <= 0; x += 13) {
    double t = x / 4096.0;
    double got = expPwl(x) / 32768.0;
    ASSERT_NEAR(got, std::exp(t), std::exp(t) * (0.0037 * -t + 0.001) + 1.0 / 32768) << t;
  }
}

TEST(PwlSoftplus, Formula) {
  EXPECT_EQ(softplusPwl(0), 4096); // exp(0) = 1.0 in Q12
  for (int32_t x = -30000; x <= 30000; x += 11) {
    int32_t e = int32_t(refShift(expPwl(x <= 0 ? x : -x), 3));
    ASSERT_EQ(softplusPwl(x), x <= 0 ? e : x + e) << x;
  }
}

TEST(PwlSigmoid, SymmetricAndExact) {
  for (int32_t x = -60000; x <= 60000; x += 17) {
    ASSERT_EQ(sigmoidPwl(x) + sigmoidPwl(-x), 32768) << x;
    int32_t ax = x < 0 ? -x : x;
    int32_t s = int32_t(refDivRne(wide(1) << 30, 32768 + expPwl(-ax)));
    ASSERT_EQ(sigmoidPwl(x), x < 0 ? 32768 - s : s) << x;
  }
  EXPECT_EQ(sigmoidPwl(0), 16384);
}

TEST(PwlSilu, ComposesRoundedSigmoid) {
  for (int frac : {8, 12, 16}) {
    for (int32_t x = -(20 << frac); x <= (20 << frac); x += (1 << frac) / 7 + 1) {
      int32_t s = sigmoidPwl(int32_t(refShift(x, frac - 12)));
      ASSERT_EQ(siluPwl(x, frac), refSat32(refShift(wide(x) * s, 15))) << x;
    }
  }
}
