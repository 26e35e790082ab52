//===- OpsetCompat.cpp - which older op definitions mean the same as opset 17's -------------===//
//
// The interpreter and the lifting passes implement opset 17. A model exported with an older
// opset (torch 1.13 exports opset 14 by default) is accepted node by node: an op whose
// definition did not change between the model's opset and 17 means the same; an op whose
// definition did change is accepted only if every change on the way only widened the type
// lists or added an attribute/input whose default keeps the old meaning. Anything else
// (Split's `split` becoming an input in 13, Softmax's axis semantics in 13, RoiAlign's default
// coordinate mode in 16, BatchNormalization's training outputs in 14, ...) is rejected with a
// request to re-export, because reading it with opset 17's meaning would silently change the
// model.
//
//===----------------------------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "llvm/ADT/STLExtras.h"

#include <onnx/defs/schema.h>

namespace vimq::onnximport {

namespace {

struct CompatibleChange {
  const char *op;
  int sinceVersion; // the version that introduced the change
};

// From the ONNX operator changelog: definitions that, for the tensors vimq runs, mean exactly
// what the previous one meant.
constexpr CompatibleChange kCompatibleChanges[] = {
    // Opset 14: type lists widened (Add/Sub/Mul/Div: 8-/16-bit integers; Relu: int8..int64;
    // CumSum: more types; Identity: sequence types), Reshape's `allowzero` (default 0 = the
    // old meaning), RNN/GRU/LSTM's `layout` (default 0 = the old layout).
    {"Add", 14}, {"Sub", 14}, {"Mul", 14}, {"Div", 14}, {"Relu", 14}, {"CumSum", 14},
    {"Identity", 14}, {"Reshape", 14}, {"RNN", 14}, {"GRU", 14}, {"LSTM", 14},
    // Opset 15: Pow's exponent types, Shape's `start`/`end` (defaults: the whole shape).
    {"Pow", 15}, {"Shape", 15},
    // Opset 16: bfloat16/optional types, ScatterElements/ScatterND's `reduction` (default
    // none = the old overwrite).
    {"Identity", 16}, {"If", 16}, {"Loop", 16}, {"Scan", 16}, {"Where", 16},
    {"LeakyRelu", 16}, {"PRelu", 16}, {"GreaterOrEqual", 16}, {"LessOrEqual", 16},
    {"ScatterElements", 16}, {"ScatterND", 16},
};

bool isCompatibleChange(llvm::StringRef op, int sinceVersion) {
  return llvm::any_of(kCompatibleChanges, [&](const CompatibleChange &c) {
    return op == c.op && c.sinceVersion == sinceVersion;
  });
}

} // namespace

std::optional<int> firstIncompatibleVersion(llvm::StringRef op, int64_t modelOpset,
                                            int64_t targetOpset) {
  const auto *registry = onnx::OpSchemaRegistry::Instance();
  const onnx::OpSchema *old = registry->GetSchema(op.str(), int(modelOpset), "");
  if (!old)
    return std::nullopt; // unknown in the model's opset: the checker names it
  // Every definition introduced after the model's one, up to the target opset.
  int since = old->since_version();
  for (int64_t v = modelOpset + 1; v <= targetOpset; ++v) {
    const onnx::OpSchema *s = registry->GetSchema(op.str(), int(v), "");
    if (!s || s->since_version() == since)
      continue;
    since = s->since_version();
    if (!isCompatibleChange(op, since))
      return since;
  }
  return std::nullopt;
}

} // namespace vimq::onnximport
