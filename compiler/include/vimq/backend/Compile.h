//===- Compile.h - the backend pipeline: q graph → .vimq bundle ----------------------*- C++ -*-===//
//
// lowerGraph (tiling, DDR planning, instruction selection) → scheduleTokens → buildBundle, with
// the compile metadata (model, target, scheme, op counts, tiling, checkpoints for the debug
// mode) as JSON. Deterministic: the same graph and target give the same bytes.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/backend/Lowering.h"

namespace vimq::backend {

struct CompileOptions {
  std::string model;  ///< model name for the metadata
  std::string scheme; ///< quantization scheme for the metadata
  ScheduleOptions schedule;
  LowerOptions lower;
};

struct Compiled {
  Lowered lowered;
  ScheduleStats schedule;
  isa::Bundle bundle;
};

llvm::Expected<Compiled> compileGraph(const ir::Graph &g, const TargetInfo &target,
                                      const CompileOptions &opts);

/// --emit=tiled: one line per op with its tiling, then the DDR plan.
void printTiling(const Lowered &l, llvm::raw_ostream &os);

} // namespace vimq::backend
