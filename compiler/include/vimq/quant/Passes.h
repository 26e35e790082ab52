//===- Passes.h - the quantization passes (ViM-Q, FastMamba) and their pipeline --*- C++ -*-===//
//
// After the frontend pipeline (lifted FP32 ops), buildQuantPipeline adds, in order:
//   calibrate -> smooth (ViM-Q; updates the ranges it changes) -> quantize-weights
//   -> lower-to-fixed-point -> fuse-q-ops
// leaving a graph of q ops only (QOpDefs.def, docs/numerics.md). Both schemes apply to both
// model families (ViM and Mamba2); they differ in how linears are quantized (QuantOptions).
// quantizeForVimq() is the one driver vimq-compile, vimq-ref and vimq-debug-compare call, so
// all see the identical quantized graph.
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

/// The quantization scheme (DESIGN §5, docs/numerics.md).
enum class Scheme {
  ViMQ,     ///< smoothing, APoT-4 weights per block of 32, per-token int8 activations
  FastMamba ///< Hadamard-rotated int8 weights and activations, power-of-two conv scales
};

/// How FastMamba quantizes a linear (the ablations of the paper's Table).
enum class LinearRotation {
  Hadamard,   ///< W·H offline, x·H online (VECTOR fwht) before the int8 quantizer
  None,       ///< naive W8A8
  SmoothQuant ///< W8A8 after SmoothQuant smoothing (no rotation)
};

struct QuantOptions {
  Scheme scheme = Scheme::ViMQ;
  /// FastMamba's linears; ignored by ViM-Q.
  LinearRotation rotation = LinearRotation::Hadamard;
  /// Folder of calibration .npy files (one sample batch per file, one-input models); empty:
  /// `calibSynthetic` seeded N(0, 1) batches.
  std::string calibDir;
  unsigned calibSynthetic = 4;
  uint64_t calibSeed = 0x5eed;
  /// SmoothQuant migration strength; `smooth = false` disables the pass (ablation). FastMamba
  /// smooths only with LinearRotation::SmoothQuant (smoothingEnabled()).
  double smoothAlpha = 0.5;
  bool smooth = true;
  /// Whether the smooth pass runs for this scheme.
  bool smoothingEnabled() const {
    return scheme == Scheme::ViMQ ? smooth : rotation == LinearRotation::SmoothQuant;
  }
  LinearWeightScheme weights = LinearWeightScheme::APoT4;
  /// Ablation: one static per-tensor activation scale from calibration instead of the
  /// per-token dynamic absmax. Golden model only: the overlay's quantizer is always dynamic,
  /// so the backend rejects such a graph.
  bool staticActivationScales = false;
  /// Ablation: the scans' exp exactly rounded (host exp) instead of FastMamba's PWL unit.
  /// Golden model only, like staticActivationScales (the SSM engine has the PWL unit only).
  bool exactExp = false;
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
/// Appends the quantization passes of `opts.scheme` (see the file comment) to `pm`.
void buildQuantPipeline(PassManager &pm, const QuantOptions &opts);
/// "vimq" or "fastmamba".
llvm::StringRef schemeName(Scheme s);

} // namespace vimq::quant
