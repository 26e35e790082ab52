//===- HlsFreestanding.cpp - every supported HLS-types feature, compiled freestanding -------===//
//
// Not linked into anything: HlsFreestandingCheck.cmake compiles it with -std=c++14 -nostdinc++
// -fno-exceptions -fno-rtti -D__SYNTHESIS__ -DVIMQ_HLS_COMPAT and checks that the object needs
// no heap, no C++ runtime (__cxa_*) and no libc allocator, as synthesizable code must not.
// The functions take their operands as parameters so that nothing folds away.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/hw/Hls.h"

#if !VIMQ_HLS_USING_COMPAT
#error "this check is about the compat implementation (define VIMQ_HLS_COMPAT)"
#endif

typedef ap_uint<256> Instr;

long long arith(ap_int<8> a, ap_uint<8> b, ap_int<33> c, ap_uint<64> d, ap_int<100> e,
                ap_uint<127> f, int n, unsigned long long u) {
  ap_int<10> s = a + b;
  ap_int<10> t = a - b;
  ap_int<16> p = a * b;
  ap_int<9> l = (a & b) | (a ^ b);
  ap_int<41> q = c * a;
  ap_uint<65> w = d + d;
  ap_int<128> m = e * ap_int<28>(n);
  ap_uint<127> g = f >> 3;
  g <<= ap_uint<3>(2);
  g += f;
  g -= 1;
  g *= 3u;
  g &= f;
  g |= u;
  g ^= d;
  ap_int<100> h = -e;
  ap_int<100> k = ~e;
  ++h;
  --h;
  h++;
  h--;
  ap_int<33> r = c >> n;
  ap_int<33> v = c << b;
  ap_int<34> x = n + c;
  ap_int<65> y = u - c;
  bool cmp = (a < b) || (c >= n) || (d == u) || (e != f) || (f > e) || (h <= k) || !a;
  long long out = s.to_int() + t.to_int64() + p.to_long() + l.to_uint() + q.to_uint64() +
                  w.to_ulong() + m.to_int64() + g.to_int64() + r.to_int64() + v.to_int64() + x.to_int64() +
                  y.to_int64() + cmp;
  int viaImplicit = a; // W <= 64 converts implicitly
  return out + viaImplicit + (e.iszero() ? 1 : 0) + e.length();
}

unsigned long long bits(Instr &word, const Instr &cword, ap_uint<512> &wide, int i, bool b) {
  word[i] = b;
  word[i + 1] = word[i];
  word.set_bit(200, !word.get_bit(3));
  word.range(135, 120) = ap_uint<16>(i);
  word.range(70, 60) = -1;
  wide.range(511, 380) = word.range(131, 0);
  ap_uint<16> field = cword.range(135, 120);
  ap_uint<1> bit = word[7];
  ap_uint<8> low = word; // wraps to the low 8 bits
  unsigned long long lowBits = low; // W <= 64 converts implicitly
  return field.to_uint64() + bit.to_uint64() + lowBits + wide.range(450, 390).to_uint64() +
         cword.range(10, 0).length() + (word == cword) + (word < wide);
}

typedef hls::stream<ap_uint<256>, 4> InstrStream;

int streams(InstrStream &in, hls::stream<ap_int<24> > &out, hls::stream<int, 0> &plain) {
  int done = 0;
  while (!in.empty() && !out.full()) {
    Instr w = in.read();
    ap_int<24> v = w.range(23, 0);
    out.write(v);
    ++done;
  }
  Instr tmp;
  if (in.read_nb(tmp))
    ++done;
  in.read(tmp);
  in >> tmp;
  if (out.write_nb(ap_int<24>(-5)))
    ++done;
  out << ap_int<24>(7);
  plain.write(done);
  return done + int(plain.size()) + plain.read();
}

int localStreams(int n) {
  hls::stream<ap_uint<8>, 3> s("local");
  hls::stream<ap_uint<8> > d;
  s.write(ap_uint<8>(n));
  d.write(s.read());
  return d.read().to_int();
}
