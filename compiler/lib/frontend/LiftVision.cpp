//===- LiftVision.cpp - ViM's patch embedding, class token and position embedding ------------===//
//
//   Transpose(Reshape|Flatten(Conv(img, w[D,C,ph,pw], b?, strides = kernel, no pad)),
//             [0,2,1])                                       -> PatchEmbed(img, w, b)
//   Concat(axis 1, [Slice(x, [0,i)), tok, Slice(x, [i,L))])   -> InsertToken(x, tok) {index i}
//       (also [tok, x] and [x, tok]); tok = a constant [1|B,1,D] or Expand of a [1,1,D] one
//   Add(x, pos[1,L,D] constant), x from PatchEmbed/InsertToken -> PositionEmbed(x, pos)
//   Gather(x[B,L,D], scalar constant i, axis 1)                -> TakeToken(x) {index i}
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

#include <algorithm>

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

class LiftVision : public Pass {
public:
  llvm::StringRef name() const override { return "lift-vision"; }
  llvm::StringRef description() const override {
    return "lift patch embedding, class-token insertion/extraction and position embedding";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      if (op->is("onnx.Transpose"))
        changed |= liftPatchEmbed(g, uses, op);
      else if (op->is("onnx.Concat"))
        changed |= liftInsertToken(g, uses, op);
      else if (op->is("onnx.Add"))
        changed |= liftPositionEmbed(g, uses, op);
      else if (op->is("onnx.Gather"))
        changed |= liftTakeToken(g, uses, op);
    }
    if (changed)
      g.removeDeadCode();
    return changed;
  }

private:
  static bool liftPatchEmbed(ir::Graph &g, UseMap &uses, Op *tr) {
    if (tr->getInts("perm") != std::vector<int64_t>{0, 2, 1})
      return false;
    Op *flat = tr->operand(0)->definingOp();
    if (!flat || !(flat->is("onnx.Reshape") || flat->is("onnx.Flatten")) ||
        !uses.hasSingleUse(flat->result(0)))
      return false;
    Op *conv = defOf(flat->operand(0), "onnx.Conv");
    if (!conv || !uses.hasSingleUse(conv->result(0)))
      return false;
    Value *img = conv->operand(0), *w = conv->operand(1), *b = conv->operand(2);
    if (!img || !w || img->rank() != 4 || !w->isConstant() || w->rank() != 4 || img->dtype() != DType::F32)
      return false;
    std::vector<int64_t> kernel{w->shape()[2], w->shape()[3]};
    if (conv->getInts("strides", {1, 1}) != kernel || conv->getInt("group", 1) != 1 ||
        conv->getString("auto_pad", "NOTSET") != "NOTSET" ||
        llvm::any_of(conv->getInts("pads", {0, 0, 0, 0}), [](int64_t p) { return p != 0; }) ||
        llvm::any_of(conv->getInts("dilations", {1, 1}), [](int64_t d) { return d != 1; }))
      return false;
    if (b && !b->isConstant())
      return false;
    // conv: [B,D,Hp,Wp]; flatten must give [B,D,Hp*Wp] (token i*Wp + j), transpose [B,L,D].
    llvm::ArrayRef<int64_t> cs = conv->result(0)->shape();
    llvm::ArrayRef<int64_t> fs = flat->result(0)->shape();
    if (fs.size() != 3 || fs[0] != cs[0] || fs[1] != cs[1] || fs[2] != cs[2] * cs[3])
      return false;
    llvm::SmallVector<Value *, 3> operands{img, w};
    if (b)
      operands.push_back(b);
    uses.replaceOp(g, tr, "vimq.PatchEmbed", operands, {tr->result(0)->type()});
    return true;
  }

  /// The [1|B,1,D] token constant behind `v`: v itself or the source of an Expand. A [B,1,D]
  /// constant whose rows are all equal (an Expand folded on import) becomes [1,1,D], so the
  /// lifted graph does not depend on the batch size.
  static Value *tokenConst(ir::Graph &g, Value *v, int64_t bsz, int64_t d) {
    Value *src = v;
    if (Op *e = defOf(v, "onnx.Expand"))
      src = e->operand(0);
    if (!src || !src->isConstant() || src->rank() != 3 || src->dtype() != DType::F32)
      return nullptr;
    llvm::ArrayRef<int64_t> s = src->shape();
    if ((s[0] != 1 && s[0] != bsz) || s[1] != 1 || s[2] != d)
      return nullptr;
    if (s[0] == 1)
      return src;
    llvm::ArrayRef<float> all = src->constant()->values<float>();
    for (int64_t b = 1; b < s[0]; ++b)
      if (!std::equal(all.begin(), all.begin() + d, all.begin() + b * d))
        return src;
    return g.addConstant(g.uniqueName(src->name() + ".row"),
                         Tensor::fromVector<float>({1, 1, d}, all.take_front(size_t(d))));
  }

  static bool liftInsertToken(ir::Graph &g, UseMap &uses, Op *cat) {
    const Value *y = cat->result(0);
    if (y->rank() != 3 || normalizeAxis(cat->getInt("axis", 0), 3) != 1 ||
        y->dtype() != DType::F32)
      return false;
    int64_t bsz = y->shape()[0], d = y->shape()[2];
    Value *x = nullptr, *tok = nullptr;
    int64_t index = 0;
    unsigned n = cat->numOperands();
    if (n == 2) {
      if ((tok = tokenConst(g, cat->operand(0), bsz, d))) {
        x = cat->operand(1);
        index = 0;
      } else if ((tok = tokenConst(g, cat->operand(1), bsz, d))) {
        x = cat->operand(0);
        index = x->shape()[1];
      }
    } else if (n == 3) {
      tok = tokenConst(g, cat->operand(1), bsz, d);
      auto lo = cat->operand(0)->definingOp(), hi = cat->operand(2)->definingOp();
      if (!tok || !lo || !hi)
        return false;
      auto a = singleAxisSlice(*lo), b = singleAxisSlice(*hi);
      x = lo->operand(0);
      if (!a || !b || hi->operand(0) != x || a->axis != 1 || b->axis != 1 || a->step != 1 ||
          b->step != 1 || a->start != 0 || a->end != b->start || b->end != x->shape()[1])
        return false;
      index = a->end;
    }
    if (!x || !tok || x->rank() != 3 || x->shape()[0] != bsz || x->shape()[2] != d)
      return false;
    Op *op = uses.replaceOp(g, cat, "vimq.InsertToken", {x, tok}, {y->type()});
    op->setAttr("index", index);
    return true;
  }

  static bool liftPositionEmbed(ir::Graph &g, UseMap &uses, Op *add) {
    for (unsigned i = 0; i < 2; ++i) {
      Value *x = add->operand(i), *pos = add->operand(1 - i);
      Op *def = x && pos ? x->definingOp() : nullptr;
      if (!def || !(def->is("vimq.PatchEmbed") || def->is("vimq.InsertToken")))
        continue;
      if (!pos->isConstant() || pos->rank() != 3 || pos->dtype() != DType::F32 ||
          pos->shape()[0] != 1 || pos->shape()[1] != x->shape()[1] ||
          pos->shape()[2] != x->shape()[2] || add->result(0)->type() != x->type())
        continue;
      uses.replaceOp(g, add, "vimq.PositionEmbed", {x, pos}, {x->type()});
      return true;
    }
    return false;
  }

  static bool liftTakeToken(ir::Graph &g, UseMap &uses, Op *gather) {
    Value *x = gather->operand(0);
    auto idx = intsConst(gather->operand(1));
    if (!x || x->rank() != 3 || !idx || gather->operand(1)->rank() != 0 ||
        normalizeAxis(gather->getInt("axis", 0), 3) != 1)
      return false;
    auto index = normalizeAxis((*idx)[0], x->shape()[1]);
    if (!index)
      return false;
    Op *op = uses.replaceOp(g, gather, "vimq.TakeToken", {x}, {gather->result(0)->type()});
    op->setAttr("index", *index);
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createLiftVisionPass() { return std::make_unique<LiftVision>(); }

} // namespace vimq::frontend
