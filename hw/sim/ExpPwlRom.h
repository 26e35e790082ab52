//===- ExpPwlRom.h - expPwl as a ROM over its whole reachable input domain ----------*- C++ -*-===//
//
// The PWL exp unit (Numerics.h) is a pure function of a Q12 input whose result is 32768 for every
// x >= 0 and 0 for every x <= -45591 (for x <= -88332 by its -u >= 31 rule; in between because
// RNE(p / 2^-u) rounds to 0, which makeExpPwlRom verifies value by value at compile time), so it
// is fully described by the 45,591 values expPwl(0), ..., expPwl(-45590), each <= 32768 (uint16). The table is filled
// *by calling expPwl itself* (at compile time), so a lookup equals expPwl(x) for every int32 x by
// construction (the static_assert below and makeExpPwlRom's checks pin the domain). In hardware the
// same table is a 89 KiB ROM (BRAM) per lane instead of the segment datapath; the sim uses it
// because the datapath costs one data-dependent shift chain per state update.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Numerics.h"

#include <cstdint>

namespace vimq::hw {

/// expPwl(x) == 0 for every x <= -kExpPwlRomSize.
inline constexpr int32_t kExpPwlRomSize = 45591;
/// expPwl returns 0 through its -u >= 31 rule for every x <= kExpPwlZeroRule.
inline constexpr int32_t kExpPwlZeroRule = -88332;

/// Zero entries after the ROM: v[kExpPwlRomSize] is expPwl of every x <= -kExpPwlRomSize (a clamped
/// index needs no branch), and a vector gather of 8 bytes at any index stays inside the array.
inline constexpr int32_t kExpPwlRomPad = 4;

struct ExpPwlRom {
  uint16_t v[kExpPwlRomSize + kExpPwlRomPad]; // v[i] = expPwl(-i); 0 after the domain
};

constexpr ExpPwlRom makeExpPwlRom() {
  ExpPwlRom r{};
  for (int32_t i = 0; i < kExpPwlRomSize; ++i) {
    const int32_t e = expPwl(-i);
    if (e < 0 || e > 65535)
      throw "expPwl out of the ROM's uint16 range"; // not a constant expression: compile error
    r.v[i] = static_cast<uint16_t>(e);
  }
  for (int32_t i = kExpPwlRomSize; i < -kExpPwlZeroRule; ++i)
    if (expPwl(-i) != 0)
      throw "expPwl is not 0 below the ROM"; // not a constant expression: compile error
  return r;
}

static_assert(expPwl(kExpPwlZeroRule) == 0 && expPwl(-(kExpPwlRomSize - 1)) != 0 &&
                  expPwl(kInt32Min) == 0 && expPwl(0) == 32768 && expPwl(kInt32Max) == 32768,
              "ExpPwlRom domain");

/// expPwl through the ROM: identical to expPwl(x) for every int32 x.
inline int32_t expPwlRom(const ExpPwlRom &rom, int32_t x) {
  if (x > 0)
    x = 0;
  if (x <= -kExpPwlRomSize)
    return 0;
  return rom.v[-x];
}

inline constexpr ExpPwlRom kExpPwlRom = makeExpPwlRom();

/// softplusPwl (Numerics.h) with expPwl read from the ROM: the same steps, in 64-bit arithmetic
/// (|x| < 2^31 and the exp term is at most 2^12, so nothing is narrowed differently).
inline int32_t softplusRom(int32_t xQ12) {
  if (xQ12 <= 0)
    return static_cast<int32_t>(shiftRne64(expPwlRom(kExpPwlRom, xQ12), kExpOutFrac - kExpInFrac));
  return sat32From64(int64_t(xQ12) +
                     shiftRne64(expPwlRom(kExpPwlRom, -xQ12), kExpOutFrac - kExpInFrac));
}

//===-- sigmoid / SiLU through a ROM ---------------------------------------------------------===//
//
// sigmoidPwl(x) is s(|x|) mirrored (s(-|x|) = 2^15 - s(|x|)), and s(a) = 32768 from the first
// segment whose two table entries are both 32768 on (the table is non-decreasing and <= 32768).
// The ROM holds s(a) for a below that point, filled by sigmoidPwl itself: one table read replaces
// the segment datapath (simulation only, bit-identical by construction).
constexpr int32_t sigmoidSaturationPoint() {
  for (int i = 0; i < kSigmoidSegments; ++i)
    if (kSigmoidTable[i] == 32768)
      return i << kSigmoidSegLog2;
  return kSigmoidSatQ12;
}
/// sigmoidPwl(a) == 32768 for every a >= kSigmoidRomSize.
inline constexpr int32_t kSigmoidRomSize = sigmoidSaturationPoint();

struct SigmoidRom {
  // v[a] = sigmoidPwl(a); the pad entries hold 32768, sigmoidPwl of every a >= kSigmoidRomSize
  // (a clamped index needs no branch; an 8-byte vector gather stays inside the array).
  uint16_t v[kSigmoidRomSize + kExpPwlRomPad];
};

constexpr SigmoidRom makeSigmoidRom() {
  SigmoidRom r{};
  for (int32_t a = 0; a < kSigmoidRomSize + kExpPwlRomPad; ++a) {
    const int32_t s = sigmoidPwl(a);
    if (s < 0 || s > 65535)
      throw "sigmoidPwl out of the ROM's uint16 range"; // not a constant expression
    r.v[a] = static_cast<uint16_t>(s);
  }
  for (int32_t a = kSigmoidRomSize; a <= kSigmoidSatQ12; ++a)
    if (sigmoidPwl(a) != 32768)
      throw "sigmoidPwl is not 32768 above the ROM"; // not a constant expression: compile error
  return r;
}

static_assert(sigmoidPwl(kSigmoidRomSize) == 32768 && sigmoidPwl(kInt32Max) == 32768 &&
                  sigmoidPwl(kInt32Min) == 0 && sigmoidPwl(-kSigmoidRomSize) == 0,
              "SigmoidRom domain");

inline constexpr SigmoidRom kSigmoidRom = makeSigmoidRom();

/// sigmoidPwl through the ROM: identical to sigmoidPwl(x) for every int32 x.
inline int32_t sigmoidRom(int32_t x) {
  const int32_t ax = x < 0 ? (x == kInt32Min ? kInt32Max : -x) : x;
  const int32_t s = ax < kSigmoidRomSize ? int32_t(kSigmoidRom.v[ax]) : 32768;
  return x < 0 ? 32768 - s : s;
}

/// siluPwl with the sigmoid read from the ROM: the same steps as siluPwl (Numerics.h), taking
/// shiftRne's own 64-bit path directly where shiftRne would (|x * s| <= 2^31 * 2^15).
inline int32_t siluRom(int32_t x, int frac) {
  const int s = frac - kExpInFrac;
  const int32_t xq12 = s > 0 && s <= 62 ? sat32From64(shiftRne64(x, s)) : sat32(shiftRne(x, s));
  return sat32From64(shiftRne64(int64_t(x) * sigmoidRom(xq12), kExpOutFrac));
}

} // namespace vimq::hw
