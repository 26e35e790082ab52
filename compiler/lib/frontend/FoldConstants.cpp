//===- FoldConstants.cpp - evaluate ops on constants at compile time --------------------------===//
//
// torch.onnx emits shape arithmetic (Shape/Gather/Concat/ConstantOfShape/Where/Expand/Reshape
// chains) even when every shape is static. Evaluating every op whose operands are all
// constants with the reference interpreter collapses those chains; `Shape` of a statically
// shaped value folds even though its operand is not constant. One sweep in topological order
// folds whole chains.
//
// Not folded: ops the interpreter does not implement (left to lifting / check-supported),
// random generators, ops that would blow a small constant up into a large one (e.g. an Expand
// of a [1,1,D] token to [B,1,D] stays an Expand; lift-vision consumes it), and ops that would
// copy a large constant another op still uses (the tied LM head's Transpose of the embedding
// table: lift-linear shares the table instead of duplicating it).
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

#include "vimq/interp/Interpreter.h"
#include "vimq/passes/Debug.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

/// A folded result may exceed its inputs by this many elements before it counts as a blow-up.
constexpr int64_t kMaxGrowthElems = int64_t(1) << 20;
/// Constants at least this large are not duplicated when another op still uses them.
constexpr int64_t kLargeConstElems = int64_t(1) << 16;

bool isNondeterministic(llvm::StringRef kind) {
  return llvm::StringSwitch<bool>(kind)
      .Cases("onnx.RandomNormal", "onnx.RandomNormalLike", "onnx.RandomUniform",
             "onnx.RandomUniformLike", "onnx.Multinomial", "onnx.Bernoulli", true)
      .Default(false);
}

/// Shape(x) of a static x, honouring opset-15 start/end.
Tensor shapeOf(const Op &op) {
  llvm::ArrayRef<int64_t> s = op.operand(0)->shape();
  int64_t r = int64_t(s.size());
  auto clampIdx = [&](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + r : i, 0, r); };
  int64_t b = clampIdx(op.getInt("start", 0)), e = clampIdx(op.getInt("end", r));
  std::vector<int64_t> dims;
  for (int64_t i = b; i < e; ++i)
    dims.push_back(s[size_t(i)]);
  return Tensor::fromVector<int64_t>({int64_t(dims.size())}, dims);
}

class FoldConstants : public Pass {
public:
  llvm::StringRef name() const override { return "fold-constants"; }
  llvm::StringRef description() const override {
    return "evaluate ops whose operands are all constants (and Shape of static values)";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    unsigned folded = 0;
    for (Op *op : g.opSnapshot()) {
      std::vector<Tensor> results;
      if (op->is("onnx.Shape") && op->numResults() == 1 && op->operand(0)) {
        results.push_back(shapeOf(*op));
      } else {
        if (!shouldFold(*op, uses))
          continue;
        llvm::SmallVector<const Tensor *, 4> inputs;
        for (Value *v : op->operands())
          inputs.push_back(v ? v->constant() : nullptr);
        auto r = interp::evaluateOp(*op, inputs);
        if (!r)
          return r.takeError();
        results = std::move(*r);
      }
      for (unsigned i = 0; i < op->numResults(); ++i)
        if (i >= results.size() || results[i].dtype() != op->result(i)->dtype() ||
            results[i].shape() != op->result(i)->shape())
          return makeError("{0}: folding produced a value that does not match result type {1}",
                           op->describe(), op->result(i)->type().str());
      replaceByConstants(g, uses, op, std::move(results));
      changed = true;
      ++folded;
    }
    VIMQ_DEBUG("fold-constants", llvm::dbgs() << "fold-constants: folded " << folded << " ops\n");
    return changed;
  }

private:
  static bool shouldFold(const Op &op, const UseMap &uses) {
    if (op.numOperands() == 0 || isNondeterministic(op.kind()) ||
        !interp::canEvaluate(op.kind()))
      return false;
    int64_t inElems = 0;
    for (const Value *v : op.operands()) {
      if (!v)
        continue;
      if (!v->isConstant())
        return false;
      inElems += v->constant()->numel();
      if (v->constant()->numel() >= kLargeConstElems && uses.users(v).size() > 1)
        return false;
    }
    int64_t outElems = 0;
    for (const Value *r : op.results())
      outElems += r->type().numel();
    return outElems <= inElems + kMaxGrowthElems;
  }

  static void replaceByConstants(ir::Graph &g, UseMap &uses, Op *op, std::vector<Tensor> ts) {
    // Keep the folded values' names: erase the op first (which frees them), then create the
    // constants, then redirect the uses of the old result objects (still allocated).
    llvm::SmallVector<Value *, 2> old(op->results().begin(), op->results().end());
    llvm::SmallVector<std::string, 2> names;
    for (Value *r : old)
      names.push_back(r->name());
    llvm::SmallVector<Value *, 2> fresh;
    uses.eraseOp(g, op);
    for (size_t i = 0; i < old.size(); ++i)
      fresh.push_back(g.addConstant(names[i], std::move(ts[i])));
    for (size_t i = 0; i < old.size(); ++i)
      uses.replaceAllUsesWith(g, old[i], fresh[i]);
  }
};

} // namespace

std::unique_ptr<Pass> createFoldConstantsPass() { return std::make_unique<FoldConstants>(); }

} // namespace vimq::frontend
