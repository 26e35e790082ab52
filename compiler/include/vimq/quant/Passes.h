//===- Passes.h - the ViM-Q quantization passes and their pipeline ---------------*- C++ -*-===//
//
// After the frontend pipeline (lifted FP32 ops), buildVimqPipeline adds, in order:
//   calibrate -> smooth (also updates the ranges it changes) -> quantize-weights
//   -> lower-to-fixed-point -> fuse-q-ops
// leaving a graph of q ops only (QOpDefs.def, docs/numerics.md). quantizeForVimq() is the one
// driver both vimq-compile and vimq-ref call, so both see the identical quantized graph.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/passes/Pass.h"
#include "vimq/passes/PassManager.h"

#include <cstdint>
#include <memory>
#include <string>

namespace vimq::quant {

/// Weight quantizer of the linears (ablation switch).
enum class LinearWeightScheme {
  APoT4,      ///< the ViM-Q scheme: 4-bit additive powers of two, scale per block of 32
  UniformInt4 ///< ablation: uniform symmetric int4 levels [-7, 7] per block (run as int8 codes)
};

struct QuantOptions {
  /// Folder of calibration .npy files (one sample batch per file, one-input models); empty:
  /// `calibSynthetic` seeded N(0, 1) batches.
  std::string calibDir;
  unsigned calibSynthetic = 4;
  uint64_t calibSeed = 0x5eed;
  /// SmoothQuant migration strength; `smooth = false` disables the pass (ablation).
  double smoothAlpha = 0.5;
  bool smooth = true;
  LinearWeightScheme weights = LinearWeightScheme::APoT4;
  /// Ablation: one static per-tensor activation scale from calibration instead of the
  /// per-token dynamic absmax. Golden model only: the overlay's quantizer is always dynamic,
  /// so the backend rejects such a graph.
  bool staticActivationScales = false;
  /// Pad the low-rank dt projection (dt_rank) to a multiple of this (the engine tile).
  int64_t dtRankTile = 16;
};

std::unique_ptr<Pass> createCalibratePass(const QuantOptions &opts);
std::unique_ptr<Pass> createSmoothPass(const QuantOptions &opts);
std::unique_ptr<Pass> createQuantizeWeightsPass(const QuantOptions &opts);
std::unique_ptr<Pass> createLowerToFixedPointPass(const QuantOptions &opts);
std::unique_ptr<Pass> createFuseQOpsPass();

/// Registers the passes above (default options) under their names for --pipeline.
void registerQuantPasses();
/// Appends the ViM-Q passes (see the file comment) to `pm`.
void buildVimqPipeline(PassManager &pm, const QuantOptions &opts);

} // namespace vimq::quant
