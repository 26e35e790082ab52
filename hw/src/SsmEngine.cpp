//===- SsmEngine.cpp - SSM engine ------------------------------------------------------------===//
//
// Tokens are sequential (the recurrence); the n loop is the lane loop, unrolled by the target's
// ssm_lanes in hardware, with the state array partitioned along n so every lane owns a bank.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/SsmEngine.h"

#include "vimq/hw/Numerics.h"

#ifndef __SYNTHESIS__
#include "ExpPwlRom.h"
#endif

namespace vimq::hw {

// The lane's products fit 64 bits (decay <= 2^15 times a 32-bit state; two 32-bit operands),
// so for the usual shifts the lane stays in 64-bit arithmetic; any other shift takes the wide
// path. Both give the same value (hardware sizes these multipliers the same way).
int32_t ssmLaneUpdate(int32_t h, int32_t decayQ15, int32_t xdt, int32_t b, int fracB) {
  const int64_t kept = shiftRne64(int64_t(decayQ15) * h, kExpOutFrac);
  const int64_t prod = int64_t(xdt) * b;
  // |kept| <= 2^31 and |RNE(prod / 2^fracB)| <= 2^61 for fracB >= 1: the sum fits 64 bits.
  if (fracB > 0 && fracB <= 62)
    return sat32From64(kept + shiftRne64(prod, fracB));
  return sat32(static_cast<i128>(kept) + shiftRne(prod, fracB));
}

// The exp unit. Simulation only: the same function read from a ROM filled by expPwl itself
// (ExpPwlRom.h), bit-identical by construction; synthesis keeps the segment datapath.
#ifndef __SYNTHESIS__
static constexpr ExpPwlRom kExpRom = makeExpPwlRom();
static inline int32_t expUnit(int32_t x) { return expPwlRom(kExpRom, x); }
static inline int32_t siluUnit(int32_t x, int frac) { return siluRom(x, frac); }
#else
static inline int32_t expUnit(int32_t x) { return expPwl(x); }
static inline int32_t siluUnit(int32_t x, int frac) { return siluPwl(x, frac); }
#endif

static int32_t decayOf(int32_t delta, int32_t a, const SsmFormats &f) {
  const int s = f.delta + f.a - kExpInFrac;
  const int64_t prod = int64_t(delta) * a;
  const int32_t arg = s > 0 && s <= 62 ? sat32From64(shiftRne64(prod, s)) : sat32(shiftRne(prod, s));
  return expUnit(arg);
}

static int32_t finishOutput(i128 yacc, int32_t u, const int32_t *dskip, int dIdx, const int32_t *z,
                            int zIdx, const SsmFormats &f) {
  i128 y = shiftRne(yacc, f.state + f.c - f.out);
  if (dskip)
    y += shiftRne(static_cast<i128>(dskip[dIdx]) * u, f.d + f.u - f.out);
  int32_t v = sat32(y);
  if (z)
    v = sat32(shiftRne(static_cast<i128>(v) * siluUnit(z[zIdx], f.z), f.z));
  return v;
}

void selectiveScan(const SelectiveScanParams &p, const int32_t *u, const int32_t *delta,
                   const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                   const int32_t *z, int32_t *state, int32_t *y) {
  const SsmFormats &f = p.f;
  for (int t = 0; t < p.l; ++t) {
    for (int d = 0; d < p.d; ++d) {
      const int32_t uv = u[t * p.d + d], dv = delta[t * p.d + d];
      const int32_t xdt = sat32(shiftRne(static_cast<i128>(dv) * uv, f.delta + f.u - f.state));
      // The exact sum of the 64-bit products, kept as a high and a low part (product =
      // (product >> 32) * 2^32 + (product & (2^32 - 1))); each part is exact in 64 bits for
      // fewer than 2^31 lanes, and yacc = hi * 2^32 + lo is the same wide integer.
      int64_t yhi = 0, ylo = 0;
      for (int n = 0; n < p.n; ++n) {
#pragma HLS UNROLL factor = kSsmLanes
        int32_t &h = state[d * p.n + n];
        h = ssmLaneUpdate(h, decayOf(dv, a[d * p.n + n], f), xdt, b[t * p.n + n], f.b);
        const int64_t prod = int64_t(h) * c[t * p.n + n]; // a 32x32 product is exact in 64 bits
        yhi += prod >> 32;
        ylo += prod & 0xffffffff;
      }
      const i128 yacc = static_cast<i128>(yhi) * (i128(1) << 32) + ylo;
      y[t * p.d + d] = finishOutput(yacc, uv, dskip, d, z, t * p.d + d, f);
    }
  }
}

void ssdScan(const SsdScanParams &p, const int32_t *x, const int32_t *dt, const int32_t *a,
             const int32_t *b, const int32_t *c, const int32_t *dskip, const int32_t *z,
             int32_t *state, int32_t *y) {
  const SsmFormats &f = p.f;
  const int headsPerGroup = p.h / p.g;
  for (int t = 0; t < p.l; ++t) {
    for (int hd = 0; hd < p.h; ++hd) {
      const int32_t dtv = dt[t * p.h + hd];
      const int32_t decay = decayOf(dtv, a[hd], f); // scalar per (token, head)
      const int grp = hd / headsPerGroup;
      const int32_t *bt = b + (t * p.g + grp) * p.n;
      const int32_t *ct = c + (t * p.g + grp) * p.n;
      for (int pp = 0; pp < p.p; ++pp) {
        const int idx = (t * p.h + hd) * p.p + pp;
        const int32_t xdt =
            sat32(shiftRne(static_cast<i128>(dtv) * x[idx], f.delta + f.u - f.state));
        int32_t *s = state + (hd * p.p + pp) * p.n;
        i128 yacc = 0;
        for (int n = 0; n < p.n; ++n) {
#pragma HLS UNROLL factor = kSsmLanes
          s[n] = ssmLaneUpdate(s[n], decay, xdt, bt[n], f.b);
          yacc += int64_t(s[n]) * ct[n];
        }
        y[idx] = finishOutput(yacc, x[idx], dskip, hd, z, idx, f);
      }
    }
  }
}

} // namespace vimq::hw
