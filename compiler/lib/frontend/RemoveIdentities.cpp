//===- RemoveIdentities.cpp - drop ops that return their input unchanged ----------------------===//
//
// Exporters leave no-ops behind (Identity, Cast to the same type, inference-mode Dropout,
// Reshape/Expand to the same shape, Slice over the whole tensor, identity Transpose, one-input
// Concat) and empty operands of Concat (`torch.cat([x[:, :0], cls, x[:, 0:]])`, a class token
// inserted at index 0 by a generic "insert at idx" line, slices out nothing). Removing them
// first means each lifting pattern need not look through them. An identity producing a graph
// output stays, so that output names survive.
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

bool isIdentityPerm(const std::vector<int64_t> &perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int64_t(i))
      return false;
  return true;
}

/// The operand that `op` returns unchanged, or null.
Value *identityOperand(const Op &op) {
  if (op.numOperands() < 1 || op.numResults() < 1 || !op.operand(0))
    return nullptr;
  Value *x = op.operand(0);
  const Value *y = op.result(0);
  if (x->type() != y->type())
    return nullptr;
  if (op.is("onnx.Identity") || op.is("onnx.Cast") || op.is("onnx.Reshape") ||
      op.is("onnx.Expand"))
    return op.numResults() == 1 ? x : nullptr;
  if (op.is("onnx.Dropout"))
    // Inference: Dropout is the identity when its mask output is absent (dropped on import).
    return op.numResults() == 1 ? x : nullptr;
  if (op.is("onnx.Concat"))
    return op.numOperands() == 1 ? x : nullptr;
  if (op.is("onnx.Transpose")) {
    std::vector<int64_t> perm = op.getInts("perm");
    return perm.empty() && x->rank() > 1 ? nullptr : (isIdentityPerm(perm) ? x : nullptr);
  }
  if (op.is("onnx.Slice")) {
    // Same shape and only positive steps: every element is kept in place.
    if (op.numOperands() < 5 || !op.operand(4))
      return x;
    auto steps = intsConst(op.operand(4));
    if (!steps)
      return nullptr;
    for (int64_t s : *steps)
      if (s <= 0)
        return nullptr;
    return x;
  }
  return nullptr;
}

class RemoveIdentities : public Pass {
public:
  llvm::StringRef name() const override { return "remove-identities"; }
  llvm::StringRef description() const override {
    return "remove Identity, same-type Cast, Dropout, same-shape Reshape/Expand/Slice/Transpose "
           "and empty Concat operands";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    bool changed = dropEmptyConcatOperands(g);
    UseMap uses(g);
    for (Op *op : g.opSnapshot())
      if (Value *x = identityOperand(*op); x && !uses.isOutput(op->result(0))) {
        uses.replaceAllUsesWith(g, op->result(0), x);
        changed = true;
      }
    if (changed)
      g.removeDeadCode();
    return changed;
  }

private:
  /// Concat(a, empty, b) == Concat(a, b): an operand with no elements contributes nothing. A
  /// Concat of nothing but empty operands is left alone (its result is empty too).
  static bool dropEmptyConcatOperands(ir::Graph &g) {
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      if (!op->is("onnx.Concat"))
        continue;
      llvm::SmallVector<Value *, 4> kept;
      for (Value *v : op->operands())
        if (v && v->type().numel() > 0)
          kept.push_back(v);
      if (kept.empty() || kept.size() == op->numOperands())
        continue;
      op->setOperands(kept);
      changed = true;
    }
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createRemoveIdentitiesPass() {
  return std::make_unique<RemoveIdentities>();
}

} // namespace vimq::frontend
