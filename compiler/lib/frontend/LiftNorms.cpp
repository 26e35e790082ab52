//===- LiftNorms.cpp - RMSNorm and gated RMSNorm ----------------------------------------------===//
//
// The RMS normalisation of x over its last axis, n(x), is recognised in the forms torch and the
// upstream references (`rms_norm_ref`, Mamba's slow path) emit:
//   n(x) = Mul(x, r) | Div(x, s)     r = Div(1, s) | Reciprocal(s) | Pow(m, -0.5)
//   s = Sqrt(m)                      m = Add(ReduceMean(x², axes=[-1], keepdims=1), eps)
//   x² = Pow(x, 2) | Mul(x, x)       (operand orders of the commutative ops are free)
// and then
//   Mul(n(x), w[D])                                     -> RMSNorm(x, w) {eps}
//   ... with x = Mul(u, SiLU(z))                          -> GatedRMSNorm(u, z, w) {eps}
//   Mul(Reshape(n(Reshape(t, [..,G,g])), [..,D]), w)     -> GatedRMSNorm(u, z, w) {eps,
//       with t = Mul(u, SiLU(z))                             group_size = g}
// Runs after lift-activations, which provides the vimq.SiLU of the gate.
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

struct NormMatch {
  Value *x;
  double eps;
};

bool isSquareOf(const Value *sq, const Value *x) {
  if (Op *p = defOf(sq, "onnx.Pow"))
    return p->operand(0) == x && isScalarConst(p->operand(1), 2.0);
  if (Op *m = defOf(sq, "onnx.Mul"))
    return m->operand(0) == x && m->operand(1) == x;
  return false;
}

/// m = Add(ReduceMean(x², last axis, keepdims), eps): returns x and eps.
std::optional<NormMatch> matchMeanSquarePlusEps(const Value *m) {
  Op *add = defOf(m, "onnx.Add");
  if (!add)
    return std::nullopt;
  for (unsigned i = 0; i < 2; ++i) {
    Op *rm = defOf(add->operand(i), "onnx.ReduceMean");
    std::optional<double> eps = scalarConst(add->operand(1 - i));
    if (!rm || !eps || rm->getInt("keepdims", 1) != 1)
      continue;
    Value *sq = rm->operand(0);
    std::vector<int64_t> axes = rm->getInts("axes");
    if (axes.size() != 1 || normalizeAxis(axes[0], sq->rank()) != sq->rank() - 1)
      continue;
    Op *sqOp = sq->definingOp();
    if (!sqOp || sqOp->numOperands() < 1 || !isSquareOf(sq, sqOp->operand(0)))
      continue;
    return NormMatch{sqOp->operand(0), *eps};
  }
  return std::nullopt;
}

/// s = Sqrt(m).
std::optional<NormMatch> matchRms(const Value *s) {
  if (Op *sq = defOf(s, "onnx.Sqrt"))
    return matchMeanSquarePlusEps(sq->operand(0));
  return std::nullopt;
}

/// r = 1/s in its spellings.
std::optional<NormMatch> matchInvRms(const Value *r) {
  if (Op *d = defOf(r, "onnx.Div"); d && isScalarConst(d->operand(0), 1.0))
    return matchRms(d->operand(1));
  if (Op *rc = defOf(r, "onnx.Reciprocal"))
    return matchRms(rc->operand(0));
  if (Op *p = defOf(r, "onnx.Pow"); p && isScalarConst(p->operand(1), -0.5))
    return matchMeanSquarePlusEps(p->operand(0));
  return std::nullopt;
}

/// v = n(x) with the same x as inside the statistics.
std::optional<NormMatch> matchNormalized(const Value *v) {
  if (Op *d = defOf(v, "onnx.Div")) {
    auto m = matchRms(d->operand(1));
    if (m && m->x == d->operand(0))
      return m;
  }
  if (Op *mul = defOf(v, "onnx.Mul"))
    for (unsigned i = 0; i < 2; ++i) {
      auto m = matchInvRms(mul->operand(1 - i));
      if (m && m->x == mul->operand(i))
        return m;
    }
  return std::nullopt;
}

/// t = Mul(u, SiLU(z)) with u, z of t's type: returns {u, z}.
std::optional<std::pair<Value *, Value *>> matchGate(const Value *t) {
  Op *mul = defOf(t, "onnx.Mul");
  if (!mul)
    return std::nullopt;
  for (unsigned i = 0; i < 2; ++i)
    if (Op *silu = defOf(mul->operand(1 - i), "vimq.SiLU")) {
      Value *u = mul->operand(i), *z = silu->operand(0);
      if (u->type() == t->type() && z->type() == t->type())
        return std::make_pair(u, z);
    }
  return std::nullopt;
}

class LiftNorms : public Pass {
public:
  llvm::StringRef name() const override { return "lift-norms"; }
  llvm::StringRef description() const override {
    return "lift RMSNorm (incl. rsqrt/reciprocal forms) and gated, grouped RMSNorm";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      if (!op->is("onnx.Mul") || op->result(0)->dtype() != DType::F32 ||
          op->result(0)->rank() < 1)
        continue;
      int64_t d = op->result(0)->shape().back();
      for (unsigned i = 0; i < 2; ++i) {
        Value *w = op->operand(i), *n = op->operand(1 - i);
        if (!w || !n || !w->isConstant() || w->dtype() != DType::F32 || w->type().numel() != d ||
            w->shape().back() != d || n->type() != op->result(0)->type())
          continue;
        if (liftAt(g, uses, op, n, w)) {
          changed = true;
          break;
        }
      }
    }
    if (changed)
      g.removeDeadCode();
    return changed;
  }

private:
  static Value *flatWeight(ir::Graph &g, Value *w) {
    if (w->rank() == 1)
      return w;
    return g.addConstant(g.uniqueName(w->name() + ".flat"),
                         w->constant()->reshaped({w->type().numel()}));
  }

  static bool liftAt(ir::Graph &g, UseMap &uses, Op *root, Value *n, Value *w) {
    const ir::TensorType &ty = root->result(0)->type();
    if (auto m = matchNormalized(n); m && m->x->type() == ty) {
      if (auto gate = matchGate(m->x)) {
        Op *op = uses.replaceOp(g, root, "vimq.GatedRMSNorm",
                                {gate->first, gate->second, flatWeight(g, w)}, {ty});
        op->setAttr("eps", m->eps);
        op->setAttr("group_size", ty.shape.back());
        return true;
      }
      Op *op = uses.replaceOp(g, root, "vimq.RMSNorm", {m->x, flatWeight(g, w)}, {ty});
      op->setAttr("eps", m->eps);
      return true;
    }
    // Grouped form: the statistics run over [.., G, g], then the result is reshaped back.
    Op *back = defOf(n, "onnx.Reshape");
    if (!back)
      return false;
    auto m = matchNormalized(back->operand(0));
    if (!m)
      return false;
    Op *split = defOf(m->x, "onnx.Reshape");
    if (!split || split->operand(0)->type() != ty)
      return false;
    llvm::ArrayRef<int64_t> gs = m->x->shape();
    int64_t r = ty.rank();
    if (int64_t(gs.size()) != r + 1 || gs.take_front(size_t(r - 1)) !=
                                           llvm::ArrayRef<int64_t>(ty.shape).take_front(size_t(r - 1)) ||
        gs[size_t(r - 1)] * gs[size_t(r)] != ty.shape.back())
      return false;
    auto gate = matchGate(split->operand(0));
    if (!gate)
      return false;
    Op *op = uses.replaceOp(g, root, "vimq.GatedRMSNorm",
                            {gate->first, gate->second, flatWeight(g, w)}, {ty});
    op->setAttr("eps", m->eps);
    op->setAttr("group_size", gs.back());
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createLiftNormsPass() { return std::make_unique<LiftNorms>(); }

} // namespace vimq::frontend
