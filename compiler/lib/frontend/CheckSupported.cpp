//===- CheckSupported.cpp - reject what neither lifting nor the interpreter handles -----------===//
//
// The importer accepts any standard ONNX op because a lifting pass may still turn it into a
// vimq op (e.g. Pow/ReduceMean/Sqrt into RMSNorm). This pass, last in the frontend pipeline,
// is where an op that survived lifting and that the reference interpreter cannot evaluate
// becomes an error, naming the node, its op type and domain, and its place in the graph (its
// position among the ops and the graph input it is computed from).
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"

#include "vimq/interp/Interpreter.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/DenseSet.h"

namespace vimq::frontend {

using ir::Op;
using ir::Value;

namespace {

/// The first graph input reached walking back from `op` through operands, depth-first in
/// operand order; "" if the op depends on constants only.
std::string reachingInput(const Op &op) {
  llvm::SmallVector<const Value *, 16> stack;
  llvm::DenseSet<const Value *> seen;
  for (auto it = op.operands().rbegin(); it != op.operands().rend(); ++it)
    if (*it)
      stack.push_back(*it);
  while (!stack.empty()) {
    const Value *v = stack.pop_back_val();
    if (!seen.insert(v).second || v->isConstant())
      continue;
    const Op *def = v->definingOp();
    if (!def)
      return v->name(); // a graph input
    for (auto it = def->operands().rbegin(); it != def->operands().rend(); ++it)
      if (*it)
        stack.push_back(*it);
  }
  return "";
}

class CheckSupported : public Pass {
public:
  llvm::StringRef name() const override { return "check-supported"; }
  llvm::StringRef description() const override {
    return "error on ops that were not lifted and that the interpreter cannot evaluate";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    size_t index = 0;
    for (const auto &op : g.ops()) {
      if (!interp::canEvaluate(op->kind())) {
        std::string input = reachingInput(*op);
        return makeError(
            "node '{0}' (op type '{1}', domain '{2}') is not supported: it was not lifted and "
            "the interpreter cannot evaluate it (op #{3} of {4}, {5})",
            op->name(), op->opName(), op->dialect() == "onnx" ? "ai.onnx" : "ai.vimq", index,
            g.numOps(),
            input.empty() ? std::string("computed from constants only")
                          : "computed from graph input '" + input + "'");
      }
      ++index;
    }
    return false;
  }
};

} // namespace

std::unique_ptr<Pass> createCheckSupportedPass() { return std::make_unique<CheckSupported>(); }

} // namespace vimq::frontend
