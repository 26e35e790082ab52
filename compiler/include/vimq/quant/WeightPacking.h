//===- WeightPacking.h - APoT-4 / APoT-5 / int codes of weights ------------------*- C++ -*-===//
//
// The weight quantizers of ViM-Q, shared by quantize-weights and the tests. A packed weight is
// codes (one per byte) plus one real scale per block: w ≈ level(code) * scale.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/support/Tensor.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace vimq::quant {

/// APoT-4 magnitudes (code bits 2..0), docs/overlay.md LINEAR.
inline constexpr int32_t kAPoT4Levels[8] = {0, 16, 32, 48, 64, 96, 128, 160};
/// APoT-5 magnitudes (code bits 3..0): A[i>>2] + B[i&3], A = {0,32,64,128}, B = {0,4,8,16}.
inline constexpr int32_t kAPoT5Levels[16] = {0,  4,  8,  16,  32,  36,  40,  48,
                                             64, 68, 72, 80, 128, 132, 136, 144};

enum class CodeKind { APoT4, APoT5, Int4, Int8 };

/// Signed integer level of a code (the weight the engine multiplies by).
int32_t codeLevel(CodeKind kind, uint8_t code);
/// The largest level magnitude of a kind (160, 144, 7, 127).
int32_t maxLevel(CodeKind kind);

struct PackedWeight {
  Tensor codes;  ///< u8 [N, K] (APoT) or i8 [N, K] (int4 / int8 values)
  Tensor scales; ///< f64 [N, nb]: real scale per block, w ≈ level * scale
  int64_t block = 0;
};

/// Quantizes w [N, K] (f32) with one scale per (row, block of `block` along K): scale =
/// max|w_block| / maxLevel, code = nearest level (ties toward the smaller magnitude).
PackedWeight packWeight(const Tensor &w, CodeKind kind, int64_t block);
/// level * scale as f32 [N, K] (for the fake-quantized FP graph and tests).
Tensor dequantize(const PackedWeight &p, CodeKind kind);

} // namespace vimq::quant
