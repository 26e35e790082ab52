//===- ConvEngine.cpp - CONV engine ----------------------------------------------------------===//

#include "vimq/hw/ConvEngine.h"

#include "vimq/hw/Numerics.h"

#ifndef __SYNTHESIS__
#include "vimq/hw/SimThreads.h"

#include <vector>
#endif

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

#ifndef __SYNTHESIS__
// Simulation only: apot5ShiftAdd(x, code) is x times the signed level (two shifts and an add of
// x are x * (2^a + 2^b) exactly), so the sim decodes each weight once to that integer and forms
// the exact 64-bit sums with multiplies, channels innermost (contiguous, vectorisable). With
// |acc| < 4 * 2^31 * 144 < 2^41 and scale < 2^16 the scaled product fits 64 bits, so shiftRne
// takes its 64-bit form for the usual shifts. Bit-identical to the loop below.
bool convEngineSim(const ConvParams &p, const int32_t *x, const uint8_t *w, const uint16_t *scale,
                   const int32_t *bias, int32_t *y) {
  if (p.shift <= 0 || p.shift > 62 || p.kernel < 1 || p.kernel > kMaxConvKernel || p.l <= 0 ||
      p.c <= 0)
    return false;
  std::vector<int64_t> wv(size_t(p.kernel) * p.c); // [j][c]
  for (int c = 0; c < p.c; ++c)
    for (int j = 0; j < p.kernel; ++j) {
      const uint8_t code = w[c * p.kernel + j];
      wv[size_t(j) * p.c + c] = p.kind == ConvWeightKind::Apot5 ? apot5ShiftAdd(1, code)
                                                                : int64_t(static_cast<int8_t>(code));
    }
  // Token rows are independent given x: split over the SimPool (a part gets >= ~8k outputs).
  const int64_t minRows = p.c >= 8192 ? 1 : 8192 / p.c;
  SimPool::get().parallelFor(p.l, minRows, [&](int64_t t0, int64_t t1) {
    std::vector<int64_t> acc(p.c);
    for (int64_t t = t0; t < t1; ++t) {
      for (int c = 0; c < p.c; ++c)
        acc[c] = 0;
      for (int j = 0; j < p.kernel; ++j) {
        const int32_t *xr = x + (t + j) * p.c;
        const int64_t *wr = wv.data() + size_t(j) * p.c;
        for (int c = 0; c < p.c; ++c)
          acc[c] += int64_t(xr[c]) * wr[c];
      }
      int32_t *yr = y + t * p.c;
      for (int c = 0; c < p.c; ++c) {
        int64_t v = shiftRne64(acc[c] * scale[c], p.shift);
        if (bias)
          v += bias[c];
        yr[c] = sat32From64(v);
      }
      applyActivationSim(yr, p.c, p.act, p.outFrac);
    }
  });
  return true;
}
#endif

void convEngine(const ConvParams &p, const int32_t *x, const uint8_t *w, const uint16_t *scale,
                const int32_t *bias, int32_t *y) {
#ifndef __SYNTHESIS__
  if (convEngineSim(p, x, w, scale, bias, y))
    return;
#endif
  convEngineHls(p, x, w, scale, bias, y);
}

void convEngineHls(const ConvParams &p, const int32_t *x, const uint8_t *w, const uint16_t *scale,
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
