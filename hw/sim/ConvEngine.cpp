//===- ConvEngine.cpp - the simulator's dense-array CONV engine -------------------------------===//
//
// convEngineHls runs the synthesizable lane loops (hw/src/ConvTile.h) on dense operands;
// convEngineSim is the simulation-only fast path (the same integers).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/ConvEngine.h"

#include "ConvTile.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/SimThreads.h"

#include <vector>

namespace vimq::hw {

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
  // Dense operands: x holds kernel-1 history rows, then the tile; 16 lanes, 16 weight banks.
  const int hist = p.kernel - 1;
  ConvOperands<uint16_t> op;
  op.x = x + int64_t(hist) * p.c;
  op.xPitch = uint64_t(p.c);
  op.y = y;
  op.yPitch = uint64_t(p.c);
  op.w = w;
  op.ws = scale;
  op.bias = bias;
  op.hist = const_cast<int32_t *>(x); // read only: histOut is false
  op.histIn = true;
  op.histOut = false;
  convTileEngine<16, 16>(p, op);
}

} // namespace vimq::hw
