//===- Golden.h - the host golden model of the quantized `q` graph --------------*- C++ -*-===//
//
// Evaluates a graph of q ops (vimq/quant/QOpDefs.def) with the exact integer semantics of
// docs/numerics.md / docs/overlay.md "Numerics": round half to even, saturation, the PWL exp and
// sigmoid units, the quantizer's per-row reciprocal, the integer RMSNorm factor. It is the independent second implementation the
// overlay simulator is checked against bit for bit, so it does not call the hw engines; it
// re-implements their documented formulas (compiler/lib/golden/IntMath.h).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/interp/Interpreter.h"
#include "vimq/ir/IR.h"
#include "vimq/support/Tensor.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <vector>

namespace vimq::golden {

/// One q op on its operand tensors (constants included, null for omitted operands).
llvm::Expected<std::vector<Tensor>> evaluateQOp(const ir::Op &op,
                                                llvm::ArrayRef<const Tensor *> operands);

class Evaluator {
public:
  explicit Evaluator(const ir::Graph &g) : g_(g) {}
  /// Graph inputs by name (f32 for q.FromFloat, i64/i32 token ids for q.FromIndex; checked
  /// against the graph: names, dtypes, shapes) -> the graph outputs (q.ToFloat results) by
  /// name, in graph order.
  llvm::Expected<interp::NamedTensors> run(const interp::NamedTensors &inputs);
  /// Optional: called after each op with its results (layer-by-layer comparison with the sim).
  std::function<void(const ir::Op &, llvm::ArrayRef<Tensor>)> onOpDone;

private:
  const ir::Graph &g_;
};

/// Convenience: Evaluator(g).run(inputs).
llvm::Expected<interp::NamedTensors> evaluate(const ir::Graph &g,
                                              const interp::NamedTensors &inputs);

} // namespace vimq::golden
