//===- Report.h - per-op and per-layer profiles, the run report (JSON / HTML) -----*- C++ -*-===//
//
// vimq-run --profile prints the per-unit counters of the cycle model, and, when the device gave
// per-instruction timings (the sim does), the cycles by op and by layer: each instruction is
// charged to the q op whose instruction range (the bundle metadata's checkpoints) holds it;
// ops lowered together as one row chain share their range and are reported together.
// --report FILE.json|FILE.html writes all of it, with the engine utilization over time and,
// given reference outputs, the fidelity of the run against them, as one self-contained file.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Bundle.h"
#include "vimq/runtime/Device.h"
#include "vimq/support/Tensor.h"

#include "llvm/Support/Error.h"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace vimq::rt {

/// Units in Profile::units order as the sim reports them (fetch first).
inline constexpr unsigned kMaxReportUnits = 8;

/// The cycles of one op (or of one row chain) or of one layer.
struct OpCycles {
  std::string name;  ///< op name(s), or the layer
  std::string kind;  ///< q op kind(s), "" for a layer
  std::string layer; ///< layer the op belongs to (layerOf)
  unsigned instructions = 0;
  uint64_t firstCycle = UINT64_MAX, lastCycle = 0; ///< span from first start to last end
  std::array<uint64_t, kMaxReportUnits> busy{};    ///< busy cycles per unit (Profile order)
  uint64_t ddrBytes = 0;
  uint64_t busyTotal() const;
  uint64_t span() const { return lastCycle > firstCycle ? lastCycle - firstCycle : 0; }
};

/// The layer an op belongs to, from its ONNX node name: "layers.N" when a path component says
/// so (ViM: "/layers.3/mixer/...", Mamba2: "/backbone/layers.3/..."), else the first path
/// component other than "backbone" ("embedding", "norm_f", "lm_head", "patch_embed"), else
/// the name itself.
std::string layerOf(llvm::StringRef opName);

/// Per-op cycles of a run, in program order of their first instruction. Needs the bundle's
/// metadata (checkpoints) and the profile's per-instruction timings; instructions outside every
/// op's range (the program's final FINISH) are charged to "(program)".
llvm::Expected<std::vector<OpCycles>> cyclesByOp(const isa::Bundle &bundle, const Profile &p);
/// The ops summed per layer, in order of first appearance.
std::vector<OpCycles> cyclesByLayer(const std::vector<OpCycles> &ops);

/// One output against a reference: cosine over the flattened tensor, max |difference|, and
/// for rank ≥ 2 the share of rows (last axis) whose argmax agrees.
struct Fidelity {
  std::string output;
  double cosine = 0, maxAbsError = 0, top1Agreement = 0;
  int64_t rows = 0;
};
llvm::Expected<Fidelity> compareOutput(llvm::StringRef name, const Tensor &run,
                                       const Tensor &reference);

struct ReportInput {
  std::string bundlePath, device;
  const isa::Bundle *bundle = nullptr;
  const Profile *profile = nullptr;
  std::vector<OpCycles> ops, layers; ///< empty without per-instruction timings
  std::vector<Fidelity> fidelity;    ///< empty without a reference
};
std::string reportJson(const ReportInput &in);
/// One self-contained HTML page (inline CSS and SVG, no scripts or external resources).
std::string reportHtml(const ReportInput &in);

} // namespace vimq::rt
