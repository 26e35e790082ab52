//===- CancelTransposes.cpp - compose Transpose chains and Reshape chains ---------------------===//
//
//   Transpose(Transpose(x, p), q) -> x if the composition is the identity, else
//                                    Transpose(x, p∘q)
//   Reshape(Reshape(x, s1), s2)    -> Reshape(x, s2)
// Lifting wraps token-major ops in Transposes (lift-conv1d); the Transposes torch put around
// the Conv1d then meet their inverses here. The inner op stays while it has other users.
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

std::vector<int64_t> permOf(const Op &t) {
  std::vector<int64_t> p = t.getInts("perm");
  if (p.empty()) // ONNX default: reverse the axes
    for (int64_t i = t.operand(0)->rank() - 1; i >= 0; --i)
      p.push_back(i);
  return p;
}

class CancelTransposes : public Pass {
public:
  llvm::StringRef name() const override { return "cancel-transposes"; }
  llvm::StringRef description() const override {
    return "cancel or compose Transpose pairs and collapse Reshape chains";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      if (op->is("onnx.Transpose"))
        changed |= composeTransposes(g, uses, op);
      else if (op->is("onnx.Reshape"))
        changed |= collapseReshapes(g, uses, op);
    }
    if (changed)
      g.removeDeadCode();
    return changed;
  }

private:
  static bool composeTransposes(ir::Graph &g, UseMap &uses, Op *outer) {
    Op *inner = defOf(outer->operand(0), "onnx.Transpose");
    if (!inner)
      return false;
    std::vector<int64_t> p = permOf(*inner), q = permOf(*outer), r(q.size());
    if (p.size() != q.size())
      return false;
    bool identity = true;
    for (size_t i = 0; i < q.size(); ++i) {
      r[i] = p[size_t(q[i])];
      identity &= r[i] == int64_t(i);
    }
    Value *x = inner->operand(0);
    if (identity) {
      if (uses.isOutput(outer->result(0)))
        return false; // keep the output's name
      uses.replaceAllUsesWith(g, outer->result(0), x);
      return true;
    }
    Op *t = uses.replaceOp(g, outer, "onnx.Transpose", {x}, {outer->result(0)->type()});
    t->setAttr("perm", r);
    return true;
  }

  static bool collapseReshapes(ir::Graph &g, UseMap &uses, Op *outer) {
    Op *inner = defOf(outer->operand(0), "onnx.Reshape");
    if (!inner)
      return false;
    // The result shape is static, so it can serve as the literal target shape (no 0 / -1).
    const ir::TensorType &ty = outer->result(0)->type();
    Value *shape = g.addConstant(
        g.uniqueName(outer->name() + ".shape"),
        Tensor::fromVector<int64_t>({ty.rank()}, llvm::ArrayRef<int64_t>(ty.shape)));
    uses.replaceOp(g, outer, "onnx.Reshape", {inner->operand(0), shape}, {ty});
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createCancelTransposesPass() {
  return std::make_unique<CancelTransposes>();
}

} // namespace vimq::frontend
