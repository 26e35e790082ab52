//===- IntMath.h - the overlay's integer primitives, written from docs/overlay.md -*- C++ -*-===//
//
// Deliberately not hw/include/vimq/hw/Numerics.h: the golden model is the second, independent
// implementation of the documented formulas; tests/compiler/golden compares the two.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cmath>
#include <cstdint>

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

/// sigmoid Q12 -> Q15: s(|x|) = RNE(2^30 / (2^15 + exp(-|x|))), s(-|x|) = 2^15 - s(|x|).
inline int32_t sigmoidQ12(int32_t x) {
  int32_t ax = x >= 0 ? x : (x == INT32_MIN ? INT32_MAX : -x);
  int32_t s = int32_t(divRne(Wide(1) << 30, 32768 + expQ12(-ax)));
  return x < 0 ? 32768 - s : s;
}

/// SiLU of Q(f) in Q(f): x · sigmoid(x rounded to Q12), RNE by 2^15.
inline int32_t siluQ(int32_t x, int f) {
  int32_t x12 = sat32(rne(x, f - 12));
  return sat32(rne(Wide(x) * sigmoidQ12(x12), 15));
}

} // namespace vimq::golden
