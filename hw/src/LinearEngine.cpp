//===- LinearEngine.cpp - LINEAR engine ------------------------------------------------------===//
//
// Written as it is synthesised: the k loop of one output element is the pipelined inner loop;
// in hardware a linear_rows x linear_cols tile of (m, n) pairs runs in parallel, which does not
// change the result because every sum is exact.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/LinearEngine.h"

#include "vimq/hw/Numerics.h"

namespace vimq::hw {

// Shift amounts of the two terms of each magnitude (0 = term absent; the LUT in hardware).
static constexpr uint8_t kTermA[8] = {0, 4, 5, 5, 6, 6, 7, 7};
static constexpr uint8_t kTermB[8] = {0, 0, 0, 4, 0, 5, 0, 5};

int32_t apot4ShiftAdd(int8_t x, uint8_t code) {
  uint8_t mag = code & 7;
  int32_t xv = x;
  // Shifts of the sign-extended activation; multiplying by 2^s keeps it well defined for x < 0.
  int32_t a = kTermA[mag] ? xv * (1 << kTermA[mag]) : 0;
  int32_t b = kTermB[mag] ? xv * (1 << kTermB[mag]) : 0;
  int32_t s = a + b;
  return (code & 8) ? -s : s;
}

int32_t applyActivation(int32_t v, Activation act, int frac) {
  switch (act) {
  case Activation::None:
    return v;
  case Activation::Silu:
    return siluPwl(v, frac);
  case Activation::Softplus: {
    int32_t q12 = sat32(shiftRne(v, frac - kExpInFrac));
    return sat32(shiftRne(softplusPwl(q12), kExpInFrac - frac));
  }
  }
  return v;
}

void linearEngine(const LinearParams &p, const int8_t *x, const uint8_t *w,
                  const uint16_t *wscale, const int32_t *xabs, const int32_t *bias, int32_t *y) {
  const int nblocks = (p.k + p.block - 1) / p.block;
  for (int m = 0; m < p.m; ++m) {
    for (int n = 0; n < p.n; ++n) {
      i128 total = 0;
      for (int b = 0; b < nblocks; ++b) {
        int32_t acc = 0;
        const int kEnd = (b + 1) * p.block < p.k ? (b + 1) * p.block : p.k;
        for (int k = b * p.block; k < kEnd; ++k) {
#pragma HLS PIPELINE II = 1
          const int8_t xv = x[m * p.k + k];
          const uint8_t wv = w[n * p.k + k];
          acc += p.kind == WeightKind::Apot4 ? apot4ShiftAdd(xv, wv)
                                             : int32_t(xv) * int32_t(static_cast<int8_t>(wv));
        }
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
