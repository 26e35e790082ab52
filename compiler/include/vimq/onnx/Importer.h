//===- Importer.h - ONNX model -> graph IR ---------------------------------------*- C++ -*-===//
//
// importOnnx: parse (external data resolved relative to the model's folder and never outside
// it), onnx::checker, shape inference, topological order, conversion of every node into an
// "onnx.<OpType>" op (or "vimq.<Name>" for the ai.vimq domain), initializers as constants.
// Lifting into the compiler's ops is done afterwards by the frontend passes
// (buildFrontendPipeline).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/ir/IR.h"
#include "vimq/support/Tensor.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace vimq {

class PassManager;

struct ImportOptions {
  /// Run onnx::checker (full check) before anything else.
  bool check = true;
};

llvm::Expected<std::unique_ptr<ir::Graph>> importOnnxFile(llvm::StringRef path,
                                                          const ImportOptions &opts = {});
/// Reads a serialized onnx.TensorProto (.pb, as in libonnx-testdata's test_data_set_*).
llvm::Expected<Tensor> readTensorProtoFile(llvm::StringRef path);

/// Registers the frontend passes (fold-constants, lift-*, canonicalization) with the registry.
void registerFrontendPasses();
/// Adds the standard frontend pipeline: shape/constant folding, then lifting, then cleanup.
void buildFrontendPipeline(PassManager &pm);

} // namespace vimq
