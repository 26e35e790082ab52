//===- Pipeline.h - the pass pipeline of the tools -------------------------------*- C++ -*-===//
//
// The part of vimq-compile, vimq-ref and vimq-debug-compare that is the same: check --scheme
// and the quantization flags, register the passes and build the pipeline (the standard
// frontend one, or --pipeline=a,b,c, or with --scheme vimq quant::quantizeForVimq) with the
// instrumentation flags checked against it, so that flag errors come before the (possibly
// slow) import; then import the model and lower it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ReferenceIO.h"

#include "vimq/ir/IR.h"
#include "vimq/onnx/Importer.h"
#include "vimq/passes/PassManager.h"
#include "vimq/quant/Passes.h"

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace vimq::tools {

/// parseToolCommandLine for a tool that lowers a model: adds the quantization flags (which
/// modelPipelineFromCommandLine reads) to the tool's options first.
void parseModelToolCommandLine(int argc, char **argv, llvm::StringRef overview);

/// The positional MODEL.onnx of the tools (empty when none was given).
llvm::StringRef modelPath();

/// Registers every pass the tools know (generic and frontend). Idempotent.
void registerAllPasses();

/// Builds the pipeline: `passNames` if given (a custom --pipeline, possibly empty), else the
/// standard frontend pipeline. Checks the instrumentation's pass names against it.
llvm::Expected<std::unique_ptr<PassManager>>
buildPipeline(const Instrumentation &instr,
              const llvm::Optional<std::vector<std::string>> &passNames);

/// How a tool turns a model into the graph it works on: the FP32 frontend pipeline (or a
/// custom --pipeline), or with `vimq` the fixed frontend + ViM-Q pipeline of
/// quant::quantizeForVimq, the one call every tool makes so that all see the identical q graph.
struct ModelPipeline {
  /// --input-shape pins.
  ImportOptions import;
  /// --scheme vimq or fastmamba: quant::quantizeForVimq with quantOpts.
  bool quantized = false;
  quant::QuantOptions quantOpts;
  Instrumentation instr;
  llvm::Optional<std::vector<std::string>> passNames;
};

/// The pipeline the command line asks for: checks `scheme` (the tool's --scheme), rejects
/// --pipeline with --scheme vimq (with the tool's own `pipelineWithVimq` message) and parses
/// the quantization flags when they apply.
llvm::Expected<ModelPipeline> modelPipelineFromCommandLine(llvm::StringRef scheme,
                                                           llvm::StringRef pipelineWithVimq);

/// Called on the imported graph before it is lowered: checks that need only the model's
/// interface (a tool's inputs) fail there without paying for a pipeline run.
using AfterImport = llvm::function_ref<llvm::Error(const ir::Graph &)>;

/// Registers the passes, builds the FP32 pipeline (its flag errors come before the import),
/// imports `modelPath`, calls `afterImport` (if any), and runs the pipeline on the graph.
llvm::Expected<std::unique_ptr<ir::Graph>> importAndLower(llvm::StringRef modelPath,
                                                          const ModelPipeline &pipeline,
                                                          AfterImport afterImport = nullptr);

/// A lowered model and the tensors a tool runs it on.
struct LoweredModel {
  std::unique_ptr<ir::Graph> graph;
  NamedTensors inputs;
};

/// importAndLower for the tools that run the model: the --input arguments are loaded and
/// checked against the imported graph (loadInputs), before the pipeline, so that a wrong file
/// does not cost a full pipeline run to be reported.
llvm::Expected<LoweredModel> importAndLower(llvm::StringRef modelPath,
                                            const ModelPipeline &pipeline,
                                            llvm::ArrayRef<std::string> inputArgs);

} // namespace vimq::tools
