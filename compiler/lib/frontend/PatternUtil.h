//===- PatternUtil.h - matching helpers shared by the frontend passes -----------*- C++ -*-===//
//
// Graph::users() scans every op; calling it inside a pattern loop makes a pass quadratic in
// the graph size. UseMap builds the use lists once per pass and keeps them current through
// the rewrites the passes do (replace uses, add ops, erase ops).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/ir/IR.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>

namespace vimq::frontend {

class UseMap {
public:
  explicit UseMap(const ir::Graph &g);

  /// Ops using `v`, in no particular order, each once.
  llvm::ArrayRef<ir::Op *> users(const ir::Value *v) const;
  /// `v` feeds exactly one op and is not a graph output.
  bool hasSingleUse(const ir::Value *v) const;

  /// Creates an op (see Graph::createOp) and records its uses.
  ir::Op *createOp(ir::Graph &g, llvm::StringRef kind, llvm::StringRef name,
                   llvm::ArrayRef<ir::Value *> operands, llvm::ArrayRef<ir::TensorType> types,
                   ir::Op *before);
  /// Replaces `root` by a new op of `kind` named like `root`, inserted at its place, and
  /// redirects the uses of root's results to the new results. When a result of `root` is a
  /// graph output the new result takes over its name, so lifting never renames outputs.
  ir::Op *replaceOp(ir::Graph &g, ir::Op *root, llvm::StringRef kind,
                    llvm::ArrayRef<ir::Value *> operands, llvm::ArrayRef<ir::TensorType> types);
  bool isOutput(const ir::Value *v) const { return outputs_.count(v); }
  /// Redirects every use of `from` (operands and graph outputs) to `to`.
  void replaceAllUsesWith(ir::Graph &g, ir::Value *from, ir::Value *to);
  /// Erases `op`. Uses of its results are kept in the map so that a following
  /// replaceAllUsesWith can still redirect them.
  void eraseOp(ir::Graph &g, ir::Op *op);

private:
  void addUse(ir::Value *v, ir::Op *user);
  llvm::DenseMap<const ir::Value *, llvm::SmallVector<ir::Op *, 2>> users_;
  llvm::DenseSet<const ir::Value *> outputs_;
};

/// The defining op of `v` if it has kind `kind`, else null (also for null `v`).
ir::Op *defOf(const ir::Value *v, llvm::StringRef kind);

/// The value of a one-element constant, as double.
std::optional<double> scalarConst(const ir::Value *v);
/// True if `v` is a one-element constant equal to `expected` (exactly).
bool isScalarConst(const ir::Value *v, double expected);
/// All elements of an integer constant.
std::optional<std::vector<int64_t>> intsConst(const ir::Value *v);

/// For a commutative binary op: the operand that is not `known`, or null if `known` is not an
/// operand.
ir::Value *otherOperand(const ir::Op &op, const ir::Value *known);

/// Normalizes a possibly negative axis; nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Transposes a constant 2-D f32 [R, C] matrix into [C, R].
Tensor transpose2D(const Tensor &t);

/// ONNX Slice over constant parameters on a single axis: {axis, start, end, step} with start
/// and end clamped the way ONNX clamps them for `dim`; nullopt when not a single-axis slice
/// with constant parameters.
struct SliceInfo {
  int64_t axis, start, end, step;
};
std::optional<SliceInfo> singleAxisSlice(const ir::Op &slice);

} // namespace vimq::frontend
