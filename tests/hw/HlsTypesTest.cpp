//===- HlsTypesTest.cpp - ap_int/ap_uint/hls::stream against reference arithmetic ------------===//
//
// Every operator of the supported subset (vimq/hw/Hls.h) against unsigned __int128 arithmetic
// with an explicit wrap, on edge and seeded random values, over the widths the overlay uses and
// their neighbours; the result-width rules; bits and ranges of 256/512-bit words against
// std::bitset; the stream's FIFO behaviour. With Vitis HLS installed the same tests run against
// Vitis's headers, except the compat-only parts.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/hw/Hls.h"

#include <gtest/gtest.h>

#include <bitset>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

namespace {

using U128 = unsigned __int128;
using I128 = __int128;

template <int W, bool S> using Ap = std::conditional_t<S, ap_int<W>, ap_uint<W>>;

/// x's low w bits, extended to 128 bits as a w-bit signed (s) or unsigned value.
U128 wrapTo(U128 x, int w, bool s) {
  if (w >= 128)
    return x;
  int sh = 128 - w;
  return s ? U128(I128(x << sh) >> sh) : (x << sh) >> sh;
}

template <int W, bool S> U128 bitsOf(const ap_int_base<W, S> &x) {
  U128 r = 0;
  for (int i = 0; i < W && i < 128; ++i)
    if (x.get_bit(i))
      r |= U128(1) << i;
  return wrapTo(r, W, S);
}

template <int W, bool S> Ap<W, S> make(U128 bits) {
  Ap<W, S> x;
  for (int i = 0; i < W && i < 128; ++i)
    x.set_bit(i, (bits >> i) & 1);
  return x;
}

std::string hex(U128 x) {
  char buf[40];
  snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)(x >> 64),
           (unsigned long long)x);
  return buf;
}

/// Edge values of a W-bit type, then random ones (as 128-bit extensions).
std::vector<U128> samples(int w, bool s, std::mt19937_64 &rng, int randomCount) {
  U128 one = 1;
  U128 top = one << (w - 1);
  std::vector<U128> v = {0, 1, ~U128(0), top, top - 1, top + 1, ~U128(0) << (w - 1), 2, 3};
  for (int i = 0; i < randomCount; ++i) {
    U128 r = (U128(rng()) << 64) | rng();
    // Small magnitudes too, where carries and sign changes are likely.
    if (i % 3 == 1)
      r = U128(I128(int64_t(rng()) >> (rng() % 64)));
    v.push_back(r);
  }
  for (U128 &x : v)
    x = wrapTo(x, w, s);
  return v;
}

bool isNegative(U128 v, bool s) { return s && I128(v) < 0; }

/// Mathematical a < b of two extended values.
bool mathLess(U128 a, bool sa, U128 b, bool sb) {
  bool na = isNegative(a, sa), nb = isNegative(b, sb);
  if (na != nb)
    return na;
  return na ? I128(a) < I128(b) : a < b;
}

constexpr int plusWidth(int w1, bool s1, int w2, bool s2) {
  return std::max(w1 + (s2 && !s1), w2 + (s1 && !s2)) + 1;
}
constexpr int logicWidth(int w1, bool s1, int w2, bool s2) {
  return std::max(w1 + (s2 && !s1), w2 + (s1 && !s2));
}

#define EXPECT_TYPE(expr, W, S)                                                                  \
  do {                                                                                           \
    static_assert(std::is_same_v<std::decay_t<decltype(expr)>, ap_int_base<(W), (S)>>);           \
  } while (0)

/// got == want, both 128-bit extensions (formatted only on failure: the loops are long).
#define EXPECT_BITS(got, want)                                                                   \
  do {                                                                                           \
    U128 got_ = (got), want_ = (want);                                                           \
    EXPECT_TRUE(got_ == want_) << #got << ": " << hex(got_) << " != " << hex(want_);             \
  } while (0)

template <typename R> void expectBits(const R &r, U128 want, const char *what, U128 a, U128 b) {
  U128 got = bitsOf(r);
  EXPECT_TRUE(got == want) << what << " a=" << hex(a) << " b=" << hex(b) << ": " << hex(got)
                           << " != " << hex(want);
}

/// Every binary operator, compound assignment and conversion between two ap types.
template <int W1, bool S1, int W2, bool S2> void checkPair(uint64_t seed) {
  SCOPED_TRACE(testing::Message() << (S1 ? "ap_int<" : "ap_uint<") << W1 << "> op "
                                  << (S2 ? "ap_int<" : "ap_uint<") << W2 << ">");
  std::mt19937_64 rng(seed * 1000003 + W1 * 131 + W2 * 7 + S1 * 2 + S2);
  std::vector<U128> as = samples(W1, S1, rng, 12), bs = samples(W2, S2, rng, 12);
  constexpr int PW = plusWidth(W1, S1, W2, S2), LW = logicWidth(W1, S1, W2, S2);
  constexpr int MW = W1 + W2;
  for (U128 va : as) {
    for (U128 vb : bs) {
      const Ap<W1, S1> a = make<W1, S1>(va);
      const Ap<W2, S2> b = make<W2, S2>(vb);
      ASSERT_TRUE(bitsOf(a) == va) << hex(va);
      if constexpr (PW <= 128) {
        EXPECT_TYPE(a + b, PW, S1 || S2);
        EXPECT_TYPE(a - b, PW, true);
        expectBits(a + b, wrapTo(va + vb, PW, S1 || S2), "+", va, vb);
        expectBits(a - b, wrapTo(va - vb, PW, true), "-", va, vb);
      }
      if constexpr (MW <= 128) {
        EXPECT_TYPE(a * b, MW, S1 || S2);
        expectBits(a * b, wrapTo(va * vb, MW, S1 || S2), "*", va, vb);
      }
      if constexpr (LW <= 128) {
        EXPECT_TYPE(a & b, LW, S1 || S2);
        expectBits(a & b, wrapTo(va & vb, LW, S1 || S2), "&", va, vb);
        expectBits(a | b, wrapTo(va | vb, LW, S1 || S2), "|", va, vb);
        expectBits(a ^ b, wrapTo(va ^ vb, LW, S1 || S2), "^", va, vb);
      }

      // Comparisons: C's rule (both to the common width; signed if both are, or the signed one
      // is strictly wider), which is the mathematical order in the cases Hls.h allows.
      constexpr int M = std::max(W1, W2);
      constexpr bool cs = (S1 && S2) || (S1 && W1 > W2) || (S2 && W2 > W1);
      U128 ca = wrapTo(va, M, cs), cb = wrapTo(vb, M, cs);
      bool less = cs ? I128(ca) < I128(cb) : ca < cb;
      EXPECT_EQ(a == b, ca == cb) << hex(va) << " " << hex(vb);
      EXPECT_EQ(a != b, ca != cb);
      EXPECT_EQ(a < b, less) << hex(va) << " " << hex(vb);
      EXPECT_EQ(a >= b, !less);
      EXPECT_EQ(b > a, less);
      EXPECT_EQ(b <= a, !less);
      bool allowed = S1 == S2 || (S1 && W1 > W2) || (S2 && W2 > W1) ||
                     (!isNegative(va, S1) && !isNegative(vb, S2));
      if (allowed) {
        EXPECT_EQ(a < b, mathLess(va, S1, vb, S2));
        EXPECT_EQ(a == b, va == vb && isNegative(va, S1) == isNegative(vb, S2));
      }

      // Conversion between the widths: extend per the source, wrap to the destination.
      Ap<W2, S2> conv = a;
      EXPECT_BITS(bitsOf(conv), wrapTo(va, W2, S2));
      Ap<W2, S2> assigned;
      assigned = a;
      EXPECT_BITS(bitsOf(assigned), wrapTo(va, W2, S2));

      // Compound assignments work modulo 2^W1 whatever b's width.
      if constexpr (W1 <= 128) {
        Ap<W1, S1> c = a;
        c += b;
        EXPECT_BITS(bitsOf(c), wrapTo(va + vb, W1, S1));
        c = a;
        c -= b;
        EXPECT_BITS(bitsOf(c), wrapTo(va - vb, W1, S1));
        c = a;
        c *= b;
        EXPECT_BITS(bitsOf(c), wrapTo(va * vb, W1, S1));
        c = a;
        c &= b;
        EXPECT_BITS(bitsOf(c), wrapTo(va & vb, W1, S1));
        c = a;
        c |= b;
        EXPECT_BITS(bitsOf(c), wrapTo(va | vb, W1, S1));
        c = a;
        c ^= b;
        EXPECT_BITS(bitsOf(c), wrapTo(va ^ vb, W1, S1));
      }
    }
  }
}

/// Operators with a built-in integer operand: it counts as an ap of its type's width/sign.
template <int W, bool S, typename C> void checkBuiltin(uint64_t seed) {
  constexpr int CW = std::is_same_v<C, bool> ? 1 : int(sizeof(C) * 8);
  constexpr bool CS = std::is_signed_v<C>;
  SCOPED_TRACE(testing::Message() << (S ? "ap_int<" : "ap_uint<") << W << "> with a " << CW
                                  << (CS ? "-bit signed" : "-bit unsigned") << " built-in");
  std::mt19937_64 rng(seed + W * 17 + S + CW * 3 + CS);
  std::vector<U128> as = samples(W, S, rng, 10), cs = samples(CW, CS, rng, 10);
  constexpr int PW = plusWidth(W, S, CW, CS), LW = logicWidth(W, S, CW, CS), MW = W + CW;
  for (U128 va : as) {
    for (U128 vc : cs) {
      const Ap<W, S> a = make<W, S>(va);
      const C c = C(vc);
      if constexpr (PW <= 128) {
        EXPECT_TYPE(a + c, PW, S || CS);
        EXPECT_TYPE(c + a, PW, S || CS);
        expectBits(a + c, wrapTo(va + vc, PW, S || CS), "a+c", va, vc);
        expectBits(c + a, wrapTo(va + vc, PW, S || CS), "c+a", va, vc);
        expectBits(a - c, wrapTo(va - vc, PW, true), "a-c", va, vc);
        expectBits(c - a, wrapTo(vc - va, PW, true), "c-a", va, vc);
      }
      if constexpr (MW <= 128) {
        expectBits(a * c, wrapTo(va * vc, MW, S || CS), "a*c", va, vc);
        expectBits(c * a, wrapTo(va * vc, MW, S || CS), "c*a", va, vc);
      }
      if constexpr (LW <= 128) {
        EXPECT_TYPE(a & c, LW, S || CS);
        expectBits(a & c, wrapTo(va & vc, LW, S || CS), "a&c", va, vc);
        expectBits(c | a, wrapTo(va | vc, LW, S || CS), "c|a", va, vc);
        expectBits(a ^ c, wrapTo(va ^ vc, LW, S || CS), "a^c", va, vc);
      }
      constexpr int M = std::max(W, CW);
      constexpr bool sg = (S && CS) || (S && W > CW) || (CS && CW > W);
      U128 ca = wrapTo(va, M, sg), cc = wrapTo(vc, M, sg);
      bool less = sg ? I128(ca) < I128(cc) : ca < cc;
      EXPECT_EQ(a < c, less);
      EXPECT_EQ(c > a, less);
      EXPECT_EQ(a >= c, !less);
      EXPECT_EQ(c <= a, !less);
      EXPECT_EQ(a == c, ca == cc);
      EXPECT_EQ(c != a, ca != cc);

      Ap<W, S> fromC = c;
      EXPECT_BITS(bitsOf(fromC), wrapTo(vc, W, S));
      if constexpr (W <= 128) {
        Ap<W, S> x = a;
        x += c;
        EXPECT_BITS(bitsOf(x), wrapTo(va + vc, W, S));
        x = a;
        x -= c;
        EXPECT_BITS(bitsOf(x), wrapTo(va - vc, W, S));
        x = a;
        x *= c;
        EXPECT_BITS(bitsOf(x), wrapTo(va * vc, W, S));
        x = a;
        x ^= c;
        EXPECT_BITS(bitsOf(x), wrapTo(va ^ vc, W, S));
      }
    }
  }
}

/// Unary operators, shifts, ++/--, the C conversions.
template <int W, bool S> void checkUnary(uint64_t seed) {
  SCOPED_TRACE(testing::Message() << (S ? "ap_int<" : "ap_uint<") << W << ">");
  std::mt19937_64 rng(seed + W * 5 + S);
  for (U128 va : samples(W, S, rng, 40)) {
    const Ap<W, S> a = make<W, S>(va);
    EXPECT_EQ(a.length(), W);
    EXPECT_EQ(a.iszero(), va == 0);
    EXPECT_EQ(!a, va == 0);

    constexpr int NW = std::max(W, 1 + S) + 1;
    if constexpr (NW <= 128) {
      EXPECT_TYPE(-a, NW, true);
      expectBits(-a, wrapTo(U128(0) - va, NW, true), "unary -", va, 0);
    }
    EXPECT_TYPE(~a, W, S);
    expectBits(~a, wrapTo(~va, W, S), "~", va, 0);

    for (int n = 0; n < W; ++n) {
      U128 right = S ? U128(I128(va) >> n) : va >> n;
      EXPECT_TYPE(a << n, W, S);
      expectBits(a << n, wrapTo(va << n, W, S), "<<", va, n);
      expectBits(a >> n, wrapTo(right, W, S), ">>", va, n);
      expectBits(a << ap_uint<8>(n), wrapTo(va << n, W, S), "<< ap", va, n);
      expectBits(a >> ap_uint<8>(n), wrapTo(right, W, S), ">> ap", va, n);
      expectBits(a << (unsigned long long)n, wrapTo(va << n, W, S), "<< ull", va, n);
      // A negative signed amount shifts the other way (as in Vitis).
      expectBits(a >> -n, wrapTo(va << n, W, S), ">> -n", va, n);
      expectBits(a << ap_int<8>(-n), wrapTo(right, W, S), "<< -n", va, n);
      Ap<W, S> c = a;
      c <<= n;
      EXPECT_BITS(bitsOf(c), wrapTo(va << n, W, S));
      c = a;
      c >>= ap_uint<7>(n);
      EXPECT_BITS(bitsOf(c), wrapTo(right, W, S));
    }

    Ap<W, S> c = a;
    EXPECT_BITS(bitsOf(++c), wrapTo(va + 1, W, S));
    EXPECT_BITS(bitsOf(c--), wrapTo(va + 1, W, S));
    EXPECT_BITS(bitsOf(c), va);
    EXPECT_BITS(bitsOf(--c), wrapTo(va - 1, W, S));
    EXPECT_BITS(bitsOf(c++), wrapTo(va - 1, W, S));
    EXPECT_BITS(bitsOf(c), va);

    uint64_t low = uint64_t(va);
    EXPECT_EQ(a.to_uint64(), low);
    EXPECT_EQ(a.to_int64(), int64_t(low));
    EXPECT_EQ(a.to_int(), int32_t(low));
    EXPECT_EQ(a.to_uint(), uint32_t(low));
    EXPECT_EQ(a.to_long(), long(low));
    EXPECT_EQ(a.to_ulong(), (unsigned long)(low));
    if constexpr (W <= 64) {
      // Implicit conversion to a built-in: the value itself.
      long long viaImplicit = a;
      unsigned long long viaImplicitU = a;
      EXPECT_EQ(viaImplicit, (long long)low);
      EXPECT_EQ(viaImplicitU, low);
      int asIndex = 0;
      if (!S && W <= 8)
        asIndex = std::vector<int>(256, 7)[a];
      EXPECT_EQ(asIndex, !S && W <= 8 ? 7 : 0);
    }
  }
}

template <int W, bool S> void checkWidth(uint64_t seed) {
  checkUnary<W, S>(seed);
  // Partners: the same width both ways, and a narrow, a mid and a two-limb width.
  checkPair<W, S, W, S>(seed);
  checkPair<W, S, W, !S>(seed);
  checkPair<W, S, 8, true>(seed);
  checkPair<W, S, 33, false>(seed);
  checkPair<W, S, 65, true>(seed);
  checkBuiltin<W, S, bool>(seed);
  checkBuiltin<W, S, signed char>(seed);
  checkBuiltin<W, S, int>(seed);
  checkBuiltin<W, S, unsigned>(seed);
  checkBuiltin<W, S, long long>(seed);
  checkBuiltin<W, S, unsigned long long>(seed);
}

template <int... Ws> void checkWidths(uint64_t seed) {
  (checkWidth<Ws, true>(seed), ...);
  (checkWidth<Ws, false>(seed), ...);
}

TEST(HlsTypes, ArithmeticNarrow) { checkWidths<1, 2, 7, 8, 9, 16>(1); }
TEST(HlsTypes, ArithmeticWord) { checkWidths<31, 32, 33, 47, 48>(2); }
TEST(HlsTypes, ArithmeticDouble) { checkWidths<63, 64, 65, 80>(3); }
TEST(HlsTypes, ArithmeticWide) { checkWidths<96, 127, 128>(4); }

TEST(HlsTypes, ResultWidthsSpelledOut) {
  ap_int<8> s8 = -3;
  ap_uint<8> u8 = 250;
  ap_uint<64> u64 = ~0ull;
  EXPECT_TYPE(s8 + s8, 9, true);
  EXPECT_TYPE(u8 + u8, 9, false);
  EXPECT_TYPE(s8 + u8, 10, true); // the unsigned operand gains a sign bit
  EXPECT_TYPE(u8 - u8, 9, true);  // minus is always signed
  EXPECT_TYPE(s8 * u8, 16, true);
  EXPECT_TYPE(u8 & s8, 9, true);
  EXPECT_TYPE(u8 + 1, 33, true);  // 1 is ap_int<32>
  EXPECT_TYPE(u8 + 1u, 33, false);
  EXPECT_TYPE(u64 * u64, 128, false);
  EXPECT_TYPE(u64 << 3, 64, false);
  EXPECT_TYPE(-u8, 9, true);
  EXPECT_TYPE(-ap_int<1>(-1), 3, true);
  EXPECT_EQ((s8 + u8).length(), 10);
  EXPECT_EQ(decltype(s8 * u8)::width, 16);
  ap_int<10> sum = s8 + u8;
  EXPECT_EQ(sum.to_int(), 247);
  ap_uint<128> sq = u64 * u64; // (2^64-1)^2 = 2^128 - 2^65 + 1
  EXPECT_EQ(sq.range(63, 0).to_uint64(), 1u);
  EXPECT_EQ(sq.range(127, 64).to_uint64(), ~0ull - 1);
}

TEST(HlsTypes, WrapOnConstructionAndAssignment) {
  ap_uint<4> a = 0x1F;
  EXPECT_EQ(a.to_int(), 0xF);
  ap_int<4> b = 8;
  EXPECT_EQ(b.to_int(), -8);
  b = 0x17;
  EXPECT_EQ(b.to_int(), 7);
  ap_uint<100> c = -1; // sign-extended first, then wrapped
  EXPECT_EQ(c.range(99, 36).to_uint64(), ~0ull);
  EXPECT_FALSE(c.get_bit(100));
  ap_uint<100> d = 0xFFFFFFFFu; // unsigned source: zero-extended
  EXPECT_EQ(d.range(99, 32).to_uint64(), 0u);
  ap_int<70> e = ap_int<8>(-2);
  EXPECT_TRUE(e < 0);
  EXPECT_EQ(e.to_int64(), -2);
  ap_int<70> f = ap_uint<8>(254);
  EXPECT_EQ(f.to_int64(), 254);
  ap_uint<1> g = true;
  EXPECT_EQ(g.to_int(), 1);
  ap_int<1> h = 1;
  EXPECT_EQ(h.to_int(), -1);
}

TEST(HlsTypes, ImplicitConversionTypes) {
  ap_uint<8> a = 200;
  int i = a;
  EXPECT_EQ(i, 200);
  ap_int<8> b = -1;
  unsigned u = b; // through signed char, as C
  EXPECT_EQ(u, 0xFFFFFFFFu);
  ap_uint<40> c = 0xFFFFFFFFFFull;
  unsigned long long big = c;
  EXPECT_EQ(big, 0xFFFFFFFFFFull);
  int arr[4] = {10, 11, 12, 13};
  ap_uint<2> idx = 3;
  EXPECT_EQ(arr[idx], 13);
  static_assert(!std::is_convertible_v<ap_uint<65>, unsigned long long>,
                "no implicit conversion above 64 bits");
  static_assert(std::is_convertible_v<ap_uint<64>, unsigned long long>);
}

// --- bits and ranges of wide words ----------------------------------------------------------------

template <int W> std::bitset<W> refOf(const ap_uint<W> &x) {
  std::bitset<W> r;
  for (int i = 0; i < W; ++i)
    r[i] = x[i];
  return r;
}

template <int W> void checkWideBits(uint64_t seed) {
  SCOPED_TRACE(testing::Message() << "ap_uint<" << W << ">");
  std::mt19937_64 rng(seed);
  std::bitset<W> ref;
  ap_uint<W> x;
  EXPECT_TRUE(x.iszero());
  EXPECT_EQ(x.length(), W);
  for (int i = 0; i < W; ++i) {
    bool b = rng() & 1;
    ref[i] = b;
    x[i] = b;
  }
  ASSERT_EQ(refOf(x), ref);
  const ap_uint<W> cx = x; // read through the const overloads below
  const std::bitset<W> cref = ref;
  for (int i = 0; i < W; ++i) {
    ASSERT_EQ(bool(x[i]), bool(ref[i]));
    ASSERT_EQ(cx[i], bool(cref[i]));
    ASSERT_EQ(x.get_bit(i), bool(ref[i]));
  }

  // Bit writes: set_bit, x[i] = bool, x[i] = x[j] (copies the value, not the reference).
  for (int k = 0; k < 200; ++k) {
    int i = rng() % W, j = rng() % W;
    bool b = rng() & 1;
    switch (k % 3) {
    case 0:
      x.set_bit(i, b);
      ref[i] = b;
      break;
    case 1:
      x[i] = b;
      ref[i] = b;
      break;
    default:
      x[i] = x[j];
      ref[i] = bool(ref[j]);
    }
    ASSERT_EQ(refOf(x), ref) << k;
  }

  // Range reads and writes, with edges on and around the 64-bit limb boundaries.
  std::vector<int> edges = {0, 1, 62, 63, 64, 65, 127, 128, 129, 191, 192, W - 2, W - 1};
  std::vector<std::pair<int, int>> ranges;
  for (int lo : edges)
    for (int hi : edges)
      if (lo <= hi && hi < W)
        ranges.push_back({hi, lo});
  for (int k = 0; k < 300; ++k) {
    int a = rng() % W, b = rng() % W;
    ranges.push_back({std::max(a, b), std::min(a, b)});
  }
  for (auto [hi, lo] : ranges) {
    SCOPED_TRACE(testing::Message() << "range(" << hi << ", " << lo << ")");
    int len = hi - lo + 1;
    EXPECT_EQ(x.range(hi, lo).length(), len);
    std::bitset<W> want = (ref >> lo);
    if (len < W)
      want &= (std::bitset<W>().set() >> (W - len));
    ap_uint<W> got = x.range(hi, lo);
    ASSERT_EQ(refOf(got), want);
    std::bitset<W> wantConst = (cref >> lo);
    if (len < W)
      wantConst &= (std::bitset<W>().set() >> (W - len));
    ap_uint<W> gotConst = cx.range(hi, lo);
    EXPECT_EQ(refOf(gotConst), wantConst) << "range() of a const word";
    uint64_t low = 0;
    for (int i = 0; i < 64 && i < len; ++i)
      low |= uint64_t(ref[lo + i]) << i;
    EXPECT_EQ(x.range(hi, lo).to_uint64(), low);
    ap_uint<64> narrow = x.range(hi, lo);
    EXPECT_EQ(narrow.to_uint64(), low);

    // Write a random wide value: only its low len bits land, the rest of x is untouched.
    ap_uint<W> v;
    std::bitset<W> vref;
    for (int i = 0; i < W; ++i) {
      bool bit = rng() & 1;
      v[i] = bit;
      vref[i] = bit;
    }
    x.range(hi, lo) = v;
    for (int i = 0; i < len; ++i)
      ref[lo + i] = vref[i];
    ASSERT_EQ(refOf(x), ref);

    // A 64-bit built-in value and a negative int (sign-extended, then cut to len bits).
    uint64_t u = rng();
    x.range(hi, lo) = u;
    for (int i = 0; i < len; ++i)
      ref[lo + i] = i < 64 ? (u >> i) & 1 : 0;
    ASSERT_EQ(refOf(x), ref);
    x.range(hi, lo) = -1;
    for (int i = 0; i < len; ++i)
      ref[lo + i] = 1;
    ASSERT_EQ(refOf(x), ref);
  }

  // Range to range (another word), and equality at full width.
  ap_uint<W> y;
  y.range(W - 1, W / 2) = x.range(W / 2 - 1, 0);
  y.range(W / 2 - 1, 0) = x.range(W - 1, W / 2);
  std::bitset<W> yref = (ref << (W / 2)) | (ref >> (W / 2));
  EXPECT_EQ(refOf(y), yref);
  ap_uint<W> x2 = x;
  EXPECT_TRUE(x2 == x);
  x2[W - 1] = !x2[W - 1];
  EXPECT_TRUE(x2 != x);
  EXPECT_EQ(x2 < x, bool(ref[W - 1]));
}

TEST(HlsTypes, WideBitsAndRanges256) { checkWideBits<256>(11); }
TEST(HlsTypes, WideBitsAndRanges512) { checkWideBits<512>(12); }

TEST(HlsTypes, RangeOnSignedRewritesTheSign) {
  ap_int<200> x = 5;
  x.range(199, 190) = 0x3FF; // covers the sign bit
  EXPECT_TRUE(x < 0);
  ap_int<256> wide = x; // sign-extended
  EXPECT_TRUE(wide.get_bit(255));
  EXPECT_EQ(wide.range(255, 190).to_uint64(), ~0ull);
  EXPECT_EQ(wide.range(189, 0).to_uint64(), 5u);
  x.range(199, 199) = 0;
  EXPECT_TRUE(x > 0);
  ap_int<8> s = 0;
  s[7] = 1;
  EXPECT_EQ(s.to_int(), -128);
  s.range(7, 4) = 0x7;
  EXPECT_EQ(s.to_int(), 0x70);
  EXPECT_EQ(s.range(7, 4).to_int(), 7); // a range reads unsigned
}

TEST(HlsTypes, BitAndRangeConversions) {
  ap_uint<256> w = 0;
  w.range(135, 128) = 0xA5;
  ap_uint<8> field = w.range(135, 128);
  EXPECT_EQ(field.to_uint(), 0xA5u);
  ap_uint<1> b = w[128];
  EXPECT_EQ(b.to_int(), 1);
  ap_int<4> nib = w.range(131, 128); // 0x5
  EXPECT_EQ(nib.to_int(), 5);
  ap_int<3> sn = w.range(130, 128); // 0b101 -> -3 after wrap into a signed 3-bit
  EXPECT_EQ(sn.to_int(), -3);
  bool bit = w[130];
  EXPECT_TRUE(bit);
}

// --- streams -------------------------------------------------------------------------------------

TEST(HlsStream, FifoOrderAndCapacity) {
  hls::stream<ap_uint<256>, 4> s("instr");
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.full());
  // Many laps of the ring buffer, with the fill level varying.
  uint64_t next = 0, expect = 0;
  std::mt19937_64 rng(3);
  for (int k = 0; k < 500; ++k) {
    if (rng() % 2 && !s.full()) {
      ap_uint<256> w = 0;
      w.range(255, 192) = next;
      w.range(63, 0) = ~next;
      s.write(w);
      ++next;
    } else if (!s.empty()) {
      ap_uint<256> w = s.read();
      EXPECT_EQ(w.range(255, 192).to_uint64(), expect);
      EXPECT_EQ(w.range(63, 0).to_uint64(), ~expect);
      ++expect;
    }
    EXPECT_EQ(s.size(), unsigned(next - expect));
    EXPECT_EQ(s.full(), next - expect == 4);
    EXPECT_EQ(s.empty(), next == expect);
  }
  EXPECT_GT(next, 100u);
}

TEST(HlsStream, NonBlockingAndOperators) {
  hls::stream<int, 3> s;
  EXPECT_TRUE(s.write_nb(1));
  s << 2;
  s.write(3);
  EXPECT_TRUE(s.full());
  EXPECT_FALSE(s.write_nb(4));
  int v = 0;
  EXPECT_TRUE(s.read_nb(v));
  EXPECT_EQ(v, 1);
  s >> v;
  EXPECT_EQ(v, 2);
  s.read(v);
  EXPECT_EQ(v, 3);
  EXPECT_FALSE(s.read_nb(v));
  EXPECT_EQ(v, 3) << "a failed read_nb leaves its argument alone";
  static_assert(!std::is_copy_constructible_v<hls::stream<int, 3>>);
  static_assert(!std::is_copy_assignable_v<hls::stream<int, 3>>);
}

#if VIMQ_HLS_USING_COMPAT
TEST(HlsStream, CompatDefaultDepthAndFlags) {
  hls::stream<ap_int<24>> d;
  EXPECT_EQ(d.capacity(), 2u);
  EXPECT_EQ((hls::stream<int, 0>::capacity()), 2u);
  EXPECT_EQ((hls::stream<int, 5>::capacity()), 5u);
  d.write(ap_int<24>(-7));
  d.write(ap_int<24>(9));
  EXPECT_TRUE(d.full());
  EXPECT_FALSE(d.overflowed());
  EXPECT_FALSE(d.write_nb(ap_int<24>(1)));
  EXPECT_FALSE(d.overflowed()) << "write_nb reports through its result, not the flag";
  d.write(ap_int<24>(11)); // dropped
  EXPECT_TRUE(d.overflowed());
  EXPECT_EQ(d.read().to_int(), -7);
  EXPECT_EQ(d.read().to_int(), 9);
  EXPECT_FALSE(d.underflowed());
  ap_int<24> v = 3;
  EXPECT_FALSE(d.read_nb(v));
  EXPECT_FALSE(d.underflowed());
  EXPECT_EQ(d.read().to_int(), 0); // value-initialized
  EXPECT_TRUE(d.underflowed());
  d.write(ap_int<24>(1));
  EXPECT_EQ(d.read().to_int(), 1);
  EXPECT_TRUE(d.underflowed() && d.overflowed()) << "the flags are sticky";

  hls::stream<int, 1> named("acc_out");
  EXPECT_STREQ(named.compat_name(), "acc_out");
  EXPECT_STREQ(d.compat_name(), "");
}

TEST(HlsTypes, CompatOutOfRangeBitsAndShiftsDoNotCrash) {
  ap_uint<70> x = 0;
  x.set_bit(70, true);
  x.set_bit(-1, true);
  x[200] = true;
  EXPECT_TRUE(x.iszero());
  EXPECT_FALSE(x.get_bit(70));
  x = ~ap_uint<70>(0);
  EXPECT_EQ(x.range(3, 5).to_uint64(), 0u);  // hi < lo
  EXPECT_EQ(x.range(70, 0).to_uint64(), 0u); // past the top
  x.range(80, 75) = 0;                       // ignored
  EXPECT_EQ(x.range(69, 6).to_uint64(), ~0ull);
  ap_int<70> s = -4;
  EXPECT_EQ((s >> 200).to_int64(), -1);
  EXPECT_EQ((s << 70).to_int64(), 0);
  EXPECT_EQ((ap_uint<8>(255) >> 8).to_int(), 0);
}
#endif

} // namespace
