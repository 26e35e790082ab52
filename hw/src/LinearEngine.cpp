//===- LinearEngine.cpp - LINEAR engine ------------------------------------------------------===//
//
// Written as it is synthesised: the k loop of one output element is the pipelined inner loop;
// in hardware a linear_rows x linear_cols tile of (m, n) pairs runs in parallel, which does not
// change the result because every sum is exact.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/LinearEngine.h"

#include "vimq/hw/Numerics.h"

#ifndef __SYNTHESIS__
#include "ExpPwlRom.h"
#endif

namespace vimq::hw {

// The shift-add LUT: per magnitude, the shift of each of the two terms and a mask that
// disables an absent term (all-ones or zero), so the datapath has no data-dependent branch.
static constexpr uint8_t kShiftA[8] = {0, 4, 5, 5, 6, 6, 7, 7};
static constexpr uint8_t kShiftB[8] = {0, 0, 0, 4, 0, 5, 0, 5};
static constexpr int32_t kMaskA[8] = {0, -1, -1, -1, -1, -1, -1, -1};
static constexpr int32_t kMaskB[8] = {0, 0, 0, -1, 0, -1, 0, -1};

static constexpr int32_t apot4ShiftAddImpl(int8_t x, uint8_t code) {
  const uint8_t mag = code & 7;
  const int32_t xv = x;
  // x * 2^s instead of x << s keeps the shift of a negative value well defined in C++.
  const int32_t s =
      ((xv * (1 << kShiftA[mag])) & kMaskA[mag]) + ((xv * (1 << kShiftB[mag])) & kMaskB[mag]);
  const int32_t neg = -int32_t((code >> 3) & 1); // all-ones when the sign bit is set
  return (s ^ neg) - neg;                        // conditional negate
}

int32_t apot4ShiftAdd(int8_t x, uint8_t code) { return apot4ShiftAddImpl(x, code); }

int32_t applyActivation(int32_t v, Activation act, int frac) {
  switch (act) {
  case Activation::None:
    return v;
  case Activation::Silu:
#ifndef __SYNTHESIS__
    return siluRom(v, frac); // simulation only: siluPwl with the sigmoid ROM (ExpPwlRom.h)
#else
    return siluPwl(v, frac);
#endif
  case Activation::Softplus: {
    int32_t q12 = sat32(shiftRne(v, frac - kExpInFrac));
    return sat32(shiftRne(softplusPwl(q12), kExpInFrac - frac));
  }
  }
  return v;
}

// One block's exact int32 dot product; the weight format is a template parameter so that each
// format is its own pipelined loop (two datapaths in hardware, no per-element select).
template <WeightKind Kind> static int32_t blockDot(const int8_t *x, const uint8_t *w, int len) {
  int32_t acc = 0;
  for (int k = 0; k < len; ++k) {
#pragma HLS PIPELINE II = 1
    if constexpr (Kind == WeightKind::Apot4)
      acc += apot4ShiftAdd(x[k], w[k]);
    else
      acc += int32_t(x[k]) * int32_t(static_cast<int8_t>(w[k]));
  }
  return acc;
}

#ifndef __SYNTHESIS__
//===-- Simulation-only APoT-4 fast path -----------------------------------------------------===//
//
// Every APoT-4 level is 16 times a small integer, so apot4ShiftAdd(x, code) == 16 * x * L[code & 15]
// with L below (checked exhaustively at compile time over all 256 x and 256 codes). The sim
// decodes a weight row to L once and reuses it for all m rows (n-outer loop order; every output is
// independent), so the block dot product is an int8 x int8 loop that vectorises.
// 16 * sum(x * L) == sum(16 * x * L) exactly: |sum| <= block * 127 * 160 < 2^31 (block <= 2^16).
// The synthesised engine is the shift-add loop above; this changes no bit.
static constexpr int8_t kApot4Sixteenths[16] = {0, 1, 2, 3, 4, 6, 8, 10, 0, -1, -2, -3, -4, -6, -8, -10};

static constexpr bool apot4SixteenthsExact() {
  for (int x = -128; x <= 127; ++x)
    for (int code = 0; code < 256; ++code)
      if (apot4ShiftAddImpl(int8_t(x), uint8_t(code)) != 16 * x * kApot4Sixteenths[code & 15])
        return false;
  return true;
}
static_assert(apot4SixteenthsExact(), "APoT-4 levels are 16 * kApot4Sixteenths");

static constexpr int kFastMaxK = 16384; // longer rows take the shift-add path

static int32_t dotI8(const int8_t *x, const int8_t *w, int len) {
  int32_t acc = 0;
  for (int k = 0; k < len; ++k)
    acc += int32_t(x[k]) * int32_t(w[k]);
  return acc;
}

static void linearApot4Fast(const LinearParams &p, const int8_t *x, const uint8_t *w,
                            const uint16_t *wscale, const int32_t *xabs, const int32_t *bias,
                            int32_t *y) {
  const int nblocks = (p.k + p.block - 1) / p.block;
  int8_t lv[kFastMaxK];
  for (int n = 0; n < p.n; ++n) {
    const uint8_t *wr = w + n * p.k;
    for (int k = 0; k < p.k; ++k)
      lv[k] = kApot4Sixteenths[wr[k] & 15];
    for (int m = 0; m < p.m; ++m) {
      i128 total = 0;
      for (int b = 0; b < nblocks; ++b) {
        const int k0 = b * p.block;
        const int len = (k0 + p.block < p.k ? k0 + p.block : p.k) - k0;
        const int32_t acc = 16 * dotI8(x + m * p.k + k0, lv + k0, len);
        total += int64_t(acc) * wscale[n * nblocks + b]; // int32 x uint16: exact in 64 bits
      }
      i128 v = shiftRne(total * xabs[m], p.shift);
      if (bias)
        v += bias[n];
      y[m * p.n + n] = applyActivation(sat32(v), p.act, p.outFrac);
    }
  }
}
#endif

void linearEngine(const LinearParams &p, const int8_t *x, const uint8_t *w, const uint16_t *wscale,
                  const int32_t *xabs, const int32_t *bias, int32_t *y) {
#ifndef __SYNTHESIS__
  if (p.kind == WeightKind::Apot4 && p.k <= kFastMaxK)
    return linearApot4Fast(p, x, w, wscale, xabs, bias, y);
#endif
  const int nblocks = (p.k + p.block - 1) / p.block;
  for (int m = 0; m < p.m; ++m) {
    for (int n = 0; n < p.n; ++n) {
      i128 total = 0;
      for (int b = 0; b < nblocks; ++b) {
        const int k0 = b * p.block;
        const int len = (k0 + p.block < p.k ? k0 + p.block : p.k) - k0;
        const int8_t *xb = x + m * p.k + k0;
        const uint8_t *wb = w + n * p.k + k0;
        const int32_t acc = p.kind == WeightKind::Apot4 ? blockDot<WeightKind::Apot4>(xb, wb, len)
                                                        : blockDot<WeightKind::Int8>(xb, wb, len);
        total += static_cast<i128>(acc) * wscale[n * nblocks + b];
      }
      i128 v = shiftRne(total * xabs[m], p.shift);
      if (bias)
        v += bias[n];
      y[m * p.n + n] = applyActivation(sat32(v), p.act, p.outFrac);
    }
  }
}

} // namespace vimq::hw
