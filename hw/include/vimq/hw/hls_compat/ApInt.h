//===- ApInt.h - ap_int/ap_uint for g++/clang when Vitis HLS is absent --------------*- C++ -*-===//
//
// The subset of Vitis HLS's arbitrary-precision integers that the overlay's synthesizable code
// may use (the contract is in vimq/hw/Hls.h; semantics in docs/hls.md). Include Hls.h, never
// this file: Hls.h picks Vitis's own <ap_int.h> when it is installed.
//
// Freestanding on purpose: compiles under -std=c++14 -nostdinc++ -fno-exceptions -fno-rtti, so
// only <stdint.h>, no std::, no heap. A value is stored as 64-bit limbs, least significant
// first; the bits of the top limb above the width always hold the sign (ap_int) or zero
// (ap_uint) extension, so a width <= 64 value is its own int64_t/uint64_t. Operators whose
// result is at most 128 bits wide compute in uint64_t or unsigned __int128: the compiler
// builtin is this file's stand-in for Vitis's own wide types and never appears in hw code.
//
// The declarations mirror Vitis: ap_int<W> and ap_uint<W> derive from ap_int_base<W, Signed>,
// binary operators return ap_int_base<ResultWidth, ResultSigned>, x[i] is an ap_bit_ref and
// x.range(hi, lo) an ap_range_ref, so decltype() of an expression agrees with Vitis.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <stdint.h>

template <int W, bool S> class ap_int_base;
template <int W, bool S> class ap_bit_ref;
template <int W, bool S> class ap_range_ref;
template <int W> class ap_int;
template <int W> class ap_uint;

// Every built-in integer type: Vitis accepts each as an operand of the width and signedness of
// the type (bool is ap_uint<1>).
#define VIMQ_HLS_FOR_EACH_INT(X)                                                                 \
  X(bool)                                                                                        \
  X(char)                                                                                        \
  X(signed char)                                                                                 \
  X(unsigned char)                                                                               \
  X(short)                                                                                       \
  X(unsigned short)                                                                              \
  X(int)                                                                                         \
  X(unsigned int)                                                                                \
  X(long)                                                                                        \
  X(unsigned long)                                                                               \
  X(long long)                                                                                   \
  X(unsigned long long)

namespace vimq_hls_compat {

__extension__ typedef unsigned __int128 U128;
__extension__ typedef __int128 I128;

template <bool B, typename T = void> struct EnableIf {};
template <typename T> struct EnableIf<true, T> { typedef T type; };

template <bool B, typename T, typename F> struct Select { typedef T type; };
template <typename T, typename F> struct Select<false, T, F> { typedef F type; };

constexpr int maxOf(int a, int b) { return a > b ? a : b; }
constexpr int limbsOf(int width) { return (width + 63) / 64; }

/// Width and signedness of a built-in integer type as an ap operand.
template <typename C> struct IntTraits {
  static const int width = sizeof(C) * 8;
  static const bool isSigned = C(-1) < C(1);
};
template <> struct IntTraits<bool> {
  static const int width = 1;
  static const bool isSigned = false;
};

/// The ap_int_base a built-in integer operand stands for.
template <typename C> struct ApOf {
  typedef ap_int_base<IntTraits<C>::width, IntTraits<C>::isSigned> type;
};

/// Vitis's result types of a binary operator between (W1, S1) and (W2, S2). Mixing signedness
/// widens the unsigned operand by one bit so that it fits in the signed result.
template <int W1, bool S1, int W2, bool S2> struct RType {
  enum {
    mult_w = W1 + W2,
    plus_w = maxOf(W1 + (S2 && !S1), W2 + (S1 && !S2)) + 1,
    logic_w = maxOf(W1 + (S2 && !S1), W2 + (S1 && !S2)),
  };
  static const bool mult_s = S1 || S2;
  static const bool plus_s = S1 || S2;
  static const bool minus_s = true;
  static const bool logic_s = S1 || S2;
  typedef ap_int_base<mult_w, mult_s> mult;
  typedef ap_int_base<plus_w, plus_s> plus;
  typedef ap_int_base<plus_w, minus_s> minus;
  typedef ap_int_base<logic_w, logic_s> logic;
};

/// The machine word an operator of result width W computes in (arithmetic modulo its size).
template <int W> struct Word {
  static_assert(W <= 128, "vimq HLS types: an arithmetic or bitwise result is wider than 128 bits; "
                          "the project's hw code must keep every intermediate within 128 bits "
                          "(assign operands to narrower explicit-width variables first)");
  typedef typename Select<(W <= 64), uint64_t, U128>::type type;
};

/// The built-in type a width <= 64 value converts to implicitly (Vitis's RetType: the
/// smallest of char/short/int/long long holding it). Wider values have no implicit conversion
/// (Vitis silently truncates them; the project uses to_uint64() and friends instead).
struct NoImplicitConversionAbove64Bits;
template <int Bytes, bool S> struct RetType {
  typedef typename Select<S, long long, unsigned long long>::type type;
};
template <bool S> struct RetType<1, S> {
  typedef typename Select<S, signed char, unsigned char>::type type;
};
template <bool S> struct RetType<2, S> {
  typedef typename Select<S, short, unsigned short>::type type;
};
template <bool S> struct RetType<3, S> {
  typedef typename Select<S, int, unsigned int>::type type;
};
template <bool S> struct RetType<4, S> {
  typedef typename Select<S, int, unsigned int>::type type;
};
template <int W, bool S> struct ConversionType {
  typedef typename Select<(W <= 64), typename RetType<(W + 7) / 8, S>::type,
                          NoImplicitConversionAbove64Bits>::type type;
};

/// Limb k of a bit array shifted left by `by` bits (zeros shifted in).
inline uint64_t shiftedLimb(const uint64_t *a, int limbs, int by, int k) {
  int q = by / 64, r = by % 64, i = k - q;
  uint64_t out = 0;
  if (i >= 0 && i < limbs)
    out = a[i] << r;
  if (r != 0 && i - 1 >= 0 && i - 1 < limbs)
    out |= a[i - 1] >> (64 - r);
  return out;
}

/// Limb k of a mask of the low `len` bits.
inline uint64_t onesLimb(int len, int k) {
  int keep = len - 64 * k;
  if (keep <= 0)
    return 0;
  return keep >= 64 ? ~uint64_t(0) : (uint64_t(1) << keep) - 1;
}

/// Limb k of a mask of the low `len` bits shifted left by `by`.
inline uint64_t shiftedOnesLimb(int len, int by, int k) {
  int q = by / 64, r = by % 64, i = k - q;
  uint64_t out = 0;
  if (i >= 0)
    out = onesLimb(len, i) << r;
  if (r != 0 && i - 1 >= 0)
    out |= onesLimb(len, i - 1) >> (64 - r);
  return out;
}

/// The operators' access to the limbs (kept out of ap_int_base's public interface so hw code
/// cannot come to depend on them).
struct Access {
  template <int W, bool S> static const uint64_t *limbs(const ap_int_base<W, S> &x) {
    return x.v_;
  }
  template <int W, bool S> static uint64_t *limbs(ap_int_base<W, S> &x) { return x.v_; }
  /// Limb i of the value extended to any width (sign or zero fill past the stored limbs).
  template <int W, bool S> static uint64_t limb(const ap_int_base<W, S> &x, int i) {
    if (i < limbsOf(W))
      return x.v_[i];
    return (S && (x.v_[limbsOf(W) - 1] >> 63)) ? ~uint64_t(0) : 0;
  }
  /// The value modulo 2^64 (U = uint64_t) or 2^128 (U = U128), extended per its signedness.
  template <typename U, int W, bool S> static U word(const ap_int_base<W, S> &x) {
    return wordImpl(x, static_cast<U *>(nullptr));
  }
  template <int W, bool S> static uint64_t wordImpl(const ap_int_base<W, S> &x, uint64_t *) {
    return x.v_[0];
  }
  template <int W, bool S> static U128 wordImpl(const ap_int_base<W, S> &x, U128 *) {
    return (U128(limb(x, 1)) << 64) | x.v_[0];
  }
  template <int W, bool S> static void rewrap(ap_int_base<W, S> &x) { x.wrap(); }
  /// Sets x to `bits` wrapped to W.
  template <int W, bool S> static void setWord(ap_int_base<W, S> &x, uint64_t bits) {
    x.v_[0] = bits;
    for (int i = 1; i < limbsOf(W); ++i)
      x.v_[i] = 0;
    x.wrap();
  }
  template <int W, bool S> static void setWord(ap_int_base<W, S> &x, U128 bits) {
    x.v_[0] = uint64_t(bits);
    if (limbsOf(W) > 1)
      x.v_[limbsOf(W) > 1 ? 1 : 0] = uint64_t(bits >> 64);
    for (int i = 2; i < limbsOf(W); ++i)
      x.v_[i] = 0;
    x.wrap();
  }
};

/// Signed counterpart of a Word type.
template <typename U> struct SignedOf;
template <> struct SignedOf<uint64_t> { typedef int64_t type; };
template <> struct SignedOf<U128> { typedef I128 type; };

/// a << n within W bits (n >= 0).
template <int W, bool S> ap_int_base<W, S> shiftLeft(const ap_int_base<W, S> &a, uint64_t n) {
  typedef typename Word<W>::type U;
  ap_int_base<W, S> r;
  Access::setWord(r, n >= uint64_t(W) ? U(0) : U(Access::word<U>(a) << n));
  return r;
}

/// a >> n: arithmetic for ap_int, logical for ap_uint (n >= 0). A shift by W or more leaves
/// the sign fill.
template <int W, bool S> ap_int_base<W, S> shiftRight(const ap_int_base<W, S> &a, uint64_t n) {
  typedef typename Word<W>::type U;
  typedef typename SignedOf<U>::type I;
  const uint64_t last = sizeof(U) * 8 - 1;
  U x = Access::word<U>(a); // extended to all of U per the signedness
  ap_int_base<W, S> r;
  if (S)
    Access::setWord(r, U(I(x) >> (n > last ? last : n)));
  else
    Access::setWord(r, n > last ? U(0) : U(x >> n));
  return r;
}

/// A shift amount: negative signed amounts shift the other way, as in Vitis.
struct ShiftAmount {
  bool reverse;
  uint64_t magnitude;
};
template <int W, bool S> ShiftAmount shiftAmount(const ap_int_base<W, S> &n) {
  static_assert(W <= 64, "vimq HLS types: a shift amount is at most 64 bits wide");
  uint64_t bits = Access::word<uint64_t>(n);
  if (S && (bits >> 63))
    return ShiftAmount{true, uint64_t(0) - bits};
  return ShiftAmount{false, bits};
}

/// Three-way comparison under C's rule for mixed operands (which is what synthesis does): both
/// operands are extended to the wider width, and compared signed if both are signed or the
/// signed one is strictly wider, unsigned otherwise.
template <int W1, bool S1, int W2, bool S2>
int compare(const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {
  const int M = maxOf(W1, W2);
  const bool asSigned = (S1 && S2) || (S1 && W1 > W2) || (S2 && W2 > W1);
  const int top = limbsOf(M) - 1;
  for (int i = top; i >= 0; --i) {
    uint64_t x = Access::limb(a, i), y = Access::limb(b, i);
    if (i == top && M % 64 != 0) {
      // Re-extend both from bit M-1, the common width's top bit.
      int sh = (64 - M % 64) & 63;
      x = asSigned ? uint64_t(int64_t(x << sh) >> sh) : (x << sh) >> sh;
      y = asSigned ? uint64_t(int64_t(y << sh) >> sh) : (y << sh) >> sh;
    }
    if (x == y)
      continue;
    if (i == top && asSigned)
      return int64_t(x) < int64_t(y) ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

} // namespace vimq_hls_compat

/// W-bit two's-complement integer, signed when S. Values wrap to W bits on construction and
/// assignment.
template <int W, bool S> class ap_int_base {
  static_assert(W >= 1 && W <= 512, "vimq HLS types: widths are 1..512 bits");
  friend struct vimq_hls_compat::Access;
  typedef vimq_hls_compat::Access Access;

public:
  static const int width = W;
  static const bool sign_flag = S;

  /// Zero (Vitis leaves a default-constructed value unspecified: initialize explicitly).
  ap_int_base() : v_() {}

#define VIMQ_HLS_CTOR(C)                                                                         \
  ap_int_base(C x) { setFrom64(uint64_t(x), vimq_hls_compat::IntTraits<C>::isSigned); }
  VIMQ_HLS_FOR_EACH_INT(VIMQ_HLS_CTOR)
#undef VIMQ_HLS_CTOR

  /// Extends `x` per its own signedness, then wraps to W.
  template <int W2, bool S2> ap_int_base(const ap_int_base<W2, S2> &x) {
    for (int i = 0; i < kLimbs; ++i)
      v_[i] = Access::limb(x, i);
    wrap();
  }
  template <int W2, bool S2> ap_int_base(const ap_bit_ref<W2, S2> &b) : v_() {
    v_[0] = bool(b) ? 1 : 0;
  }
  template <int W2, bool S2> ap_int_base(const ap_range_ref<W2, S2> &r) : v_() {
    *this = r.get();
  }

  /// Implicit conversion to the smallest built-in type holding the value; widths <= 64 only.
  operator typename vimq_hls_compat::ConversionType<W, S>::type() const {
    return typename vimq_hls_compat::ConversionType<W, S>::type(v_[0]);
  }

  int length() const { return W; }
  bool iszero() const {
    for (int i = 0; i < kLimbs; ++i)
      if (v_[i] != 0)
        return false;
    return true;
  }

  // C conversions of the value (its low bits when it does not fit).
  int to_int() const { return int(v_[0]); }
  unsigned to_uint() const { return unsigned(v_[0]); }
  long long to_int64() const { return (long long)(v_[0]); }
  unsigned long long to_uint64() const { return v_[0]; }
  long to_long() const { return long(v_[0]); }
  unsigned long to_ulong() const { return (unsigned long)(v_[0]); }

  // Bits. An index outside [0, W) is a caller bug: it reads false and writes nothing.
  bool get_bit(int i) const { return inRange(i) && ((v_[i / 64] >> (i % 64)) & 1); }
  void set_bit(int i, bool b) {
    if (!inRange(i))
      return;
    uint64_t m = uint64_t(1) << (i % 64);
    v_[i / 64] = b ? (v_[i / 64] | m) : (v_[i / 64] & ~m);
    wrap();
  }
  ap_bit_ref<W, S> operator[](int i) { return ap_bit_ref<W, S>(*this, i); }
  bool operator[](int i) const { return get_bit(i); }

  /// Bits hi..lo (hi >= lo, both in [0, W)), read as ap_uint<W> or assigned.
  ap_range_ref<W, S> range(int hi, int lo) { return ap_range_ref<W, S>(*this, hi, lo); }
  ap_range_ref<W, S> range(int hi, int lo) const {
    return ap_range_ref<W, S>(const_cast<ap_int_base &>(*this), hi, lo);
  }

  // Compound assignments compute modulo 2^W (W <= 128).
#define VIMQ_HLS_COMPOUND(OP)                                                                    \
  template <int W2, bool S2> ap_int_base &operator OP##=(const ap_int_base<W2, S2> &b) {         \
    typedef typename vimq_hls_compat::Word<W>::type U;                                           \
    Access::setWord(*this, U(Access::word<U>(*this) OP Access::word<U>(b)));                     \
    return *this;                                                                                \
  }
  VIMQ_HLS_COMPOUND(+)
  VIMQ_HLS_COMPOUND(-)
  VIMQ_HLS_COMPOUND(*)
  VIMQ_HLS_COMPOUND(&)
  VIMQ_HLS_COMPOUND(|)
  VIMQ_HLS_COMPOUND(^)
#undef VIMQ_HLS_COMPOUND
  template <int W2, bool S2> ap_int_base &operator<<=(const ap_int_base<W2, S2> &n) {
    return *this = *this << n;
  }
  template <int W2, bool S2> ap_int_base &operator>>=(const ap_int_base<W2, S2> &n) {
    return *this = *this >> n;
  }
#define VIMQ_HLS_COMPOUND_INT(C)                                                                 \
  ap_int_base &operator+=(C b) { return *this += typename vimq_hls_compat::ApOf<C>::type(b); }   \
  ap_int_base &operator-=(C b) { return *this -= typename vimq_hls_compat::ApOf<C>::type(b); }   \
  ap_int_base &operator*=(C b) { return *this *= typename vimq_hls_compat::ApOf<C>::type(b); }   \
  ap_int_base &operator&=(C b) { return *this &= typename vimq_hls_compat::ApOf<C>::type(b); }   \
  ap_int_base &operator|=(C b) { return *this |= typename vimq_hls_compat::ApOf<C>::type(b); }   \
  ap_int_base &operator^=(C b) { return *this ^= typename vimq_hls_compat::ApOf<C>::type(b); }   \
  ap_int_base &operator<<=(C b) { return *this <<= typename vimq_hls_compat::ApOf<C>::type(b); } \
  ap_int_base &operator>>=(C b) { return *this >>= typename vimq_hls_compat::ApOf<C>::type(b); }
  VIMQ_HLS_FOR_EACH_INT(VIMQ_HLS_COMPOUND_INT)
#undef VIMQ_HLS_COMPOUND_INT

  ap_int_base &operator++() { return *this += ap_int_base<1, false>(1); }
  ap_int_base &operator--() { return *this -= ap_int_base<1, false>(1); }
  const ap_int_base operator++(int) {
    ap_int_base old = *this;
    ++*this;
    return old;
  }
  const ap_int_base operator--(int) {
    ap_int_base old = *this;
    --*this;
    return old;
  }

  ap_int_base operator~() const {
    static_assert(W <= 128, "vimq HLS types: ~ is for widths <= 128");
    ap_int_base r;
    for (int i = 0; i < kLimbs; ++i)
      r.v_[i] = ~v_[i];
    r.wrap();
    return r;
  }
  bool operator!() const { return iszero(); }
  /// 0 - x, as Vitis: one bit wider and signed.
  typename vimq_hls_compat::RType<1, false, W, S>::minus operator-() const {
    return ap_int_base<1, false>(0) - *this;
  }

private:
  enum { kLimbs = vimq_hls_compat::limbsOf(W) };

  static bool inRange(int i) { return i >= 0 && i < W; }
  /// `bits` is the built-in value extended to 64 bits; `isSigned` says how to extend further.
  void setFrom64(uint64_t bits, bool isSigned) {
    uint64_t fill = (isSigned && (bits >> 63)) ? ~uint64_t(0) : 0;
    v_[0] = bits;
    for (int i = 1; i < kLimbs; ++i)
      v_[i] = fill;
    wrap();
  }
  /// Restores the invariant: the top limb's bits above W hold the extension of bit W-1.
  void wrap() {
    if (W % 64 == 0)
      return;
    const int sh = (64 - W % 64) & 63; // the mask keeps the dead W % 64 == 0 case well-defined
    uint64_t &top = v_[kLimbs - 1];
    top = S ? uint64_t(int64_t(top << sh) >> sh) : (top << sh) >> sh;
  }

  uint64_t v_[kLimbs];
};

template <int W, bool S> const int ap_int_base<W, S>::width;
template <int W, bool S> const bool ap_int_base<W, S>::sign_flag;

/// A writable reference to bit i of an ap_int/ap_uint (what x[i] returns).
template <int W, bool S> class ap_bit_ref {
public:
  ap_bit_ref(ap_int_base<W, S> &bv, int index) : d_bv(bv), d_index(index) {}
  ap_bit_ref(const ap_bit_ref &) = default;

  operator bool() const { return d_bv.get_bit(d_index); }
  bool get() const { return d_bv.get_bit(d_index); }
  int length() const { return 1; }

  /// Assign a bool (or 0/1).
  ap_bit_ref &operator=(bool b) {
    d_bv.set_bit(d_index, b);
    return *this;
  }
  /// Copies the referenced bit's value, not the reference.
  ap_bit_ref &operator=(const ap_bit_ref &o) { return *this = o.get(); }
  template <int W2, bool S2> ap_bit_ref &operator=(const ap_bit_ref<W2, S2> &o) {
    return *this = o.get();
  }

private:
  ap_int_base<W, S> &d_bv;
  int d_index;
};

/// A reference to bits hi..lo of an ap_int/ap_uint (what x.range(hi, lo) returns). Read it by
/// converting to an explicit-width ap_uint (or with to_uint64() and friends); assigning stores
/// the low hi-lo+1 bits of the value (extended per its signedness first).
template <int W, bool S> class ap_range_ref {
public:
  ap_range_ref(ap_int_base<W, S> &bv, int hi, int lo) : d_bv(bv), h_index(hi), l_index(lo) {}
  ap_range_ref(const ap_range_ref &) = default;

  int length() const { return h_index - l_index + 1; }

  /// The bits, zero-extended to W. A range outside [0, W) or with hi < lo reads as 0.
  ap_int_base<W, false> get() const {
    ap_int_base<W, false> r;
    if (!valid())
      return r;
    const uint64_t *src = vimq_hls_compat::Access::limbs(d_bv);
    uint64_t *dst = vimq_hls_compat::Access::limbs(r);
    const int q = l_index / 64, s = l_index % 64, len = length();
    for (int k = 0; k < kLimbs; ++k) {
      uint64_t w = 0;
      if (q + k < kLimbs)
        w = src[q + k] >> s;
      if (s != 0 && q + k + 1 < kLimbs)
        w |= src[q + k + 1] << (64 - s);
      dst[k] = w & vimq_hls_compat::onesLimb(len, k);
    }
    return r;
  }

  int to_int() const { return get().to_int(); }
  unsigned to_uint() const { return get().to_uint(); }
  long long to_int64() const { return get().to_int64(); }
  unsigned long long to_uint64() const { return get().to_uint64(); }
  long to_long() const { return get().to_long(); }
  unsigned long to_ulong() const { return get().to_ulong(); }
  bool iszero() const { return get().iszero(); }

  /// Stores the low length() bits of `v`. An invalid range stores nothing.
  template <int W2, bool S2> ap_range_ref &operator=(const ap_int_base<W2, S2> &v) {
    if (!valid())
      return *this;
    ap_int_base<W, false> bits(v); // extended or wrapped to W, then placed at l_index
    const uint64_t *src = vimq_hls_compat::Access::limbs(bits);
    uint64_t *dst = vimq_hls_compat::Access::limbs(d_bv);
    const int len = length();
    for (int k = 0; k < kLimbs; ++k) {
      uint64_t mask = vimq_hls_compat::shiftedOnesLimb(len, l_index, k);
      uint64_t piece = vimq_hls_compat::shiftedLimb(src, kLimbs, l_index, k);
      dst[k] = (dst[k] & ~mask) | (piece & mask);
    }
    vimq_hls_compat::Access::rewrap(d_bv); // the range may have covered bit W-1
    return *this;
  }
#define VIMQ_HLS_RANGE_ASSIGN(C)                                                                 \
  ap_range_ref &operator=(C v) { return *this = typename vimq_hls_compat::ApOf<C>::type(v); }
  VIMQ_HLS_FOR_EACH_INT(VIMQ_HLS_RANGE_ASSIGN)
#undef VIMQ_HLS_RANGE_ASSIGN
  /// Copies the referenced bits' value, not the reference.
  ap_range_ref &operator=(const ap_range_ref &o) { return *this = o.get(); }
  template <int W2, bool S2> ap_range_ref &operator=(const ap_range_ref<W2, S2> &o) {
    return *this = o.get();
  }

private:
  enum { kLimbs = vimq_hls_compat::limbsOf(W) };
  bool valid() const { return l_index >= 0 && h_index >= l_index && h_index < W; }

  ap_int_base<W, S> &d_bv;
  int h_index;
  int l_index;
};

// --- binary operators ---------------------------------------------------------------------------

#define VIMQ_HLS_ARITH(OP, KIND)                                                                 \
  template <int W1, bool S1, int W2, bool S2>                                                    \
  typename vimq_hls_compat::RType<W1, S1, W2, S2>::KIND operator OP(                             \
      const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {                              \
    typedef typename vimq_hls_compat::RType<W1, S1, W2, S2>::KIND R;                             \
    typedef typename vimq_hls_compat::Word<R::width>::type U;                                    \
    R r;                                                                                         \
    vimq_hls_compat::Access::setWord(                                                            \
        r, U(vimq_hls_compat::Access::word<U>(a) OP vimq_hls_compat::Access::word<U>(b)));       \
    return r;                                                                                    \
  }
VIMQ_HLS_ARITH(+, plus)
VIMQ_HLS_ARITH(-, minus)
VIMQ_HLS_ARITH(*, mult)
VIMQ_HLS_ARITH(&, logic)
VIMQ_HLS_ARITH(|, logic)
VIMQ_HLS_ARITH(^, logic)
#undef VIMQ_HLS_ARITH

/// Shifts keep the left operand's type (bits shifted past W are lost).
template <int W, bool S, int W2, bool S2>
ap_int_base<W, S> operator<<(const ap_int_base<W, S> &a, const ap_int_base<W2, S2> &n) {
  vimq_hls_compat::ShiftAmount s = vimq_hls_compat::shiftAmount(n);
  return s.reverse ? vimq_hls_compat::shiftRight(a, s.magnitude)
                   : vimq_hls_compat::shiftLeft(a, s.magnitude);
}
template <int W, bool S, int W2, bool S2>
ap_int_base<W, S> operator>>(const ap_int_base<W, S> &a, const ap_int_base<W2, S2> &n) {
  vimq_hls_compat::ShiftAmount s = vimq_hls_compat::shiftAmount(n);
  return s.reverse ? vimq_hls_compat::shiftLeft(a, s.magnitude)
                   : vimq_hls_compat::shiftRight(a, s.magnitude);
}

#define VIMQ_HLS_COMPARE(OP)                                                                     \
  template <int W1, bool S1, int W2, bool S2>                                                    \
  bool operator OP(const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {                 \
    return vimq_hls_compat::compare(a, b) OP 0;                                                  \
  }
VIMQ_HLS_COMPARE(==)
VIMQ_HLS_COMPARE(!=)
VIMQ_HLS_COMPARE(<)
VIMQ_HLS_COMPARE(<=)
VIMQ_HLS_COMPARE(>)
VIMQ_HLS_COMPARE(>=)
#undef VIMQ_HLS_COMPARE

// A built-in integer operand stands for an ap_int_base of its type's width and signedness.
#define VIMQ_HLS_INT_BINOP(OP, KIND, C)                                                          \
  template <int W, bool S>                                                                       \
  typename vimq_hls_compat::RType<W, S, vimq_hls_compat::IntTraits<C>::width,                    \
                                  vimq_hls_compat::IntTraits<C>::isSigned>::KIND                 \
  operator OP(const ap_int_base<W, S> &a, C b) {                                                 \
    return a OP typename vimq_hls_compat::ApOf<C>::type(b);                                      \
  }                                                                                              \
  template <int W, bool S>                                                                       \
  typename vimq_hls_compat::RType<vimq_hls_compat::IntTraits<C>::width,                          \
                                  vimq_hls_compat::IntTraits<C>::isSigned, W, S>::KIND           \
  operator OP(C a, const ap_int_base<W, S> &b) {                                                 \
    return typename vimq_hls_compat::ApOf<C>::type(a) OP b;                                      \
  }
#define VIMQ_HLS_INT_SHIFT(OP, C)                                                                \
  template <int W, bool S> ap_int_base<W, S> operator OP(const ap_int_base<W, S> &a, C n) {      \
    return a OP typename vimq_hls_compat::ApOf<C>::type(n);                                      \
  }
#define VIMQ_HLS_INT_COMPARE(OP, C)                                                              \
  template <int W, bool S> bool operator OP(const ap_int_base<W, S> &a, C b) {                   \
    return vimq_hls_compat::compare(a, typename vimq_hls_compat::ApOf<C>::type(b)) OP 0;         \
  }                                                                                              \
  template <int W, bool S> bool operator OP(C a, const ap_int_base<W, S> &b) {                   \
    return vimq_hls_compat::compare(typename vimq_hls_compat::ApOf<C>::type(a), b) OP 0;         \
  }
#define VIMQ_HLS_INT_OPS(C)                                                                      \
  VIMQ_HLS_INT_BINOP(+, plus, C)                                                                 \
  VIMQ_HLS_INT_BINOP(-, minus, C)                                                                \
  VIMQ_HLS_INT_BINOP(*, mult, C)                                                                 \
  VIMQ_HLS_INT_BINOP(&, logic, C)                                                                \
  VIMQ_HLS_INT_BINOP(|, logic, C)                                                                \
  VIMQ_HLS_INT_BINOP(^, logic, C)                                                                \
  VIMQ_HLS_INT_SHIFT(<<, C)                                                                      \
  VIMQ_HLS_INT_SHIFT(>>, C)                                                                      \
  VIMQ_HLS_INT_COMPARE(==, C)                                                                    \
  VIMQ_HLS_INT_COMPARE(!=, C)                                                                    \
  VIMQ_HLS_INT_COMPARE(<, C)                                                                     \
  VIMQ_HLS_INT_COMPARE(<=, C)                                                                    \
  VIMQ_HLS_INT_COMPARE(>, C)                                                                     \
  VIMQ_HLS_INT_COMPARE(>=, C)
VIMQ_HLS_FOR_EACH_INT(VIMQ_HLS_INT_OPS)
#undef VIMQ_HLS_INT_OPS
#undef VIMQ_HLS_INT_COMPARE
#undef VIMQ_HLS_INT_SHIFT
#undef VIMQ_HLS_INT_BINOP

// --- the two names hw code uses -----------------------------------------------------------------

#define VIMQ_HLS_DERIVED_CTORS(NAME, SIGNED)                                                     \
  NAME() {}                                                                                      \
  template <int W2, bool S2> NAME(const ap_int_base<W2, S2> &x) : ap_int_base<W, SIGNED>(x) {}   \
  template <int W2, bool S2> NAME(const ap_bit_ref<W2, S2> &b) : ap_int_base<W, SIGNED>(b) {}    \
  template <int W2, bool S2> NAME(const ap_range_ref<W2, S2> &r) : ap_int_base<W, SIGNED>(r) {}

/// Signed W-bit integer.
template <int W> class ap_int : public ap_int_base<W, true> {
public:
  VIMQ_HLS_DERIVED_CTORS(ap_int, true)
#define VIMQ_HLS_CTOR(C)                                                                         \
  ap_int(C x) : ap_int_base<W, true>(x) {}
  VIMQ_HLS_FOR_EACH_INT(VIMQ_HLS_CTOR)
#undef VIMQ_HLS_CTOR
};

/// Unsigned W-bit integer.
template <int W> class ap_uint : public ap_int_base<W, false> {
public:
  VIMQ_HLS_DERIVED_CTORS(ap_uint, false)
#define VIMQ_HLS_CTOR(C)                                                                         \
  ap_uint(C x) : ap_int_base<W, false>(x) {}
  VIMQ_HLS_FOR_EACH_INT(VIMQ_HLS_CTOR)
#undef VIMQ_HLS_CTOR
};

#undef VIMQ_HLS_DERIVED_CTORS
#undef VIMQ_HLS_FOR_EACH_INT
