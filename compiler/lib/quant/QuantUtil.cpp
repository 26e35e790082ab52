//===- QuantUtil.cpp - helpers shared by the quantization passes -----------------------------===//
#include "QuantUtil.h"

namespace vimq::quant {

std::vector<double> getDoubles(const ir::Op &op, llvm::StringRef name) {
  if (const ir::Attr *a = op.attr(name))
    if (const auto *v = std::get_if<std::vector<double>>(a))
      return *v;
  return {};
}

ir::Op *matchLastAxisSplit(const ir::Value *v, int64_t &offset, unsigned &resultIndex) {
  ir::Op *split = v ? v->definingOp() : nullptr;
  if (!split || !split->is("onnx.Split"))
    return nullptr;
  int64_t rank = split->operand(0)->rank();
  int64_t axis = split->getInt("axis", 0);
  if (axis != -1 && axis != rank - 1)
    return nullptr;
  offset = 0;
  for (unsigned i = 0; i < split->numResults(); ++i) {
    if (split->result(i) == v) {
      resultIndex = i;
      return split;
    }
    offset += split->result(i)->shape().back();
  }
  return nullptr;
}

ir::Value *addF32Constant(ir::Graph &g, llvm::StringRef base, Tensor t) {
  return g.addConstant(g.uniqueName(base), std::move(t));
}

} // namespace vimq::quant
