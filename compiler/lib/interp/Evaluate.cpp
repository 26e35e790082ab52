//===- Evaluate.cpp - the op table: canEvaluate, supportedKinds, evaluateOp ------------------===//
#include "vimq/interp/Interpreter.h"

#include "OpImpl.h"

#include <algorithm>

namespace vimq::interp {

using namespace detail;

static const OpTable &table() {
  static const OpTable t = [] {
    OpTable t;
    registerElementwiseOps(t);
    registerShapeOps(t);
    registerLinalgOps(t);
    registerReduceOps(t);
    registerLiftedOps(t);
    registerIndexOps(t);
    return t;
  }();
  return t;
}

bool canEvaluate(llvm::StringRef kind) { return table().count(kind); }

std::vector<std::string> supportedKinds() {
  std::vector<std::string> kinds;
  for (const auto &e : table())
    kinds.push_back(e.getKey().str());
  std::sort(kinds.begin(), kinds.end());
  return kinds;
}

llvm::Expected<std::vector<Tensor>> evaluateOp(const ir::Op &op,
                                               llvm::ArrayRef<const Tensor *> inputs) {
  auto it = table().find(op.kind());
  if (it == table().end())
    return makeError("{0}: the interpreter does not implement '{1}'", op.describe(), op.kind());
  if (inputs.size() != op.numOperands())
    return makeError("{0}: expected {1} input tensors, got {2}", op.describe(),
                     op.numOperands(), inputs.size());
  const OpEntry &entry = it->second;

  bool hasHalf = std::any_of(inputs.begin(), inputs.end(),
                             [](const Tensor *t) { return t && t->dtype() == DType::F16; });
  llvm::Expected<Results> res = [&]() -> llvm::Expected<Results> {
    if (!entry.widenHalf || !hasHalf)
      return entry.fn(op, inputs);
    // Compute half-precision math in float32 and round once at the end.
    std::vector<Tensor> widened(inputs.size());
    llvm::SmallVector<const Tensor *, 6> ptrs(inputs.begin(), inputs.end());
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i] && inputs[i]->dtype() == DType::F16) {
        widened[i] = inputs[i]->cast(DType::F32);
        ptrs[i] = &widened[i];
      }
    auto r = entry.fn(op, ptrs);
    if (!r)
      return r.takeError();
    // Narrow float results back only when the data operand was half (Pow(f32, f16) is f32).
    if (inputs[0] && inputs[0]->dtype() == DType::F16)
      for (Tensor &t : *r)
        if (t.dtype() == DType::F32)
          t = t.cast(DType::F16);
    return r;
  }();
  if (!res)
    return withContext(res.takeError(), op.describe());
  if (res->size() != op.numResults())
    return makeError("{0}: produced {1} results, the op has {2}", op.describe(), res->size(),
                     op.numResults());
  return res;
}

} // namespace vimq::interp
