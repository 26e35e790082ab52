//===- LinearEngine.h - LINEAR engine: APoT-4 shift-add and int8 DSP ----------------*- C++ -*-===//
//
// y[m][n] = sat32( RNE( sum_b acc[m][n][b] * wscale[n][b] * xabs[m] / 2^shift ) + bias[n] )
// with acc[m][n][b] = sum_{k in block b} x[m][k] * w[n][k] exact in int32, block b covering
// k in [b*block, min(K, (b+1)*block)). x is int8 (per-token absmax quantized: xabs[m] is the
// token's absmax in the producer's Q format; 1/127 is folded into wscale by the compiler).
// wscale is a uint16 mantissa per (row, block). The sum over blocks is exact (wide integer), so
// the order in which the hardware tile visits blocks does not matter.
//
// APoT-4 weight code: bit 3 = sign, bits 2..0 = magnitude index into
// {0, 16, 32, 48, 64, 96, 128, 160}; the product is formed with at most two shifts and one add.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

// C++14, STL-free: the synthesizable LINEAR module (hw/src/Linear.cpp) includes this header.
#include "vimq/hw/Numerics.h"

#include <stdint.h>

#ifndef __SYNTHESIS__
#include "vimq/hw/SimThreads.h"
#endif

namespace vimq {
namespace hw {

enum class WeightKind : uint8_t { Apot4 = 0, Int8 = 1 };

/// The APoT-4 levels as integers (for references and docs; the engine never multiplies by them).
constexpr int32_t kApot4Levels[8] = {0, 16, 32, 48, 64, 96, 128, 160};

// The shift-add LUT: per magnitude, the shift of each of the two terms and a mask that
// disables an absent term (all-ones or zero), so the datapath has no data-dependent branch.
constexpr uint8_t kApot4ShiftA[8] = {0, 4, 5, 5, 6, 6, 7, 7};
constexpr uint8_t kApot4ShiftB[8] = {0, 0, 0, 4, 0, 5, 0, 5};
constexpr int32_t kApot4MaskA[8] = {0, -1, -1, -1, -1, -1, -1, -1};
constexpr int32_t kApot4MaskB[8] = {0, 0, 0, -1, 0, -1, 0, -1};

/// x * level(code) through the shift-add LUT: the hardware's product for one APoT-4 weight.
constexpr int32_t apot4ShiftAdd(int8_t x, uint8_t code) {
  // x * 2^s instead of x << s keeps the shift of a negative value well defined in C++.
  return ((((int32_t(x) * (1 << kApot4ShiftA[code & 7])) & kApot4MaskA[code & 7]) +
           ((int32_t(x) * (1 << kApot4ShiftB[code & 7])) & kApot4MaskB[code & 7])) ^
          -int32_t((code >> 3) & 1)) +
         int32_t((code >> 3) & 1); // conditional negate: (s ^ -neg) + neg
}

/// Fused post-accumulation activation.
enum class Activation : uint8_t { None = 0, Silu = 1, Softplus = 2 };

struct LinearParams {
  int m = 0, k = 0, n = 0;
  WeightKind kind = WeightKind::Apot4;
  int block = 32;   ///< Dequantization block along K (> 0).
  int shift = 0;    ///< Total right shift of acc * wscale * xabs to the output Q format.
  int outFrac = 16; ///< Output Q format, used by the fused activation.
  Activation act = Activation::None;
};

/// x: [m][k] int8. w: [n][k] one code (APoT-4, low nibble) or int8 per byte. wscale:
/// [n][ceil(k/block)] uint16. xabs: [m] int32. bias: [n] int32 in the output format or null.
/// y: [m][n] int32.
void linearEngine(const LinearParams &p, const int8_t *x, const uint8_t *w, const uint16_t *wscale,
                  const int32_t *xabs, const int32_t *bias, int32_t *y);

/// The engine's loop exactly as synthesised (what linearEngine is in synthesis).
void linearEngineHls(const LinearParams &p, const int8_t *x, const uint8_t *w,
                     const uint16_t *wscale, const int32_t *xabs, const int32_t *bias, int32_t *y);

#ifndef __SYNTHESIS__
/// Simulation only: the same outputs, weight rows decoded once, columns split over the SimPool,
/// APoT-4 block 32 in AVX2 per `path`. Returns false, touching nothing, for k > 16384 or when
/// `path` is Vector and that form does not apply (format, block, CPU).
bool linearEngineSim(const LinearParams &p, const int8_t *x, const uint8_t *w,
                     const uint16_t *wscale, const int32_t *xabs, const int32_t *bias, int32_t *y,
                     SimPath path);
#endif

#ifndef __SYNTHESIS__
/// Simulation only: applyActivation with the exp/sigmoid ROMs (hw/sim/ExpPwlRom.h), the same
/// integers.
int32_t applyActivationRom(int32_t v, Activation act, int frac);
#endif

/// The fused activation in the output Q format (shared with the VECTOR unit).
inline int32_t applyActivation(int32_t v, Activation act, int frac) {
#ifndef __SYNTHESIS__
  return applyActivationRom(v, act, frac);
#else
  if (act == Activation::Silu)
    return siluPwl(v, frac);
  if (act == Activation::Softplus)
    return sat32ShiftRne(softplusPwl(sat32ShiftRne(v, frac - kExpInFrac)), kExpInFrac - frac);
  return v;
#endif
}

#ifndef __SYNTHESIS__
/// Simulation only: v[i] = applyActivation(v[i], act, frac) for count values, eight at a time
/// with AVX-512 when the CPU has it (the same integers).
void applyActivationSim(int32_t *v, int64_t count, Activation act, int frac);
#endif

} // namespace hw
} // namespace vimq
