//===- ConvEngine.h - CONV engine: causal depthwise conv1d --------------------------*- C++ -*-===//
//
// y[t][c] = act( sat32( RNE( acc[t][c] * scale[c] / 2^shift ) + bias[c] ) ),
// acc[t][c] = sum_{j<K} w[c][j] * x[t + j][c]   (exact, 64-bit)
// where x holds K-1 history rows followed by the L new tokens (x row t+K-1 is token t), so a
// tile of tokens carries its causal history from the previous tile; the first tile's history is
// zeros. K <= 4. x is int32 from the vec buffer (in ViM-Q, int8 values with one per-tensor scale
// folded into scale[c] together with the weight scale).
//
// APoT-5 weight code: bit 4 = sign, bits 3..0 = magnitude index i, level = A[i >> 2] + B[i & 3]
// with A = {0, 32, 64, 128}, B = {0, 4, 8, 16}: at most two shifts and one add.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

// C++14, STL-free: the synthesizable CONV module (hw/src/Conv.cpp) includes this header.
#include "vimq/hw/LinearEngine.h"

#include <stdint.h>

namespace vimq {
namespace hw {

enum class ConvWeightKind : uint8_t { Apot5 = 0, Int8 = 1 };

constexpr int kMaxConvKernel = 4;

constexpr uint8_t kApot5ShiftA[4] = {0, 5, 6, 7}; // 0 = term absent
constexpr uint8_t kApot5ShiftB[4] = {0, 2, 3, 4};

/// x * level(code) through the shift-add LUT.
constexpr int64_t apot5ShiftAdd(int32_t x, uint8_t code) {
  return ((code & 16) ? -1 : 1) *
         ((kApot5ShiftA[(code >> 2) & 3] ? int64_t(x) * (int64_t(1) << kApot5ShiftA[(code >> 2) & 3])
                                         : 0) +
          (kApot5ShiftB[code & 3] ? int64_t(x) * (int64_t(1) << kApot5ShiftB[code & 3]) : 0));
}
/// The integer level of an APoT-5 magnitude index (for references and docs).
constexpr int32_t apot5Level(uint8_t magnitude) { return int32_t(apot5ShiftAdd(1, magnitude & 15)); }

struct ConvParams {
  int l = 0, c = 0, kernel = 4;
  ConvWeightKind kind = ConvWeightKind::Apot5;
  int shift = 0;
  int outFrac = 16;
  Activation act = Activation::Silu;
};

/// x: [l + kernel - 1][c] int32. w: [c][kernel] codes or int8. scale: [c] uint16.
/// bias: [c] int32 or null. y: [l][c] int32.
void convEngine(const ConvParams &p, const int32_t *x, const uint8_t *w, const uint16_t *scale,
                const int32_t *bias, int32_t *y);
/// The engine's loop exactly as synthesised (what convEngine is in synthesis).
void convEngineHls(const ConvParams &p, const int32_t *x, const uint8_t *w, const uint16_t *scale,
                   const int32_t *bias, int32_t *y);
#ifndef __SYNTHESIS__
/// Simulation only: the same outputs from decoded weights in 64-bit arithmetic; false, touching
/// nothing, when the shift leaves shiftRne's 64-bit form.
bool convEngineSim(const ConvParams &p, const int32_t *x, const uint8_t *w, const uint16_t *scale,
                   const int32_t *bias, int32_t *y);
#endif

} // namespace hw
} // namespace vimq
