//===- RefRounding.h - independent rounding reference for the hw tests --------------*- C++ -*-===//
//
// Written differently from Numerics.h on purpose (truncating division, then an explicit
// comparison of twice the remainder), so that a bug in one is not mirrored in the other.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace vimq::hw::test {

using wide = __int128;

/// num / den rounded to nearest, ties to even; den > 0.
inline wide refDivRne(wide num, wide den) {
  wide q = num / den;     // truncates toward zero
  wide r = num - q * den; // same sign as num
  wide twice = r < 0 ? -2 * r : 2 * r;
  if (twice > den || (twice == den && (q % 2 != 0)))
    q += num < 0 ? -1 : 1;
  return q;
}

inline wide refShift(wide v, int s) {
  if (s <= 0)
    return v * (wide(1) << -s);
  return refDivRne(v, wide(1) << s);
}

inline int32_t refSat32(wide v) {
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : int32_t(v);
}

} // namespace vimq::hw::test
