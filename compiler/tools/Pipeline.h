//===- Pipeline.h - the pass pipeline of the tools -------------------------------*- C++ -*-===//
//
// The part of vimq-compile and vimq-ref that is the same: register the passes and build the
// pipeline (the standard frontend one, or --pipeline=a,b,c) with the instrumentation flags
// checked against it, so that flag errors come before the (possibly slow) import.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/ir/IR.h"
#include "vimq/passes/PassManager.h"

#include "llvm/ADT/Optional.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace vimq::tools {

/// Registers every pass the tools know (generic and frontend). Idempotent.
void registerAllPasses();

/// Builds the pipeline: `passNames` if given (a custom --pipeline, possibly empty), else the
/// standard frontend pipeline. Checks the instrumentation's pass names against it.
llvm::Expected<std::unique_ptr<PassManager>>
buildPipeline(const Instrumentation &instr,
              const llvm::Optional<std::vector<std::string>> &passNames);

} // namespace vimq::tools
