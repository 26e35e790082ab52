//===- IntMath.h - the overlay's integer primitives, written from docs/overlay.md -*- C++ -*-===//
//
// Deliberately not hw/include/vimq/hw/Numerics.h: the golden model is the second, independent
// implementation of the documented formulas; tests/compiler/golden compares the two.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace vimq::golden {

using Wide = __int128;

inline int32_t sat32(Wide v) {
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : static_cast<int32_t>(v);
}
/// int8 saturation is symmetric: [-127, 127].
inline int8_t sat8(Wide v) { return v > 127 ? 127 : v < -127 ? -127 : static_cast<int8_t>(v); }

/// v / 2^s rounded half to even, 64-bit operands (the common case; several times faster).
inline int64_t rne64(int64_t v, int s) {
  int64_t floorQ = v >> s;
  int64_t rem = v & ((int64_t(1) << s) - 1);
  int64_t half = int64_t(1) << (s - 1);
  return floorQ + ((rem > half || (rem == half && (floorQ & 1))) ? 1 : 0);
}

/// v / 2^s rounded half to even; s <= 0 multiplies exactly.
inline Wide rne(Wide v, int s) {
  if (s > 0 && s < 63 && v >= INT64_MIN && v <= INT64_MAX)
    return rne64(static_cast<int64_t>(v), s);
  if (s <= 0)
    return v * (Wide(1) << -s);
  Wide floorQ = v >> s; // arithmetic shift: floor
  Wide rem = v - floorQ * (Wide(1) << s);
  Wide half = Wide(1) << (s - 1);
  return floorQ + ((rem > half || (rem == half && (floorQ & 1))) ? 1 : 0);
}

/// num / den rounded half to even, den > 0.
inline Wide divRne(Wide num, Wide den) {
  Wide q = num / den, r = num % den;
  if (r < 0) {
    q -= 1;
    r += den;
  }
  return q + ((2 * r > den || (2 * r == den && (q & 1))) ? 1 : 0);
}

/// The 8 secant segments of 2^v, v in (-1, 0]: Lo[i] = round(2^(-(i+1)/8) 2^15),
/// Slope[i] = round(8 (2^(-i/8) - 2^(-(i+1)/8)) 2^15), computed from their definition.
struct Exp2Table {
  int32_t lo[8], slope[8];
  Exp2Table() {
    for (int i = 0; i < 8; ++i) {
      lo[i] = int32_t(std::lround(std::exp2(-(i + 1) / 8.0) * 32768));
      double step = std::exp2(-i / 8.0) - std::exp2(-(i + 1) / 8.0);
      slope[i] = int32_t(std::lround(8 * step * 32768));
    }
  }
};
const Exp2Table &exp2Table();

/// exp of a Q12 value (clamped to <= 0), result Q15.
inline int32_t expQ12(int32_t x) {
  if (x > 0)
    x = 0;
  int64_t w = int64_t(x) * 23;          // x · 1.4375 in Q16
  int64_t u = -((-w) >> 16);            // ceil(w / 2^16) <= 0
  int64_t v = w - u * 65536;            // (-2^16, 0]
  if (-u >= 31)
    return 0;
  int64_t n = -v, i = n >> 13, d = 8192 * (i + 1) - n;
  const Exp2Table &t = exp2Table();
  int64_t p = t.lo[i] + int64_t(rne(Wide(t.slope[i]) * d, 16));
  return int32_t(rne(p, int(-u)));
}

/// softplus Q12 -> Q12.
inline int32_t softplusQ12(int32_t x) {
  if (x <= 0)
    return int32_t(rne(expQ12(x), 3));
  return sat32(Wide(x) + rne(expQ12(-x), 3));
}

/// The sigmoid unit's 129 knots S[i] = round(sigmoid(i/8) 2^15), i = 0..128 (none is near a tie),
/// computed from their definition.
struct SigmoidTable {
  int32_t s[129];
  SigmoidTable() {
    for (int i = 0; i < 129; ++i)
      s[i] = int32_t(std::lround(32768.0 / (1.0 + std::exp(-i / 8.0))));
  }
};
const SigmoidTable &sigmoidTable();

/// sigmoid Q12 -> Q15: secant segments of 1/8 (512 Q12 steps) on [0, 16), 32768 beyond;
/// s(-|x|) = 2^15 - s(|x|).
inline int32_t sigmoidQ12(int32_t x) {
  int64_t ax = x < 0 ? -int64_t(x) : int64_t(x);
  ax = std::min<int64_t>(ax, INT32_MAX);
  int32_t s = 32768;
  if (ax < 16 * 4096) {
    const int32_t *k = sigmoidTable().s;
    int64_t seg = ax / 512, within = ax % 512;
    s = k[seg] + int32_t(rne(Wide(k[seg + 1] - k[seg]) * within, 9));
  }
  return x < 0 ? 32768 - s : s;
}

/// SiLU of Q(f) in Q(f): x · sigmoid(x rounded to Q12), RNE by 2^15.
inline int32_t siluQ(int32_t x, int f) {
  int32_t x12 = sat32(rne(x, f - 12));
  return sat32(rne(Wide(x) * sigmoidQ12(x12), 15));
}

/// The quantizer's per-row reciprocal RNE(127 * 2^31 / a), a > 0, and one element with it:
/// sat8(RNE(x * R / 2^31)).
inline int64_t quantRecip(int32_t a) { return int64_t(divRne(Wide(127) << 31, a)); }
inline int8_t quantizeElem(int32_t x, int64_t recip) { return sat8(rne(Wide(x) * recip, 31)); }

/// eps (fp32, finite, >= 0) times g * 2^(2f), rounded half to even to an integer, capped at
/// 2^112 (a cap above every numerator g * 2^(48 + 2f), f <= 24, so it changes no factor). The
/// product is exact in double (24-bit significand times g < 2^16, scaled by a power of two) and
/// nearbyint rounds it half to even.
inline Wide normEpsTerm(float eps, int64_t g, int f) {
  double v = std::ldexp(double(eps) * double(g), 2 * f);
  if (v >= 0x1p112)
    return Wide(1) << 112;
  return Wide(std::nearbyint(v));
}

/// floor(sqrt(v)), v >= 0: a double estimate, then corrected to the exact floor.
inline Wide isqrtFloor(Wide v) {
  Wide r = Wide(std::sqrt(double(v)));
  while (r > 0 && r * r > v)
    --r;
  while ((r + 1) * (r + 1) <= v)
    ++r;
  return r;
}

/// The norm factor rq = isqrt(floor(g * 2^(48 + 2f) / max(S + E, 1))) (Q24 of 1/rms).
inline int64_t normFactor(Wide sumSq, Wide epsTerm, int64_t g, int f) {
  Wide v = std::max<Wide>(sumSq + epsTerm, 1);
  return int64_t(isqrtFloor((Wide(g) << (48 + 2 * f)) / v));
}

} // namespace vimq::golden
