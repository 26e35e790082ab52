//===- DeadCodeElimination.cpp - the generic "dce" pass ---------------------------------------===//
//
// Removes ops none of whose results reach a graph output, and the constants only they used.
// Lifting patterns leave the ops they replaced behind; this pass is how pipelines clean up.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/passes/Debug.h"
#include "vimq/passes/Pass.h"

namespace vimq {

namespace {
class DeadCodeElimination : public Pass {
public:
  llvm::StringRef name() const override { return "dce"; }
  llvm::StringRef description() const override {
    return "remove ops whose results reach no graph output, and unused constants";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    unsigned erased = g.removeDeadCode();
    VIMQ_DEBUG("dce", llvm::dbgs() << "dce: erased " << erased << " ops\n");
    return erased != 0;
  }
};
} // namespace

void registerGenericPasses() { registerPassType<DeadCodeElimination>(); }

} // namespace vimq
