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
#include <string>
#include <vector>

namespace vimq {

class PassManager;

/// A graph input's shape given by the user (--input-shape NAME=D0xD1x...): fixes its dynamic
/// dimensions; its static ones must agree.
struct InputShape {
  std::string name;
  std::vector<int64_t> dims;
};

struct ImportOptions {
  /// Run onnx::checker (full check) before anything else.
  bool check = true;
  /// Sizes for dynamic input dimensions, written into the model before checking and shape
  /// inference; each symbol replaced is bound wherever else it appears.
  std::vector<InputShape> inputShapes;
};

/// Parses "NAME=D0xD1x..." (positive sizes; a scalar input is "NAME=").
llvm::Expected<InputShape> parseInputShape(llvm::StringRef text);

llvm::Expected<std::unique_ptr<ir::Graph>> importOnnxFile(llvm::StringRef path,
                                                          const ImportOptions &opts = {});
/// Reads a serialized onnx.TensorProto (.pb, as in libonnx-testdata's test_data_set_*).
llvm::Expected<Tensor> readTensorProtoFile(llvm::StringRef path);

/// Registers the frontend passes (fold-constants, lift-*, canonicalization) with the registry.
void registerFrontendPasses();
/// Adds the standard frontend pipeline: shape/constant folding, then lifting, then cleanup.
void buildFrontendPipeline(PassManager &pm);

} // namespace vimq
