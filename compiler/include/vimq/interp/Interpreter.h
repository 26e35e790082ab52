//===- Interpreter.h - FP32 reference interpreter over the graph IR --------------*- C++ -*-===//
//
// Two levels:
//  * evaluateOp: one op on concrete input tensors (used by constant folding and the runner).
//  * Interpreter: a whole graph on named inputs, freeing each value after its last use.
// Every standard op implemented here is checked against libonnx-testdata's node tests; every
// lifted op against its decomposition (docs/ir.md).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/ir/IR.h"
#include "vimq/support/Tensor.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vimq::interp {

/// True if evaluateOp implements `kind` ("onnx.Add", "vimq.Linear", ...).
bool canEvaluate(llvm::StringRef kind);
/// All implemented kinds, sorted.
std::vector<std::string> supportedKinds();

/// Evaluates `op` on `inputs` (one per operand; null for an omitted optional operand).
/// Result tensors have the op's result types. Errors name the op.
llvm::Expected<std::vector<Tensor>> evaluateOp(const ir::Op &op,
                                               llvm::ArrayRef<const Tensor *> inputs);

/// Named tensors in insertion order. (DenseMap cannot key std::string, hence the std::map index.)
/// Threads the heavy kernels (gemm, scans, element-wise maps) may use: by default the hardware
/// concurrency capped at 8, or VIMQ_INTERP_THREADS. Work is split so that every output element
/// is computed by one thread in the serial order: results are bit-identical for any count.
void setNumThreads(unsigned n);
unsigned numThreads();

using NamedTensors =
    llvm::MapVector<std::string, Tensor, std::map<std::string, unsigned>>;

class Interpreter {
public:
  explicit Interpreter(const ir::Graph &g) : g_(g) {}
  /// Checks names, dtypes and shapes of `inputs` against the graph inputs (errors name the
  /// input), runs, and returns the graph outputs by name, in graph order.
  llvm::Expected<NamedTensors> run(const NamedTensors &inputs);
  /// Optional: called after each op with its results (debug dumps, layer-by-layer compares).
  std::function<void(const ir::Op &, llvm::ArrayRef<Tensor>)> onOpDone;

private:
  const ir::Graph &g_;
};

} // namespace vimq::interp
