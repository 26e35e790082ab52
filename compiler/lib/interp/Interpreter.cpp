//===- Interpreter.cpp - whole-graph evaluation with last-use freeing -----------------------===//
#include "vimq/interp/Interpreter.h"
#include "Parallel.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <unordered_map>

namespace vimq::interp {

llvm::Expected<NamedTensors> Interpreter::run(const NamedTensors &inputs) {
  detail::ActiveRun active; // concurrent runs share the kernel threads
  // Check the inputs against the graph's signature before doing any work.
  llvm::DenseMap<const ir::Value *, const Tensor *> env;
  llvm::StringMap<const ir::Value *> graphInputs;
  for (const ir::Value *v : g_.inputs())
    graphInputs[v->name()] = v;
  for (const auto &[name, t] : inputs) {
    auto it = graphInputs.find(name);
    if (it == graphInputs.end())
      return makeError("unknown input '{0}'", name);
    ir::TensorType got{t.dtype(), Shape(t.shape().begin(), t.shape().end())};
    if (got != it->second->type())
      return makeError("input '{0}': expected {1}, got {2}", name, it->second->type().str(),
                       got.str());
    env[it->second] = &t;
  }
  for (const ir::Value *v : g_.inputs())
    if (!env.count(v))
      return makeError("missing input '{0}' ({1})", v->name(), v->type().str());

  // Index of the last op reading each value; graph outputs are never freed.
  std::vector<const ir::Op *> ops;
  for (const auto &op : g_.ops())
    ops.push_back(op.get());
  llvm::DenseMap<const ir::Value *, size_t> lastUse;
  for (size_t i = 0; i < ops.size(); ++i)
    for (const ir::Value *v : ops[i]->operands())
      if (v)
        lastUse[v] = i;
  llvm::DenseSet<const ir::Value *> isOutput(g_.outputs().begin(), g_.outputs().end());

  // Values produced by ops live here until their last use. Node-based so that the pointers
  // kept in `env` survive rehashing.
  std::unordered_map<const ir::Value *, Tensor> owned;
  owned.reserve(g_.values().size());
  auto lookup = [&](const ir::Value *v) -> const Tensor * {
    if (const Tensor *c = v->constant())
      return c;
    auto it = env.find(v);
    return it == env.end() ? nullptr : it->second;
  };

  llvm::SmallVector<const Tensor *, 6> args;
  for (size_t i = 0; i < ops.size(); ++i) {
    const ir::Op &op = *ops[i];
    args.clear();
    for (const ir::Value *v : op.operands()) {
      if (!v) {
        args.push_back(nullptr);
        continue;
      }
      const Tensor *t = lookup(v);
      if (!t)
        return makeError("{0}: operand '{1}' has no value (graph not in topological order?)",
                         op.describe(), v->name());
      args.push_back(t);
    }
    auto res = evaluateOp(op, args);
    if (!res)
      return res.takeError();
    for (unsigned r = 0; r < op.numResults(); ++r) {
      const ir::Value *v = op.result(r);
      const Tensor &t = (*res)[r];
      // The declared type is what later passes compile against; a mismatch is a bug upstream.
      ir::TensorType got{t.dtype(), Shape(t.shape().begin(), t.shape().end())};
      if (got != v->type())
        return makeError("{0}: result '{1}' is {2} but the graph declares {3}", op.describe(),
                         v->name(), got.str(), v->type().str());
    }
    if (onOpDone)
      onOpDone(op, *res);
    for (unsigned r = 0; r < op.numResults(); ++r) {
      const ir::Value *v = op.result(r);
      Tensor &slot = owned[v];
      slot = std::move((*res)[r]);
      env[v] = &slot;
      if (!lastUse.count(v) && !isOutput.count(v))
        slot = Tensor(); // an unused optional result (e.g. LayerNormalization's Mean)
    }
    // Free operands whose last reader was this op.
    for (const ir::Value *v : op.operands())
      if (v && !v->isConstant() && !isOutput.count(v) && lastUse.lookup(v) == i) {
        auto it = owned.find(v);
        if (it != owned.end())
          it->second = Tensor(); // keep the slot (pointers into `owned` stay valid)
      }
  }

  NamedTensors out;
  for (const ir::Value *v : g_.outputs()) {
    const Tensor *t = lookup(v);
    if (!t)
      return makeError("graph output '{0}' was never computed", v->name());
    out[v->name()] = *t;
  }
  return out;
}

} // namespace vimq::interp
