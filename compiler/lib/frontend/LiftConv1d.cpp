//===- LiftConv1d.cpp - depthwise causal Conv1d -> vimq.CausalConv1d ---------------------------===//
//
// torch's nn.Conv1d(C, C, K, groups=C, padding=K-1) followed by `[..., :L]` exports as
//   Slice(Conv(x[B,C,L], w[C,1,K], b?, group=C, pads=[K-1,K-1]), axis 2, [0, L))
// (a left-only pad [K-1, 0] needs no Slice). That is a causal depthwise conv; it becomes
//   Transpose(CausalConv1d(Transpose(x, [0,2,1]), w[C,K], b), [0,2,1])
// because vimq.CausalConv1d is token-major. cancel-transposes later removes the transposes
// that meet their inverses. A following vimq.SiLU is fused (activation = "silu").
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

bool allEqual(const std::vector<int64_t> &v, int64_t x) {
  return llvm::all_of(v, [&](int64_t e) { return e == x; });
}

class LiftConv1d : public Pass {
public:
  llvm::StringRef name() const override { return "lift-conv1d"; }
  llvm::StringRef description() const override {
    return "lift depthwise causal Conv1d (+ Slice [:L], + SiLU) to vimq.CausalConv1d";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot())
      if (op->is("onnx.Conv"))
        changed |= liftAt(g, uses, op);
    if (changed)
      g.removeDeadCode();
    return changed;
  }

private:
  static bool liftAt(ir::Graph &g, UseMap &uses, Op *conv) {
    Value *x = conv->operand(0), *w = conv->operand(1), *b = conv->operand(2);
    if (!x || !w || x->rank() != 3 || x->dtype() != DType::F32 || !w->isConstant() ||
        w->dtype() != DType::F32 || w->rank() != 3)
      return false;
    int64_t bsz = x->shape()[0], c = x->shape()[1], l = x->shape()[2], k = w->shape()[2];
    if (w->shape()[0] != c || w->shape()[1] != 1 || conv->getInt("group", 1) != c ||
        conv->getString("auto_pad", "NOTSET") != "NOTSET" ||
        !allEqual(conv->getInts("strides", {1}), 1) ||
        !allEqual(conv->getInts("dilations", {1}), 1))
      return false;
    if (b && (!b->isConstant() || b->rank() != 1))
      return false;
    std::vector<int64_t> pads = conv->getInts("pads", {0, 0});
    if (pads.size() != 2 || pads[0] != k - 1 || (pads[1] != k - 1 && pads[1] != 0))
      return false;

    // The causal window ends at the current token: keep outputs [0, L).
    Op *root = conv;
    if (pads[1] != 0) {
      if (!uses.hasSingleUse(conv->result(0)))
        return false;
      Op *slice = uses.users(conv->result(0))[0];
      auto s = singleAxisSlice(*slice);
      if (!s || s->axis != 2 || s->start != 0 || s->end != l || s->step != 1)
        return false;
      root = slice;
    }
    std::string act = "none";
    if (uses.hasSingleUse(root->result(0)))
      if (Op *silu = uses.users(root->result(0))[0]; silu->is("vimq.SiLU")) {
        root = silu;
        act = "silu";
      }

    ir::TensorType tokenMajor{DType::F32, {bsz, l, c}};
    Value *w2 = g.addConstant(g.uniqueName(w->name() + ".ck"), w->constant()->reshaped({c, k}));
    Op *toTokens = uses.createOp(g, "onnx.Transpose", conv->name() + ".to_tokens", {x},
                                 {tokenMajor}, root);
    toTokens->setAttr("perm", std::vector<int64_t>{0, 2, 1});
    llvm::SmallVector<Value *, 3> operands{toTokens->result(0), w2};
    if (b)
      operands.push_back(b);
    Op *cc = uses.createOp(g, "vimq.CausalConv1d", conv->name(), operands, {tokenMajor}, root);
    cc->setAttr("activation", act);
    Op *back = uses.replaceOp(g, root, "onnx.Transpose", {cc->result(0)}, {x->type()});
    back->setAttr("perm", std::vector<int64_t>{0, 2, 1});
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createLiftConv1dPass() { return std::make_unique<LiftConv1d>(); }

} // namespace vimq::frontend
