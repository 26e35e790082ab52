//===- LiftLinear.cpp - MatMul/Gemm with constant weights -> vimq.Linear ----------------------===//
//
//   MatMul(x, W[K,N]) [+ bias[N]]              -> Linear(x, W^T [N,K], bias)
//   MatMul(x, Transpose(E[N,K], perm=[1,0]))    -> Linear(x, E)   (tied LM head: the embedding
//                                                   table itself is shared, not copied)
//   MatMul(x, W[K,N]) with W^T equal to an embedding table E (torch folds the tied head's
//   transpose into a second initializer)        -> Linear(x, E)   (shared again)
//   Gemm(x[M,K], B, C?) with transA = 0         -> Linear(x, alpha*B (as [N,K]), beta*C)
// The weight of vimq.Linear is always [N, K] (out, in), like torch's nn.Linear. A bias is only
// absorbed when it is a constant with N elements broadcast over the last axis, and when the
// MatMul result has no other use.
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

bool isF32Const(const Value *v) { return v && v->isConstant() && v->dtype() == DType::F32; }

/// A constant bias of N elements along the last axis (shape [N], [1,N], [1,1,N], ...).
bool isBiasFor(const Value *b, int64_t n) {
  return isF32Const(b) && b->type().numel() == n && b->rank() > 0 && b->shape().back() == n;
}

Value *flatBias(ir::Graph &g, Value *b) {
  if (b->rank() == 1)
    return b;
  return g.addConstant(g.uniqueName(b->name() + ".flat"),
                       b->constant()->reshaped({b->type().numel()}));
}

Tensor scaled(const Tensor &t, double s) {
  Tensor out = t;
  float *d = out.data<float>();
  for (int64_t i = 0, e = out.numel(); i < e; ++i)
    d[i] = float(double(d[i]) * s);
  return out;
}

class LiftLinear : public Pass {
public:
  llvm::StringRef name() const override { return "lift-linear"; }
  llvm::StringRef description() const override {
    return "lift MatMul/Gemm with a constant weight (+ bias Add) to vimq.Linear [N,K]";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    // Embedding tables (Gather on axis 0 of a constant matrix) a tied head may duplicate.
    llvm::SmallVector<Value *, 2> tables;
    for (const auto &op : g.ops())
      if ((op->is("onnx.Gather") && op->getInt("axis", 0) == 0 && isF32Const(op->operand(0)) &&
           op->operand(0)->rank() == 2) ||
          (op->is("vimq.Embedding") && isF32Const(op->operand(1))))
        tables.push_back(op->is("vimq.Embedding") ? op->operand(1) : op->operand(0));
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      if (op->is("onnx.MatMul"))
        changed |= liftMatMul(g, uses, op, tables);
      else if (op->is("onnx.Gemm"))
        changed |= liftGemm(g, uses, op);
    }
    if (changed)
      g.removeDeadCode();
    return changed;
  }

private:
  /// The [N,K] weight for MatMul's right operand, or null.
  static Value *weightNK(ir::Graph &g, Value *w, llvm::ArrayRef<Value *> tables) {
    if (w->rank() != 2 || !isFloat(w->dtype()))
      return nullptr;
    if (Op *t = defOf(w, "onnx.Transpose"))
      if (isF32Const(t->operand(0)) && t->getInts("perm", {1, 0}) == std::vector<int64_t>{1, 0})
        return t->operand(0);
    if (!isF32Const(w))
      return nullptr;
    Tensor nk = transpose2D(*w->constant());
    for (Value *t : tables)
      if (t->constant()->sameAs(nk))
        return t;
    return g.addConstant(g.uniqueName(w->name() + ".nk"), std::move(nk));
  }

  static bool liftMatMul(ir::Graph &g, UseMap &uses, Op *mm, llvm::ArrayRef<Value *> tables) {
    Value *x = mm->operand(0), *w = mm->operand(1);
    if (!x || !w || x->rank() < 1 || w->rank() != 2 || x->dtype() != DType::F32)
      return false;
    int64_t n = w->shape()[1];
    // Only a constant (or a transposed constant) weight makes a Linear; check before copying.
    bool transposedConst = defOf(w, "onnx.Transpose") &&
                           isF32Const(w->definingOp()->operand(0));
    if (!isF32Const(w) && !transposedConst)
      return false;
    Op *root = mm;
    Value *bias = nullptr;
    if (uses.hasSingleUse(mm->result(0)))
      if (Op *add = uses.users(mm->result(0))[0]; add->is("onnx.Add"))
        if (Value *b = otherOperand(*add, mm->result(0));
            b && isBiasFor(b, n) && add->result(0)->type() == mm->result(0)->type()) {
          root = add;
          bias = b;
        }
    Value *wnk = weightNK(g, w, tables);
    if (!wnk)
      return false;
    llvm::SmallVector<Value *, 3> operands{x, wnk};
    if (bias)
      operands.push_back(flatBias(g, bias));
    uses.replaceOp(g, root, "vimq.Linear", operands, {root->result(0)->type()});
    return true;
  }

  static bool liftGemm(ir::Graph &g, UseMap &uses, Op *gemm) {
    Value *a = gemm->operand(0), *b = gemm->operand(1), *c = gemm->operand(2);
    if (!a || !b || a->dtype() != DType::F32 || gemm->getInt("transA", 0) != 0 ||
        !isF32Const(b))
      return false;
    int64_t n = gemm->result(0)->shape()[1];
    double alpha = gemm->getFloat("alpha", 1.0), beta = gemm->getFloat("beta", 1.0);
    if (c && !isBiasFor(c, n))
      return false; // a per-row C ([M,N]) is not a bias
    Tensor w = gemm->getInt("transB", 0) ? *b->constant() : transpose2D(*b->constant());
    if (alpha != 1.0)
      w = scaled(w, alpha);
    llvm::SmallVector<Value *, 3> operands{a, g.addConstant(g.uniqueName(b->name() + ".nk"),
                                                            std::move(w))};
    if (c && beta != 0.0) {
      Tensor bt = c->constant()->reshaped({n});
      operands.push_back(beta == 1.0 ? flatBias(g, c)
                                     : g.addConstant(g.uniqueName(c->name() + ".scaled"),
                                                     scaled(bt, beta)));
    }
    uses.replaceOp(g, gemm, "vimq.Linear", operands, {gemm->result(0)->type()});
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createLiftLinearPass() { return std::make_unique<LiftLinear>(); }

} // namespace vimq::frontend
