//===- Numerics.h - fixed-point primitives shared by every engine -------------------*- C++ -*-===//
//
// The overlay's arithmetic is integer throughout (no floating point, no per-element divider),
// so the simulator is bit-exact with the hardware by construction and results
// do not depend on the order in which parallel lanes reduce. Every narrowing step rounds
// half-to-even (RNE) and saturates; docs/overlay.md lists the formats.
//
// C++14, STL-free and heap-free: the synthesizable modules (hw/src) include it. Values of up to
// 64 bits are int64_t; the few wider ones (LINEAR's total x absmax, the SSM's sum over the state,
// the FWHT's scaled sums, the RMSNorm factor's operands) are ap_int/ap_uint of the width they
// need (vimq/hw/Hls.h). The __int128 forms at the end exist for the simulator's fast paths and
// the tests only (not in synthesis).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Hls.h"

#include <stdint.h>

namespace vimq {
namespace hw {

constexpr int32_t kInt32Max = 2147483647;
constexpr int32_t kInt32Min = -2147483647 - 1;

/// sat32 of a 64-bit value.
inline constexpr int32_t sat32From64(int64_t v) {
  return v > kInt32Max ? kInt32Max : v < kInt32Min ? kInt32Min : static_cast<int32_t>(v);
}
/// Symmetric int8 saturation: -128 is never produced, so negating a code cannot overflow.
inline constexpr int8_t sat8From64(int64_t v) {
  return v > 127 ? int8_t(127) : v < -127 ? int8_t(-127) : static_cast<int8_t>(v);
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

/// v / 2^s rounded half to even for 0 <= s (s = 0 is v; s >= 64 is 0): exact in 64 bits.
inline constexpr int64_t shiftRneAny64(int64_t v, int s) {
  if (s <= 0)
    return v;
  if (s >= 64)
    return 0; // |v| <= 2^63 <= 2^(s-1): at most a half, which rounds to the even 0
  const int64_t q = v >> s;
  const uint64_t rem = uint64_t(v) & ((uint64_t(1) << (s - 1) << 1) - 1);
  const uint64_t half = uint64_t(1) << (s - 1);
  return q + ((rem > half || (rem == half && (q & 1))) ? 1 : 0);
}

/// sat32(RNE(v * 2^-s)) for any s: a right shift rounds half to even, a left shift (s < 0)
/// saturates exactly as the infinitely wide product would.
inline constexpr int32_t sat32ShiftRne(int64_t v, int s) {
  if (s >= 0)
    return sat32From64(shiftRneAny64(v, s));
  const int k = -s;
  if (v == 0)
    return 0;
  if (k >= 32)
    return v > 0 ? kInt32Max : kInt32Min;
  if (v > (int64_t(kInt32Max) >> k))
    return kInt32Max;
  if (v < (int64_t(kInt32Min) >> k)) // kInt32Min is a multiple of 2^k for k <= 31
    return kInt32Min;
  return static_cast<int32_t>(v * (int64_t(1) << k));
}

/// RNE(v / 2^s) of a W-bit value for s >= 0 (s = 0 is v; s >= W is 0).
template <int W> inline ap_int<W> shiftRneWide(const ap_int<W> &v, int s) {
  if (s <= 0)
    return v;
  if (s >= W)
    return ap_int<W>(0); // |v| <= 2^(W-1) <= 2^(s-1): at most a half, rounding to 0
  const ap_int<W> q = v >> s;
  const ap_int<W> floorPart = q << s;
  const ap_int<W> rem = v - floorPart; // in [0, 2^s)
  const ap_int<W> half = ap_int<W>(1) << (s - 1);
  const bool up = rem > half || (rem == half && q[0]);
  const ap_int<W> r = up ? ap_int<W>(q + 1) : q;
  return r;
}

/// sat32 of a W-bit value.
template <int W> inline int32_t sat32Wide(const ap_int<W> &v) {
  if (v > kInt32Max)
    return kInt32Max;
  if (v < kInt32Min)
    return kInt32Min;
  return static_cast<int32_t>(v.to_int64());
}

#ifndef __SYNTHESIS__
//===-- Simulation and tests only: the same roundings on __int128 ---------------------------===//
//
// The simulator's fast paths and the tests form some products in __int128; these are the same
// functions as the explicit-width ones above (tests/hw/NumericsTest.cpp compares them).
typedef __int128 i128;

inline constexpr int32_t sat32(i128 v) {
  return v > kInt32Max ? kInt32Max : v < kInt32Min ? kInt32Min : static_cast<int32_t>(v);
}
inline constexpr int16_t sat16(i128 v) {
  return v > 32767 ? int16_t(32767) : v < -32768 ? int16_t(-32768) : static_cast<int16_t>(v);
}
inline constexpr int8_t sat8(i128 v) {
  return v > 127 ? int8_t(127) : v < -127 ? int8_t(-127) : static_cast<int8_t>(v);
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
#endif // __SYNTHESIS__

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
constexpr int kExpInFrac = 12;
constexpr int kExpOutFrac = 15;
constexpr int32_t kExp2Lo[8] = {30048, 27554, 25268, 23170, 21247, 19484, 17867, 16384};
constexpr int32_t kExp2Slope[8] = {21757, 19951, 18295, 16777, 15384, 14108, 12937, 11863};

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
    return static_cast<int32_t>(shiftRne64(expPwl(xQ12), kExpOutFrac - kExpInFrac));
  return sat32From64(int64_t(xQ12) + shiftRne64(expPwl(-xQ12), kExpOutFrac - kExpInFrac));
}

//===-- PWL sigmoid unit ---------------------------------------------------------------------===//
//
// sigmoid(x) for x in Q12, result in Q15 (1.0 = 32768), by 128 secant segments of 1/8 on [0, 16):
//   ax = |x| (|INT32_MIN| saturates to INT32_MAX); ax >= 16 * 4096 gives 32768; otherwise
//   i = ax >> 9, d = ax & 511, s = S[i] + RNE((S[i+1] - S[i]) * d / 2^9);  s(-|x|) = 2^15 - s(|x|)
// S[i] = round(sigmoid(i / 8) * 2^15), i = 0..128 (ties would round up, but no entry has one:
// every sigmoid(i/8) * 2^15, i >= 1, is at least 8.5e-4 from a half; S[0] = 16384 is exact);
// tests/hw recompute the table from that formula. No divider: one table read pair, one 16x9-bit
// multiply and a rounding shift. |s - sigmoid(x) * 2^15| <= 6.71 LSB of Q15 over every Q12 input
// (measured exhaustively, docs/overlay.md).
constexpr int kSigmoidSegLog2 = 9;                       // 2^9 Q12 steps = 1/8 per segment
constexpr int kSigmoidSegments = 128;                    // [0, 16)
constexpr int32_t kSigmoidSatQ12 = kSigmoidSegments << kSigmoidSegLog2; // 16.0 in Q12
constexpr int32_t kSigmoidTable[kSigmoidSegments + 1] = {
    16384, 17407, 18421, 19420, 20397, 21344, 22255, 23127, 23955, 24737, 25471, 26155, 26790,
    27377, 27917, 28411, 28862, 29272, 29644, 29979, 30282, 30555, 30799, 31018, 31214, 31389,
    31545, 31684, 31807, 31917, 32015, 32102, 32179, 32247, 32307, 32361, 32408, 32450, 32487,
    32520, 32549, 32574, 32597, 32617, 32635, 32650, 32664, 32676, 32687, 32696, 32705, 32712,
    32719, 32725, 32730, 32734, 32738, 32742, 32745, 32747, 32750, 32752, 32754, 32756, 32757,
    32758, 32759, 32760, 32761, 32762, 32763, 32763, 32764, 32764, 32765, 32765, 32766, 32766,
    32766, 32766, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32768, 32768,
    32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
    32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
    32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768};

/// sigmoid of |x| (ax >= 0) in Q15: the secant segments above.
inline constexpr int32_t sigmoidPwlAbs(int32_t ax) {
  if (ax >= kSigmoidSatQ12)
    return 32768;
  const int32_t i = ax >> kSigmoidSegLog2, d = ax & ((1 << kSigmoidSegLog2) - 1);
  const int32_t lo = kSigmoidTable[i], step = kSigmoidTable[i + 1] - lo; // 0 <= step < 2^10
  return lo + static_cast<int32_t>(shiftRne64(int64_t(step) * d, kSigmoidSegLog2));
}

/// sigmoid in Q12 -> Q15 (the PWL sigmoid unit above).
inline constexpr int32_t sigmoidPwl(int32_t xQ12) {
  int32_t ax = xQ12 < 0 ? (xQ12 == kInt32Min ? kInt32Max : -xQ12) : xQ12;
  int32_t s = sigmoidPwlAbs(ax);
  return xQ12 < 0 ? 32768 - s : s;
}

/// SiLU of a Q(frac) int32 value, result in Q(frac): x * sigmoid(x) with the argument rounded
/// to Q12 for the sigmoid unit, product rounded by RNE.
inline constexpr int32_t siluPwl(int32_t x, int frac) {
  const int32_t xq12 = sat32ShiftRne(x, frac - kExpInFrac);
  return sat32From64(shiftRne64(int64_t(x) * sigmoidPwl(xq12), kExpOutFrac)); // |x s| < 2^47
}

//===-- Shared iterative units: divider and integer square root ------------------------------===//
//
// Each VECTOR engine has one radix-2 restoring divider and one digit-by-digit square root, used
// once per token row (quantizer reciprocal) or once per (row, group) (RMSNorm factor); nothing
// divides per element. The loops below are those units, one quotient/root bit per iteration,
// on operands of explicit width (ap_uint). Latency constants are the iteration counts plus
// operand load and the final rounding step, for the cycle model.

/// floor(num / den) for num < 2^N, 1 <= den < 2^D; the remainder is left in `rem`. The partial
/// remainder stays below den before the shift, so D + 1 bits hold it after.
template <int N, int D>
inline ap_uint<N> divFloorIter(const ap_uint<N> &num, const ap_uint<D> &den, ap_uint<D> &rem) {
  ap_uint<N> q = 0;
  ap_uint<D> r = 0;
  for (int b = N - 1; b >= 0; --b) {
    ap_uint<D + 1> shifted = r;
    shifted = shifted << 1;
    shifted[0] = num[b];
    const bool take = shifted >= den;
    const ap_uint<D + 1> diff = shifted - den; // used only when take (then 0 <= diff < den)
    r = take ? ap_uint<D>(diff) : ap_uint<D>(shifted);
    q[b] = take;
  }
  rem = r;
  return q;
}

/// floor(sqrt(v)) for v < 2^(2R). Before a digit the partial root is below 2^(R-1) and the
/// remainder at most twice it, so the shifted remainder and the trial stay below 2^(R+2).
template <int R> inline ap_uint<R> isqrtIter(const ap_uint<2 * R> &v) {
  ap_uint<R> root = 0;
  ap_uint<R + 1> rem = 0;
  for (int b = R - 1; b >= 0; --b) {
    ap_uint<R + 2> cur = rem;
    cur = cur << 2;
    cur[1] = v[2 * b + 1];
    cur[0] = v[2 * b];
    ap_uint<R + 2> trial = root; // (2 root + 1)^2 - (2 root)^2 at this digit
    trial = trial << 2;
    trial[0] = 1;
    const bool take = cur >= trial;
    const ap_uint<R + 2> diff = cur - trial; // used only when take
    rem = take ? ap_uint<R + 1>(diff) : ap_uint<R + 1>(cur);
    root = root << 1;
    root[0] = take;
  }
  return root;
}

//===-- Per-token quantizer reciprocal ---------------------------------------------------------===//
//
// q = sat8(RNE(x * R / 2^31)) with R = RNE(127 * 2^31 / a), a = the row's absmax in [1, 2^31 - 1]
// (a = 0: every q is 0). R <= 127 * 2^31 < 2^38 (38 quotient bits). For |x| <= a,
// |x * R| <= a * R <= 127 * 2^31 + a/2 < 2^38 + 2^30, so the product fits 64 bits (40 bits signed
// in hardware) and |x * R / 2^31| < 127.5: sat8 never acts. The one x beyond a, x = INT32_MIN
// with a saturated to 2^31 - 1, has R = 127 and gives exactly -127.
constexpr int kQuantRecipShift = 31;
constexpr int kQuantRecipBits = 38; // 127 * 2^31 < 2^38
/// One row's reciprocal: 38 divider iterations, one cycle to load the operands, one to round.
constexpr int kQuantRecipCycles = kQuantRecipBits + 2;

/// R = RNE(127 * 2^31 / a), 1 <= a <= 2^31 - 1: the divider, then the rounding step.
inline int64_t quantRecip(int32_t a) {
  ap_uint<kQuantRecipBits> num = 127;
  num = num << kQuantRecipShift;
  const ap_uint<31> den = a;
  ap_uint<31> rem = 0;
  ap_uint<kQuantRecipBits> q = divFloorIter<kQuantRecipBits, 31>(num, den, rem);
  ap_uint<32> twice = rem;
  twice = twice << 1;
  if (twice > den || (twice == den && q[0]))
    q += 1; // q < 127 * 2^31 here (a >= 2 when a remainder exists): no wrap
  return int64_t(q.to_uint64());
}

/// One element: sat8(RNE(x * R / 2^31)).
inline constexpr int8_t quantizeWithRecip(int32_t x, int64_t recip) {
  return sat8From64(shiftRne64(int64_t(x) * recip, kQuantRecipShift));
}

//===-- RMSNorm factor, all integer ----------------------------------------------------------===//
//
// Per (row, group) of g channels with inputs t in Q(f):
//   S = sum t^2 (exact; < 2^62 g < 2^78 for g <= 65535)
//   E = RNE(eps * g * 2^(2f)) from eps's fp32 bit pattern (integer decode, no float arithmetic),
//       saturated at 2^112 (which changes no result: N < 2^112, so V > N gives rq = 0 either way)
//   V = S + E (< 2^113), N = g * 2^(48 + 2f) (< 2^112 for f <= 24)
//   rq = isqrt(floor(N / max(V, 1)))    (< 2^56: the factor 1/sqrt(mean(T^2) + eps) in Q24)
//   y = sat32(RNE(t * rq * w / 2^(24 + fw + f - fo)))   (|t rq w| < 2^118)
// f <= kMaxNormFrac keeps every step inside 128 bits; the ISA verifier and the sim refuse more.
// Widths: S ap_uint<78>, E and V ap_uint<113>, N ap_uint<112>, rq 56 bits.
constexpr int kMaxNormFrac = 24;
constexpr int kMaxNormGroup = 65535;
constexpr int kNormFactorFrac = 24;
constexpr int kNormNumBits = 16 + 2 * kNormFactorFrac + 2 * kMaxNormFrac; // N < 2^112
constexpr int kNormRootBits = kNormNumBits / 2;                          // rq < 2^56
constexpr int kNormSumBits = 78;                   // S < 2^62 * 65535
constexpr int kNormEpsBits = kNormNumBits + 1;     // E <= 2^112 (the cap), V < 2^113
typedef ap_uint<kNormSumBits> NormSum;
typedef ap_uint<kNormEpsBits> NormEps;
/// Divider (112 iterations) then square root (56 iterations), plus operand load (E decode,
/// V = S + E) and the max(V, 1) select: once per (row, group) on the shared units.
constexpr int kNormDivCycles = kNormNumBits;
constexpr int kIsqrtCycles = kNormRootBits;
constexpr int kRsqrtCycles = kNormDivCycles + kIsqrtCycles + 2;

/// eps's bit pattern is usable: a finite fp32 value >= 0 (-0.0 is 0).
inline constexpr bool normEpsValid(uint32_t epsBits) {
  const uint32_t mag = epsBits & 0x7fffffffu;
  return (mag >> 23) != 0xff && ((epsBits >> 31) == 0 || mag == 0);
}

/// The cap of E: 2^112.
inline NormEps normEpsCap() {
  NormEps cap = 0;
  cap[kNormNumBits] = 1;
  return cap;
}

/// E = RNE(eps * g * 2^(2f)), saturated at normEpsCap(); normEpsValid(epsBits), 1 <= g <= 65535.
inline NormEps normEpsTerm(uint32_t epsBits, int g, int f) {
  const uint32_t expField = (epsBits >> 23) & 0xff, frac = epsBits & 0x7fffff;
  // eps = m * 2^k exactly: subnormals have no hidden bit and the exponent of the smallest normal.
  const int64_t m = expField == 0 ? int64_t(frac) : int64_t(frac | 0x800000u);
  const int k = (expField == 0 ? 1 : int(expField)) - 150 + 2 * f; // of m * g (< 2^40)
  const int64_t mg = m * g;
  NormEps e = 0;
  if (mg == 0)
    return e;
  if (k >= 0) {
    // mg < 2^40: only k > kNormNumBits - 40 can reach the cap.
    if (k >= kNormNumBits || (k > kNormNumBits - 40 && (mg >> (kNormNumBits - k)) != 0))
      return normEpsCap();
    e = mg;
    e = e << k; // < 2^112
    return e;
  }
  if (-k > 41) // mg < 2^40 is below half an LSB: rounds to 0
    return e;
  e = shiftRne64(mg, -k);
  return e;
}

/// rq = isqrt(floor(g * 2^(48 + 2f) / max(S + E, 1))) for 0 <= f <= kMaxNormFrac.
inline int64_t normFactor(const NormSum &sumSq, const NormEps &epsTerm, int g, int f) {
  NormEps v = sumSq;
  v += epsTerm; // < 2^78 + 2^112 < 2^113
  ap_uint<kNormNumBits> num = g;
  num = num << (2 * kNormFactorFrac + 2 * f);
  const NormEps den = v == 0 ? NormEps(1) : v;
  NormEps rem = 0;
  const ap_uint<kNormNumBits> q = divFloorIter<kNormNumBits, kNormEpsBits>(num, den, rem);
  const ap_uint<kNormRootBits> rq = isqrtIter<kNormRootBits>(q);
  return int64_t(rq.to_uint64());
}

#ifndef __SYNTHESIS__
//===-- Simulation and tests only: the same units on __int128 operands ----------------------===//
//
// Conversions between __int128 and the explicit widths (two 64-bit halves), and the units above
// taking and returning __int128, as the tests and the sim's reference paths call them.

/// The low W bits of v.
template <int W> inline ap_uint<W> apFromWide(i128 v) {
  ap_uint<128> t = uint64_t(static_cast<unsigned __int128>(v) >> 64);
  t = t << 64;
  t |= ap_uint<128>(uint64_t(v));
  return ap_uint<W>(t);
}
/// The value of an unsigned ap value of up to 127 bits.
template <int W> inline i128 wideOf(const ap_uint<W> &x) {
  static_assert(W <= 127, "the value must fit a signed 128-bit integer");
  const ap_uint<128> t = x;
  const ap_uint<128> hi = t >> 64;
  return static_cast<i128>((static_cast<unsigned __int128>(hi.to_uint64()) << 64) |
                           t.to_uint64());
}

/// divFloorIter on num < 2^kBits, 1 <= den < 2^126.
template <int kBits> inline i128 divFloorIter(i128 num, i128 den, i128 &rem) {
  ap_uint<126> r = 0;
  const ap_uint<kBits> q = divFloorIter<kBits, 126>(apFromWide<kBits>(num), apFromWide<126>(den), r);
  rem = wideOf(r);
  return wideOf(q);
}
/// isqrtIter on 0 <= v < 2^(2 kRootBits).
template <int kRootBits> inline i128 isqrtIter(i128 v) {
  return wideOf(isqrtIter<kRootBits>(apFromWide<2 * kRootBits>(v)));
}
constexpr i128 kNormEpsCap = i128(1) << kNormNumBits;
/// normFactor on 0 <= S < 2^78, 0 <= E <= kNormEpsCap.
inline int64_t normFactor(i128 sumSq, i128 epsTerm, int g, int f) {
  return normFactor(apFromWide<kNormSumBits>(sumSq), apFromWide<kNormEpsBits>(epsTerm), g, f);
}
#endif // __SYNTHESIS__

} // namespace hw
} // namespace vimq
