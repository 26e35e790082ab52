//===- NumericsTest.cpp - rounding, the PWL units, the shared divider and square root ------===//

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

TEST(PwlSigmoid, TableFollowsItsFormula) {
  for (int i = 0; i <= kSigmoidSegments; ++i) {
    double v = 32768.0 / (1.0 + std::exp(-i / 8.0));
    EXPECT_EQ(kSigmoidTable[i], int32_t(std::floor(v + 0.5))) << i;
    // No knot is near a rounding tie (so how ties would round does not matter): the nearest is
    // 8.5e-4 LSB away, far beyond double's error. S[0] = 16384 is exact.
    if (i > 0) {
      EXPECT_GT(std::fabs(v - std::floor(v) - 0.5), 5e-4) << i;
    }
  }
  EXPECT_EQ(kSigmoidTable[0], 16384);
  EXPECT_EQ(kSigmoidTable[kSigmoidSegments], 32768);
}

// The documented segment formula with the table recomputed from sigmoid (not Numerics.h's).
static int32_t refSigmoid(int64_t x) {
  int64_t ax = x < 0 ? -x : x;
  if (ax > INT32_MAX)
    ax = INT32_MAX;
  int32_t s = 32768;
  if (ax < 16 * 4096) {
    auto knot = [](int64_t i) { return int64_t(std::lround(32768.0 / (1.0 + std::exp(-i / 8.0)))); };
    int64_t i = ax / 512, d = ax % 512;
    s = int32_t(knot(i) + refShift(wide(knot(i + 1) - knot(i)) * d, 9));
  }
  return x < 0 ? 32768 - s : s;
}

TEST(PwlSigmoid, EverySegmentBoundaryAndEnds) {
  std::vector<int32_t> xs = {0, 1, -1, 16 * 4096, 16 * 4096 - 1, 16 * 4096 + 1, -16 * 4096,
                             -16 * 4096 + 1, -16 * 4096 - 1, INT32_MAX, INT32_MIN, INT32_MIN + 1};
  for (int i = 0; i <= kSigmoidSegments; ++i)
    for (int dx : {-1, 0, 1, 256})
      for (int sign : {1, -1})
        xs.push_back(sign * (i * 512 + dx));
  for (int32_t x : xs) {
    ASSERT_EQ(sigmoidPwl(x), refSigmoid(x)) << "x=" << x;
    if (x != INT32_MIN) {
      ASSERT_EQ(sigmoidPwl(x) + sigmoidPwl(-x), 32768) << x;
    }
  }
  EXPECT_EQ(sigmoidPwl(0), 16384);
  EXPECT_EQ(sigmoidPwl(16 * 4096), 32768);
  EXPECT_EQ(sigmoidPwl(-16 * 4096), 0);
  EXPECT_EQ(sigmoidPwl(INT32_MAX), 32768);
  EXPECT_EQ(sigmoidPwl(INT32_MIN), 0);
  // At a knot the segment value is the table entry.
  for (int i = 0; i < kSigmoidSegments; ++i)
    EXPECT_EQ(sigmoidPwl(i * 512), kSigmoidTable[i]) << i;
}

TEST(PwlSigmoid, ExhaustiveAgainstFormulaAndSigmoid) {
  // Every Q12 input up to beyond the saturation point (the function is odd about 1/2): the
  // formula exactly, monotone, and within 6.71 LSB of Q15 of the true sigmoid (measured max
  // 6.708 at x = 1.4385; the secant alone accounts for 6.25 of it).
  double worst = 0;
  int32_t prev = sigmoidPwl(0);
  for (int32_t x = 0; x <= 17 * 4096; ++x) {
    const int32_t s = sigmoidPwl(x);
    ASSERT_EQ(s, refSigmoid(x)) << x;
    ASSERT_GE(s, prev) << x;
    prev = s;
    worst = std::max(worst, std::fabs(s - 32768.0 / (1.0 + std::exp(-x / 4096.0))));
  }
  EXPECT_LE(worst, 6.71);
  EXPECT_GT(worst, 6.5); // the documented figure is the measured one
}

TEST(PwlSilu, ComposesRoundedSigmoid) {
  for (int frac : {8, 12, 16}) {
    for (int32_t x = -(20 << frac); x <= (20 << frac); x += (1 << frac) / 7 + 1) {
      int32_t s = sigmoidPwl(int32_t(refShift(x, frac - 12)));
      ASSERT_EQ(siluPwl(x, frac), refSat32(refShift(wide(x) * s, 15))) << x;
    }
  }
}

//===-- Shared divider, square root, quantizer reciprocal, norm factor -------------------------===//

TEST(IterativeUnits, DividerMatchesWideDivision) {
  std::mt19937_64 rng(21);
  for (int i = 0; i < 20000; ++i) {
    using u128 = unsigned __int128;
    wide num = wide(((u128(rng()) << 64) | rng()) >> (16 + rng() % 100)); // < 2^112
    wide den = wide(((u128(rng()) << 64) | rng()) >> (14 + rng() % 114));
    if (den == 0)
      den = 1;
    wide rem = -1;
    ASSERT_EQ(divFloorIter<112>(num, den, rem), num / den);
    ASSERT_EQ(rem, num % den);
  }
  wide rem = 0;
  EXPECT_EQ(divFloorIter<112>((wide(1) << 112) - 1, 1, rem), (wide(1) << 112) - 1);
  EXPECT_EQ(divFloorIter<38>(wide(127) << 31, 3, rem), (wide(127) << 31) / 3);
  EXPECT_EQ(rem, (wide(127) << 31) % 3);
}

TEST(IterativeUnits, IsqrtExhaustiveSmallAndAtLargeSquares) {
  int64_t r = 0;
  for (int64_t v = 0; v < (1 << 20); ++v) {
    while ((r + 1) * (r + 1) <= v)
      ++r;
    ASSERT_EQ(isqrtIter<kNormRootBits>(v), r) << v;
  }
  std::mt19937_64 rng(22);
  std::vector<wide> roots = {(wide(1) << 56) - 1, wide(1) << 55, 3037000499, 4294967296};
  for (int i = 0; i < 2000; ++i)
    roots.push_back(wide(rng() >> (8 + rng() % 50)) + 2);
  for (wide k : roots) {
    const wide sq = k * k;
    EXPECT_EQ(isqrtIter<kNormRootBits>(sq), k);
    EXPECT_EQ(isqrtIter<kNormRootBits>(sq - 1), k - 1);
    EXPECT_EQ(isqrtIter<kNormRootBits>(sq + 1), k);
    EXPECT_EQ(isqrtIter<kNormRootBits>(sq + 2 * k), k); // (k+1)^2 - 1
  }
  EXPECT_EQ(isqrtIter<kNormRootBits>((wide(1) << 112) - 1), (wide(1) << 56) - 1);
}

TEST(QuantRecip, ReciprocalAndElements) {
  std::vector<int32_t> as = {1, 2, 3, 127, 128, 254, 255, 1000, 65535, 1 << 30, INT32_MAX - 1,
                             INT32_MAX};
  std::mt19937 rng(23);
  for (int i = 0; i < 300; ++i)
    as.push_back(int32_t(rng() >> (1 + rng() % 31)) | 1);
  for (int32_t a : as) {
    const int64_t recip = quantRecip(a);
    ASSERT_EQ(recip, refDivRne(wide(127) << 31, a)) << a;
    ASSERT_LT(recip, int64_t(1) << kQuantRecipBits);
    // x = +-a gives +-127 exactly; x * R / 2^31 never exceeds 127.5 in magnitude for |x| <= a.
    EXPECT_EQ(quantizeWithRecip(a, recip), 127) << a;
    EXPECT_EQ(quantizeWithRecip(-a, recip), -127) << a;
    EXPECT_LE(wide(a) * recip, (wide(127) << 31) + a / 2 + 1) << a;
    for (int k = 0; k < 50; ++k) {
      int32_t x = int32_t(int64_t(rng()) % (int64_t(a) + 1)) * (k % 2 ? -1 : 1);
      ASSERT_EQ(quantizeWithRecip(x, recip), int8_t(refShift(wide(x) * recip, 31))) << x;
    }
  }
  EXPECT_EQ(quantizeWithRecip(INT32_MIN, quantRecip(INT32_MAX)), -127);
  EXPECT_EQ(quantRecip(1), int64_t(127) << 31);
  EXPECT_EQ(quantRecip(INT32_MAX), 127);
}

TEST(QuantRecip, RoundingTiesGoToEven) {
  // a = 2^31 - 1: R = 127, and x = +-2^30 makes x * R / 2^31 = +-63.5 exactly (-> +-64).
  const int64_t rMax = quantRecip(INT32_MAX);
  ASSERT_EQ(rMax, 127);
  EXPECT_EQ(quantizeWithRecip(1 << 30, rMax), 64);
  EXPECT_EQ(quantizeWithRecip(-(1 << 30), rMax), -64);
  // a = 254: R = 2^30 exactly, so every odd x is a tie x / 2, with floors of both parities.
  const int64_t r254 = quantRecip(254);
  ASSERT_EQ(r254, int64_t(1) << 30);
  for (int32_t x = -253; x <= 253; x += 2) {
    const int8_t q = quantizeWithRecip(x, r254);
    EXPECT_EQ(q % 2, 0) << x;
    EXPECT_EQ(std::abs(2 * q - x), 1) << x;
  }
  // a = 2: R = 127 * 2^30, x = 1 gives 63.5 -> 64.
  EXPECT_EQ(quantizeWithRecip(1, quantRecip(2)), 64);
  EXPECT_EQ(quantizeWithRecip(-1, quantRecip(2)), -64);
}

/// eps * g * 2^(2f) rounded half to even, written from the value (double is exact here: a 24-bit
/// significand times g < 2^16, scaled by a power of two), capped at 2^112.
static wide refEpsTerm(uint32_t bits, int g, int f) {
  float eps;
  std::memcpy(&eps, &bits, 4);
  const double v = std::ldexp(double(eps) * g, 2 * f);
  if (v >= 0x1p112)
    return wide(1) << 112;
  const double fl = std::floor(v), rem = v - fl;
  wide q = wide(fl);
  if (rem > 0.5 || (rem == 0.5 && (q & 1)))
    ++q;
  return q;
}

TEST(NormFactor, EpsDecoding) {
  EXPECT_TRUE(normEpsValid(0));
  EXPECT_TRUE(normEpsValid(0x80000000u)); // -0.0
  EXPECT_TRUE(normEpsValid(0x7f7fffffu)); // FLT_MAX
  EXPECT_TRUE(normEpsValid(1));           // the smallest subnormal
  EXPECT_FALSE(normEpsValid(0x7f800000u));
  EXPECT_FALSE(normEpsValid(0xff800000u));
  EXPECT_FALSE(normEpsValid(0x7fc00000u));
  EXPECT_FALSE(normEpsValid(0xbf800000u));
  EXPECT_FALSE(normEpsValid(0x80000001u));
  std::vector<uint32_t> bits = {0, 0x80000000u, 1, 0x007fffffu, 0x00800000u, 0x3727c5acu,
                                0x358637bdu /* 1e-6f */, 0x3f000000u, 0x3f800000u, 0x4b000001u,
                                0x7f7fffffu, 0x5f800000u, 0x6f800000u};
  std::mt19937 rng(24);
  for (int i = 0; i < 3000; ++i)
    bits.push_back(uint32_t(rng()) & 0x7f7fffffu);
  for (uint32_t b : bits) {
    if (!normEpsValid(b))
      continue;
    for (int g : {1, 3, 4, 192, 4096, 65535})
      for (int f = 0; f <= kMaxNormFrac; f += (f < 2 || f > 22) ? 1 : 7)
        ASSERT_EQ(wideOf(normEpsTerm(b, g, f)), refEpsTerm(b, g, f))
            << std::hex << b << std::dec << " g " << g << " f " << f;
  }
  // 1e-5 in Q16 squared with g = 192: 1e-5 * 192 * 2^32 = 8246337.2 -> 8246337.
  EXPECT_EQ(wideOf(normEpsTerm(0x3727c5acu, 192, 16)), 8246337);
  EXPECT_EQ(wideOf(normEpsCap()), kNormEpsCap);
}

/// rq from its definition with library division and a double square root made exact.
static int64_t refFactor(wide s, wide e, int g, int f) {
  wide v = s + e;
  wide q = (wide(g) << (48 + 2 * f)) / (v < 1 ? 1 : v);
  wide r = wide(std::sqrt(double(q)));
  while (r * r > q)
    --r;
  while ((r + 1) * (r + 1) <= q)
    ++r;
  return int64_t(r);
}

TEST(NormFactor, MatchesDefinitionAndBounds) {
  std::mt19937_64 rng(25);
  for (int i = 0; i < 20000; ++i) {
    const int g = 1 + int(rng() % 65535), f = int(rng() % (kMaxNormFrac + 1));
    wide s = wide(((static_cast<unsigned __int128>(rng()) << 64) | rng()) >> (50 + rng() % 78));
    wide e = rng() % 4 ? wide(rng() >> (rng() % 64)) : 0;
    ASSERT_EQ(normFactor(s, e, g, f), refFactor(s, e, g, f)) << g << " " << f;
  }
  // All zero with eps = 0: V = 0 is taken as 1; the factor is the largest, sqrt(g) 2^(24+f).
  EXPECT_EQ(normFactor(0, 0, 4096, 24), int64_t(64) << 48);
  EXPECT_LT(normFactor(0, 0, 65535, kMaxNormFrac), int64_t(1) << kNormRootBits);
  // The cap: V > N gives 0.
  EXPECT_EQ(normFactor(0, kNormEpsCap, 65535, kMaxNormFrac), 0);
  // One element of 2^f: rms 1 -> rq = 2^24 exactly, for every f.
  for (int f = 0; f <= kMaxNormFrac; ++f)
    EXPECT_EQ(normFactor(wide(1) << (2 * f), 0, 1, f), int64_t(1) << 24) << f;
  EXPECT_EQ(kRsqrtCycles, kNormDivCycles + kIsqrtCycles + 2);
}
