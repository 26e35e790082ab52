//===- OpDefs.cpp - lifted op table and per-op verification ----------------------------------===//
#include "vimq/ir/OpDefs.h"
#include "vimq/support/Error.h"

namespace vimq::ir {

static const LiftedOpInfo kLifted[] = {
#define VIMQ_OP(Name, MinOps, MaxOps, NumRes, Summary)                                            \
  {#Name, "vimq." #Name, MinOps, MaxOps, NumRes, Summary},
#include "vimq/ir/OpDefs.def"
};

llvm::ArrayRef<LiftedOpInfo> liftedOps() { return kLifted; }

const LiftedOpInfo *lookupLiftedOp(llvm::StringRef kind) {
  if (!kind.startswith("vimq."))
    return nullptr;
  for (const auto &i : kLifted)
    if (kind == i.kind)
      return &i;
  return nullptr;
}

namespace {

struct Checker {
  const Op &op;
  llvm::Error err = llvm::Error::success();
  ~Checker() { llvm::consumeError(std::move(err)); }

  bool fail(const std::string &msg) {
    if (!err)
      err = makeError("{0}: {1}", op.describe(), msg);
    else
      (void)msg;
    return false;
  }
  const Value *in(unsigned i) { return op.operand(i); }
  bool rank(unsigned i, int64_t r, const char *what) {
    const Value *v = in(i);
    if (!v)
      return fail(std::string("missing operand ") + what);
    if (v->rank() != r)
      return fail(std::string(what) + " must have rank " + std::to_string(r) + ", has " +
                  v->type().str());
    return true;
  }
  bool eq(int64_t a, int64_t b, const std::string &what) {
    return a == b ? true
                  : fail(what + " mismatch (" + std::to_string(a) + " vs " + std::to_string(b) +
                         ")");
  }
  bool resultShape(llvm::ArrayRef<int64_t> s) {
    if (op.result(0)->shape() != s)
      return fail("result type " + op.result(0)->type().str() + " should have shape " +
                  shapeStr(s));
    return true;
  }
};

void checkLifted(Checker &c, llvm::StringRef name) {
  const Op &op = c.op;
  const Value *x = op.operand(0);
  if (!x)
    return void(c.fail("missing first operand"));
  llvm::ArrayRef<int64_t> xs = x->shape();
  if (name == "Linear") {
    if (!c.rank(1, 2, "weight") || xs.empty())
      return;
    const Value *w = op.operand(1);
    if (!c.eq(xs.back(), w->shape()[1], "Linear K (x last dim vs weight[N,K])"))
      return;
    if (const Value *b = op.operand(2))
      if (!c.rank(2, 1, "bias") || !c.eq(b->shape()[0], w->shape()[0], "Linear bias length"))
        return;
    Shape s(xs.begin(), xs.end());
    s.back() = w->shape()[0];
    c.resultShape(s);
  } else if (name == "RMSNorm") {
    if (c.rank(1, 1, "weight") && c.eq(op.operand(1)->shape()[0], xs.back(), "RMSNorm width"))
      c.resultShape(xs);
  } else if (name == "GatedRMSNorm") {
    if (op.operand(1)->shape() != xs)
      return void(c.fail("gate z must have the shape of x"));
    if (!c.rank(2, 1, "weight") || !c.eq(op.operand(2)->shape()[0], xs.back(), "norm width"))
      return;
    int64_t g = op.getInt("group_size", xs.back());
    if (g <= 0 || xs.back() % g)
      return void(c.fail("group_size must divide the normalized width"));
    c.resultShape(xs);
  } else if (name == "SiLU" || name == "Softplus" || name == "Flip") {
    if (name == "Flip") {
      int64_t a = op.getInt("axis", -1);
      if (a < 0 || a >= int64_t(xs.size()))
        return void(c.fail("axis out of range"));
    }
    c.resultShape(xs);
  } else if (name == "CausalConv1d") {
    if (!c.rank(0, 3, "x[B,L,C]") || !c.rank(1, 2, "weight[C,K]"))
      return;
    if (!c.eq(op.operand(1)->shape()[0], xs[2], "conv channels"))
      return;
    if (const Value *b = op.operand(2))
      if (!c.rank(2, 1, "bias") || !c.eq(b->shape()[0], xs[2], "conv bias"))
        return;
    std::string act = op.getString("activation", "none");
    if (act != "none" && act != "silu")
      return void(c.fail("activation must be \"none\" or \"silu\""));
    c.resultShape(xs);
  } else if (name == "PatchEmbed") {
    if (!c.rank(0, 4, "img[B,C,H,W]") || !c.rank(1, 4, "weight[D,C,ph,pw]"))
      return;
    auto w = op.operand(1)->shape();
    if (!c.eq(w[1], xs[1], "PatchEmbed channels"))
      return;
    int64_t ph = w[2], pw = w[3];
    c.resultShape({xs[0], (xs[2] / ph) * (xs[3] / pw), w[0]});
  } else if (name == "InsertToken") {
    if (!c.rank(0, 3, "x[B,L,D]") || !c.rank(1, 3, "token[1,1,D]"))
      return;
    int64_t idx = op.getInt("index", -1);
    if (idx < 0 || idx > xs[1])
      return void(c.fail("token index out of range"));
    c.resultShape({xs[0], xs[1] + 1, xs[2]});
  } else if (name == "PositionEmbed") {
    if (c.rank(0, 3, "x[B,L,D]") && c.rank(1, 3, "pos[1,L,D]")) {
      auto p = op.operand(1)->shape();
      if (p[0] != 1 || p[1] != xs[1] || p[2] != xs[2])
        return void(c.fail("position table " + op.operand(1)->type().str() +
                           " does not match x " + x->type().str()));
      c.resultShape(xs);
    }
  } else if (name == "TakeToken") {
    if (!c.rank(0, 3, "x[B,L,D]"))
      return;
    int64_t idx = op.getInt("index", -1);
    if (idx < 0 || idx >= xs[1])
      return void(c.fail("token index out of range"));
    c.resultShape({xs[0], xs[2]});
  } else if (name == "Embedding") {
    if (!c.rank(1, 2, "table[V,D]"))
      return;
    if (isFloat(x->dtype()))
      return void(c.fail("ids must be integers"));
    Shape s(xs.begin(), xs.end());
    s.push_back(op.operand(1)->shape()[1]);
    c.resultShape(s);
  } else if (name == "SelectiveScan") {
    if (!c.rank(0, 3, "u[B,L,D]") || !c.rank(1, 3, "delta[B,L,D]") || !c.rank(2, 2, "A[D,N]") ||
        !c.rank(3, 3, "B[B,L,N]") || !c.rank(4, 3, "C[B,L,N]"))
      return;
    int64_t N = op.operand(2)->shape()[1];
    if (op.operand(1)->shape() != xs)
      return void(c.fail("delta must have the shape of u"));
    if (!c.eq(op.operand(2)->shape()[0], xs[2], "A rows vs D"))
      return;
    for (unsigned i : {3u, 4u}) {
      auto s = op.operand(i)->shape();
      if (s[0] != xs[0] || s[1] != xs[1] || s[2] != N)
        return void(c.fail(std::string(i == 3 ? "B" : "C") + " must be [B, L, N]"));
    }
    if (const Value *d = op.operand(5))
      if (!c.rank(5, 1, "Dskip[D]") || !c.eq(d->shape()[0], xs[2], "Dskip length"))
        return;
    c.resultShape(xs);
  } else if (name == "SSDScan") {
    if (!c.rank(0, 4, "x[B,L,H,P]") || !c.rank(1, 3, "dt[B,L,H]") || !c.rank(2, 1, "A[H]") ||
        !c.rank(3, 4, "B[B,L,G,N]") || !c.rank(4, 4, "C[B,L,G,N]"))
      return;
    int64_t H = xs[2];
    auto dt = op.operand(1)->shape();
    if (dt[0] != xs[0] || dt[1] != xs[1] || dt[2] != H)
      return void(c.fail("dt must be [B, L, H]"));
    if (!c.eq(op.operand(2)->shape()[0], H, "A length vs heads"))
      return;
    auto bs = op.operand(3)->shape();
    if (op.operand(4)->shape() != bs || bs[0] != xs[0] || bs[1] != xs[1])
      return void(c.fail("B and C must be [B, L, G, N]"));
    if (bs[2] <= 0 || H % bs[2])
      return void(c.fail("groups G must divide heads H"));
    if (const Value *d = op.operand(5))
      if (!c.rank(5, 1, "Dskip[H]") || !c.eq(d->shape()[0], H, "Dskip length"))
        return;
    c.resultShape(xs);
  }
}

} // namespace

llvm::Error verifyOp(const Op &op) {
  const LiftedOpInfo *info = lookupLiftedOp(op.kind());
  if (!info) {
    if (op.dialect() == "vimq")
      return makeError("{0}: unknown vimq op", op.describe());
    return llvm::Error::success();
  }
  unsigned present = op.numOperands();
  if (present < info->minOperands || present > info->maxOperands)
    return makeError("{0}: expects {1} to {2} operands, has {3}", op.describe(),
                     info->minOperands, info->maxOperands, present);
  for (unsigned i = 0; i < info->minOperands; ++i)
    if (!op.operand(i))
      return makeError("{0}: required operand #{1} is missing", op.describe(), i);
  if (op.numResults() != info->numResults)
    return makeError("{0}: expects {1} results, has {2}", op.describe(), info->numResults,
                     op.numResults());
  Checker c{op};
  checkLifted(c, info->name);
  return std::move(c.err);
}

} // namespace vimq::ir
