//===- LiftEmbedding.cpp - Gather(table, ids) -> vimq.Embedding -------------------------------===//
//
// nn.Embedding exports as Gather(weight[V,D], ids, axis 0). The lifted op checks ids at run
// time (an out-of-range id is an error, where Gather would read negative ids from the end).
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"
#include "PatternUtil.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

class LiftEmbedding : public Pass {
public:
  llvm::StringRef name() const override { return "lift-embedding"; }
  llvm::StringRef description() const override {
    return "lift Gather(constant table[V,D], integer ids, axis 0) to vimq.Embedding";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    UseMap uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      if (!op->is("onnx.Gather") || op->getInt("axis", 0) != 0)
        continue;
      Value *table = op->operand(0), *ids = op->operand(1);
      // Constant ids are fold-constants' business; only run-time lookups are embeddings.
      if (!table || !ids || !table->isConstant() || table->rank() != 2 || table->dtype() != DType::F32 ||
          ids->isConstant() || isFloat(ids->dtype()) || ids->dtype() == DType::Bool)
        continue;
      uses.replaceOp(g, op, "vimq.Embedding", {ids, table}, {op->result(0)->type()});
      changed = true;
    }
    if (changed)
      g.removeDeadCode();
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createLiftEmbeddingPass() { return std::make_unique<LiftEmbedding>(); }

} // namespace vimq::frontend
