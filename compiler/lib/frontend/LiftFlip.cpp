//===- LiftFlip.cpp - reversals along one axis -> vimq.Flip -----------------------------------===//
//
//   Slice(x, start = end-of-axis, end = before-start, axis a, step -1) -> Flip(x) {axis = a}
//   Gather(x, [n-1, ..., 1, 0] (constant), axis a), n = dim a          -> Flip(x) {axis = a}
// torch's x.flip(dims=[a]) exports as the Slice form; index-based flips as the Gather form.
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

/// The axis `op` reverses completely, if it is a flip.
std::optional<int64_t> flipAxis(const Op &op) {
  if (op.is("onnx.Slice")) {
    auto s = singleAxisSlice(op);
    if (!s || s->step != -1)
      return std::nullopt;
    int64_t dim = op.operand(0)->shape()[size_t(s->axis)];
    if (s->start == dim - 1 && s->end == -1)
      return s->axis;
    return std::nullopt;
  }
  if (op.is("onnx.Gather")) {
    const Value *x = op.operand(0);
    auto idx = intsConst(op.operand(1));
    if (!x || !idx || op.operand(1)->rank() != 1)
      return std::nullopt;
    auto axis = normalizeAxis(op.getInt("axis", 0), x->rank());
    if (!axis)
      return std::nullopt;
    int64_t n = x->shape()[size_t(*axis)];
    if (int64_t(idx->size()) != n)
      return std::nullopt;
    for (int64_t i = 0; i < n; ++i)
      if ((*idx)[size_t(i)] != n - 1 - i && (*idx)[size_t(i)] != -1 - i)
        return std::nullopt;
    return *axis;
  }
  return std::nullopt;
}

class LiftFlip : public Pass {
public:
  llvm::StringRef name() const override { return "lift-flip"; }
  llvm::StringRef description() const override {
    return "lift full-axis step -1 Slice and reversed-index Gather to vimq.Flip";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      auto axis = flipAxis(*op);
      if (!axis || op->result(0)->type() != op->operand(0)->type())
        continue;
      Op *flip = uses.replaceOp(g, op, "vimq.Flip", {op->operand(0)}, {op->result(0)->type()});
      flip->setAttr("axis", *axis);
      changed = true;
    }
    if (changed)
      g.removeDeadCode();
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createLiftFlipPass() { return std::make_unique<LiftFlip>(); }

} // namespace vimq::frontend
