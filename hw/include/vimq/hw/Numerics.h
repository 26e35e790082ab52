//===- Numerics.h - fixed-point primitives shared by every engine -------------------*- C++ -*-===//
//
// The overlay's arithmetic is integer throughout (except the per-token RMSNorm factor, see
// VectorEngine.h), so the simulator is bit-exact with the hardware by construction and results
// do not depend on the order in which parallel lanes reduce. Every narrowing step rounds
// half-to-even (RNE) and saturates; docs/overlay.md lists the formats.
//
// Header-only plain C++ (no LLVM, no std containers) so that the HLS sources include it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace vimq::hw {

using i128 = __int128; // ap_int<128> in the synthesised design; only products need it.

inline constexpr int32_t kInt32Max = 2147483647;
inline constexpr int32_t kInt32Min = -2147483647 - 1;

inline constexpr int32_t sat32(i128 v) {
  return v > kInt32Max ? kInt32Max : v < kInt32Min ? kInt32Min : static_cast<int32_t>(v);
}
inline constexpr int16_t sat16(i128 v) {
  return v > 32767 ? int16_t(32767) : v < -32768 ? int16_t(-32768) : static_cast<int16_t>(v);
}
inline constexpr int8_t sat8(i128 v) {
  // Symmetric: -128 is never produced, so negation of a quantized value cannot overflow.
  return v > 127 ? int8_t(127) : v < -127 ? int8_t(-127) : static_cast<int8_t>(v);
}

/// sat32 of a 64-bit value (the same function as sat32 on a narrower input).
inline constexpr int32_t sat32From64(int64_t v) {
  return v > kInt32Max ? kInt32Max : v < kInt32Min ? kInt32Min : static_cast<int32_t>(v);
}

/// shiftRne for a 64-bit value and 0 < s <= 62: the common case, kept in 64-bit arithmetic
/// (a narrower datapath in hardware, and several times faster in the sim).
inline constexpr int64_t shiftRne64(int64_t v, int s) {
  int64_t q = v >> s; // floor
  int64_t rem = v & ((int64_t(1) << s) - 1);
  int64_t half = int64_t(1) << (s - 1);
  // Round up when rem > half, or rem == half and q is odd: for integers that is exactly
  // rem + (q & 1) > half (no data-dependent branch; rem + 1 <= 2^62 cannot overflow).
  return q + ((rem + (q & 1)) > half ? 1 : 0);
}

/// v * 2^-s rounded half to even; s <= 0 is an exact left shift. s must be in [-64, 120].
inline constexpr i128 shiftRne(i128 v, int s) {
  if (s > 0 && s <= 62 && v >= INT64_MIN && v <= INT64_MAX)
    return shiftRne64(static_cast<int64_t>(v), s);
  if (s <= 0)
    return v * (static_cast<i128>(1) << -s);
  i128 q = v >> s; // floor
  i128 rem = v - q * (static_cast<i128>(1) << s);
  i128 half = static_cast<i128>(1) << (s - 1);
  if (rem > half || (rem == half && (q & 1)))
    ++q;
  return q;
}

/// num / den rounded half to even, den > 0, in the integer type T (no overflow in 2 * r).
template <typename T> inline constexpr T divRneIn(T num, T den) {
  T q = num / den, r = num % den;
  if (r < 0) { // make q the floor and 0 <= r < den
    --q;
    r += den;
  }
  if (2 * r > den || (2 * r == den && (q & 1)))
    ++q;
  return q;
}

/// divRne for |num| < 2^62, 0 < den < 2^62: the same steps in 64-bit arithmetic.
inline constexpr int64_t divRne64(int64_t num, int64_t den) { return divRneIn<int64_t>(num, den); }

/// num / den rounded half to even, den > 0.
inline constexpr i128 divRne(i128 num, i128 den) {
  if (num > -(i128(1) << 62) && num < (i128(1) << 62) && den < (i128(1) << 62))
    return divRne64(static_cast<int64_t>(num), static_cast<int64_t>(den));
  return divRneIn<i128>(num, den);
}

//===-- PWL exp unit (FastMamba) -------------------------------------------------------------===//
//
// exp(x) for x <= 0, x given in Q12 (int32), result in Q15 (1.0 = 32768), unsigned.
//   w = x * 1.4375 in Q16, exactly: w = x * 23     (1.4375 = 1.0111b = 23/16 ~ log2 e)
//   u = ceil(w / 2^16) <= 0,  v = w - u * 2^16 in (-2^16, 0]    (v in (-1, 0] in Q16)
//   2^v by 8 secant segments: n = -v in [0, 2^16), i = n >> 13, d = 8192*(i+1) - n in (0, 8192]
//     p = kExp2Lo[i] + RNE(kExp2Slope[i] * d / 2^16)    (Q15; at d = 8192 this is 2^(-i/8))
//   result = RNE(p / 2^-u); 0 when -u >= 31.   x > 0 is clamped to x = 0 (result 32768).
// kExp2Lo[i] = round(2^-(i+1)/8 * 2^15), kExp2Slope[i] = round(8 * (2^-i/8 - 2^-(i+1)/8) * 2^15);
// tests/hw check the tables against those formulas.
inline constexpr int kExpInFrac = 12;
inline constexpr int kExpOutFrac = 15;
inline constexpr int32_t kExp2Lo[8] = {30048, 27554, 25268, 23170, 21247, 19484, 17867, 16384};
inline constexpr int32_t kExp2Slope[8] = {21757, 19951, 18295, 16777, 15384, 14108, 12937, 11863};

inline constexpr int32_t exp2Segment(int32_t v) { // v in (-65536, 0], Q16 -> Q15
  int32_t n = -v;
  int32_t i = n >> 13;
  int32_t d = 8192 * (i + 1) - n;
  return kExp2Lo[i] + static_cast<int32_t>(shiftRne64(int64_t(kExp2Slope[i]) * d, 16));
}

inline constexpr int32_t expPwl(int32_t xQ12) {
  if (xQ12 > 0)
    xQ12 = 0;
  int64_t w = static_cast<int64_t>(xQ12) * 23; // Q16
  // ceil(w / 2^16) for w <= 0 is -floor(-w / 2^16).
  int64_t u = -((-w) >> 16);
  int32_t v = static_cast<int32_t>(w - u * 65536);
  if (-u >= 31)
    return 0;
  const int32_t p = exp2Segment(v);
  return u == 0 ? p : static_cast<int32_t>(shiftRne64(p, static_cast<int>(-u)));
}

/// Softplus in Q12 -> Q12: exp(x) for x <= 0, x + exp(-x) for x > 0 (FastMamba's first-order
/// form; the exp result is rounded from Q15 to Q12 by RNE).
inline constexpr int32_t softplusPwl(int32_t xQ12) {
  if (xQ12 <= 0)
    return static_cast<int32_t>(shiftRne(expPwl(xQ12), kExpOutFrac - kExpInFrac));
  return sat32(static_cast<i128>(xQ12) + shiftRne(expPwl(-xQ12), kExpOutFrac - kExpInFrac));
}

/// sigmoid in Q12 -> Q15 from the exp unit: s(|x|) = RNE(2^30 / (2^15 + e)), e = exp(-|x|) in
/// Q15; s(-|x|) = 2^15 - s(|x|). One exact division (a multi-cycle divider in hardware).
inline constexpr int32_t sigmoidPwl(int32_t xQ12) {
  int32_t ax = xQ12 < 0 ? (xQ12 == kInt32Min ? kInt32Max : -xQ12) : xQ12;
  int32_t e = expPwl(-ax);
  int32_t s = static_cast<int32_t>(divRne(static_cast<i128>(1) << 30, 32768 + e));
  return xQ12 < 0 ? 32768 - s : s;
}

/// SiLU of a Q(frac) int32 value, result in Q(frac): x * sigmoid(x) with the argument rounded
/// to Q12 for the sigmoid unit, product rounded by RNE.
inline constexpr int32_t siluPwl(int32_t x, int frac) {
  int32_t xq12 = sat32(shiftRne(x, frac - kExpInFrac));
  return sat32(shiftRne(static_cast<i128>(x) * sigmoidPwl(xq12), kExpOutFrac));
}

} // namespace vimq::hw
