//===- ConvEngine.cpp - CONV engine ----------------------------------------------------------===//

#include "vimq/hw/ConvEngine.h"

#include "vimq/hw/Numerics.h"

namespace vimq::hw {

static constexpr uint8_t kShiftA[4] = {0, 5, 6, 7}; // 0 = term absent
static constexpr uint8_t kShiftB[4] = {0, 2, 3, 4};

int32_t apot5Level(uint8_t magnitude) {
  int32_t a = kShiftA[(magnitude >> 2) & 3] ? 1 << kShiftA[(magnitude >> 2) & 3] : 0;
  int32_t b = kShiftB[magnitude & 3] ? 1 << kShiftB[magnitude & 3] : 0;
  return a + b;
}

int64_t apot5ShiftAdd(int32_t x, uint8_t code) {
  const uint8_t ia = (code >> 2) & 3, ib = code & 3;
  int64_t xv = x;
  int64_t s = (kShiftA[ia] ? xv * (int64_t(1) << kShiftA[ia]) : 0) +
              (kShiftB[ib] ? xv * (int64_t(1) << kShiftB[ib]) : 0);
  return (code & 16) ? -s : s;
}

void convEngine(const ConvParams &p, const int32_t *x, const uint8_t *w, const uint16_t *scale,
                const int32_t *bias, int32_t *y) {
  for (int t = 0; t < p.l; ++t) {
    for (int c = 0; c < p.c; ++c) {
#pragma HLS PIPELINE II = 1
      int64_t acc = 0;
      for (int j = 0; j < p.kernel; ++j) {
        const int32_t xv = x[(t + j) * p.c + c];
        const uint8_t wv = w[c * p.kernel + j];
        acc += p.kind == ConvWeightKind::Apot5 ? apot5ShiftAdd(xv, wv)
                                               : int64_t(xv) * static_cast<int8_t>(wv);
      }
      i128 v = shiftRne(static_cast<i128>(acc) * scale[c], p.shift);
      if (bias)
        v += bias[c];
      y[t * p.c + c] = applyActivation(sat32(v), p.act, p.outFrac);
    }
  }
}

} // namespace vimq::hw
