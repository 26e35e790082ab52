//===- ReferenceIO.h - inputs and outputs of the reference runner ----------------*- C++ -*-===//
//
// vimq-ref's contract is "validate everything, then write": these functions check the --input
// arguments against the model (names, dtypes, shapes) and the --output folder before anything
// runs, and write the outputs so that a failure leaves no file of this run behind.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/interp/Interpreter.h"
#include "vimq/ir/IR.h"
#include "vimq/support/Tensor.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace vimq::tools {

/// The interpreter's own map type, so that loaded inputs feed it directly.
using NamedTensors = interp::NamedTensors;

/// One --input argument: "NAME=FILE", or a bare "FILE" (name left empty).
struct InputSpec {
  std::string name, file;
};
/// Splits at the '=' after which the prefix names an input of the model (input names and file
/// names may both contain '='); failing that, at the first '='.
InputSpec parseInputSpec(llvm::StringRef arg, llvm::ArrayRef<std::string> inputNames);

/// Checks the --input arguments against the inputs of `g` (known names, no duplicates, none
/// missing; a bare FILE only for a one-input model), then reads every file and checks its dtype
/// and shape. Returns the tensors in the model's input order.
llvm::Expected<NamedTensors> loadInputs(const ir::Graph &g, llvm::ArrayRef<std::string> args);

/// File stems for the output names, in order: characters outside [A-Za-z0-9._-] become '_', no
/// leading '.', at most 200 bytes, and unique even on case-insensitive file systems ("_2"...).
std::vector<std::string> outputFileStems(llvm::ArrayRef<std::string> names);

/// Writes DIR/<stem>.npy for each output (creating DIR), each file atomically. On failure,
/// removes the files this call wrote and the folders it created. Returns the paths written.
llvm::Expected<std::vector<std::string>> writeOutputs(llvm::StringRef dir,
                                                      const NamedTensors &outputs);

/// One line per tensor: type, min/max/mean (and the NaN count, if any); for 2-D tensors (logits)
/// also the top-5 indices of the first rows.
void printTensorSummary(llvm::raw_ostream &os, llvm::StringRef name, const Tensor &t);

} // namespace vimq::tools
