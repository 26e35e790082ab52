//===- LiftActivations.cpp - SiLU and Softplus ------------------------------------------------===//
//
//   Mul(x, Sigmoid(x)) (either operand order)          -> vimq.SiLU(x)
//   onnx.Softplus(x), Log(Add(Exp(x), 1)), Log(1 + Exp) -> vimq.Softplus(x)
// The lifted Softplus has the stable definition (docs/ir.md), so lifting the naive log(1+exp)
// form also removes its overflow for large x.
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

/// x such that `op` = Mul(x, Sigmoid(x)).
Value *matchSiLU(const Op &op) {
  if (!op.is("onnx.Mul"))
    return nullptr;
  for (unsigned i = 0; i < 2; ++i)
    if (Op *sig = defOf(op.operand(i), "onnx.Sigmoid"))
      if (sig->operand(0) == op.operand(1 - i))
        return sig->operand(0);
  return nullptr;
}

/// x such that `op` = Softplus(x) in one of its spellings.
Value *matchSoftplus(const Op &op) {
  if (op.is("onnx.Softplus"))
    return op.operand(0);
  if (!op.is("onnx.Log"))
    return nullptr;
  Op *add = defOf(op.operand(0), "onnx.Add");
  if (!add)
    return nullptr;
  for (unsigned i = 0; i < 2; ++i)
    if (Op *exp = defOf(add->operand(i), "onnx.Exp"))
      if (isScalarConst(add->operand(1 - i), 1.0))
        return exp->operand(0);
  return nullptr;
}

class LiftActivations : public Pass {
public:
  llvm::StringRef name() const override { return "lift-activations"; }
  llvm::StringRef description() const override {
    return "lift Sigmoid*Mul to vimq.SiLU and Softplus / log(1+exp) to vimq.Softplus";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      const char *kind = nullptr;
      Value *x = matchSiLU(*op);
      if (x)
        kind = "vimq.SiLU";
      else if ((x = matchSoftplus(*op)))
        kind = "vimq.Softplus";
      // The lifted ops are defined on floats of the result's type only.
      if (!x || !isFloat(x->dtype()) || x->type() != op->result(0)->type())
        continue;
      uses.replaceOp(g, op, kind, {x}, {x->type()});
      changed = true;
    }
    if (changed)
      g.removeDeadCode();
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createLiftActivationsPass() { return std::make_unique<LiftActivations>(); }

} // namespace vimq::frontend
