//===- Hls.h - the HLS types the overlay's synthesizable code uses ------------------*- C++ -*-===//
//
// The one header hw code includes for ap_int/ap_uint and hls::stream. With Vitis HLS installed
// (both <ap_int.h> and <hls_stream.h> found) it includes Vitis's own headers; otherwise, or when
// VIMQ_HLS_COMPAT is defined, the freestanding compat implementation in hls_compat/. Either way
// VIMQ_HLS_USING_COMPAT is defined to 1 (compat) or 0 (Vitis). docs/hls.md explains the choice.
//
// The compat implements only the subset below; hw code uses nothing else, so that it compiles
// and computes the same with both implementations.
//
// Types
//   ap_int<W>, ap_uint<W>   1 <= W <= 512. Storage, copies, bits, range and comparisons at every
//                           width; the arithmetic operators need W <= 128.
//   hls::stream<T, Depth>   Depth >= 0; hls::stream<T> has Depth 0 (compat capacity: 2).
//
// ap_int / ap_uint (x, y below; n a built-in integer)
//   construction / assignment from any built-in integer type and from ap_int/ap_uint of any
//     width: extended per the SOURCE's signedness, then wrapped (two's complement) to W bits;
//     also from x[i] and x.range(hi, lo).
//   binary + - * & | ^ between ap values, or an ap value and a built-in integer (which counts as
//     an ap of its type's width and signedness: int is ap_int<32>, unsigned ap_uint<32>, bool
//     ap_uint<1>). The result is ap_int_base<R, signed-if-either-is> (minus: always signed):
//       + -      R = max(W1 + (S2 && !S1), W2 + (S1 && !S2)) + 1
//       *        R = W1 + W2
//       & | ^    R = max(W1 + (S2 && !S1), W2 + (S1 && !S2))
//     A result wider than 128 bits is a compile error (static_assert).
//   x << n, x >> n  (n built-in or ap of <= 64 bits, 0 <= n < W): the type of x; >> is
//     arithmetic for ap_int and logical for ap_uint.
//   unary -x (ap_int_base<W+1, true>; 3 bits for ap_int<1>), ~x (type of x), !x (bool).
//   x op= y for + - * & | ^ << >>, ++x, --x, x++, x--: computed modulo 2^W (W <= 128).
//   == != < <= > >= between any widths. Mixing signedness: allowed only when the signed operand
//     is non-negative or strictly wider than the unsigned one (Vitis's C simulation and its
//     synthesis disagree otherwise; the compat follows C's rule, as synthesis does).
//   implicit conversion to a built-in integer only for W <= 64 (to the smallest of
//     char/short/int/long long that holds W bits); to_int() to_uint() to_int64() to_uint64()
//     to_long() to_ulong() at any width (the value's low bits, C conversion).
//   x.length() (W), x.iszero(), x.get_bit(i), x.set_bit(i, b),
//   x[i]: a bit reference: reads as bool; assign a bool/0/1 or another bit;
//   x.range(hi, lo) with W > hi >= lo >= 0: read it by converting to an explicit-width ap_uint
//     (ap_uint<8> op = w.range(7, 0);) or with .to_uint64() etc., .length() is hi-lo+1;
//     assign any ap value or built-in integer: its low hi-lo+1 bits are stored.
//
// hls::stream<T, Depth>
//   stream(), stream(const char *name), not copyable (pass by non-const reference);
//   read(), read(T &), write(const T &), read_nb(T &), write_nb(const T &) (bool: done),
//   empty(), full(), size(), >> and << as read and write.
//   The compat's capacity(), underflowed(), overflowed(), compat_name() are for the C++ harness
//   and tests only (guard them with VIMQ_HLS_USING_COMPAT).
//
// The one rule that makes results identical with either implementation: assign every
// intermediate to an explicit-width variable (ap_int<17> sum = a + b;), never `auto`, and never
// rely on an operator result's type beyond the widths above. Also: no division or modulo, no
// shift by a negative or >= W amount, no bit index or range outside [0, W), no arithmetic on
// x[i] or x.range() (convert first), no implicit conversion of W > 64 values, no reliance on
// the value of a default-constructed ap value (zero in the compat, unspecified in Vitis).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#if !defined(VIMQ_HLS_COMPAT) && defined(__has_include)
#if __has_include(<ap_int.h>) && __has_include(<hls_stream.h>)
#define VIMQ_HLS_USING_COMPAT 0
#endif
#endif

#ifndef VIMQ_HLS_USING_COMPAT
#define VIMQ_HLS_USING_COMPAT 1
#endif

#if VIMQ_HLS_USING_COMPAT
#include "vimq/hw/hls_compat/ApInt.h"
#include "vimq/hw/hls_compat/Stream.h"
#else
#include <ap_int.h>
#include <hls_stream.h>
#endif
