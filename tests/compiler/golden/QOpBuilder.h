//===- QOpBuilder.h - one q op in a graph of its own, for unit tests -------------*- C++ -*-===//
#pragma once

#include "vimq/golden/Golden.h"
#include "vimq/ir/IR.h"

#include "gtest/gtest.h"

#include <random>

namespace vimq::testing {

/// Builds `kind` over the given operand tensors (constants when `constMask` bit i is set, else
/// graph inputs) with one result per type, then evaluates it on the golden model.
struct QOpCase {
  ir::Graph g;
  ir::Op *op = nullptr;
  std::vector<Tensor> operands;

  QOpCase(llvm::StringRef kind, std::vector<Tensor> ins, unsigned constMask,
          std::vector<ir::TensorType> results)
      : operands(std::move(ins)) {
    llvm::SmallVector<ir::Value *, 7> vs;
    for (unsigned i = 0; i < operands.size(); ++i) {
      std::string name = "x" + std::to_string(i);
      vs.push_back((constMask >> i) & 1 ? g.addConstant(name, operands[i])
                                        : g.addInput(name, {operands[i].dtype(),
                                                            Shape(operands[i].shape().begin(),
                                                                  operands[i].shape().end())}));
    }
    op = g.createOp(kind, "t", vs, results);
  }

  std::vector<Tensor> eval() {
    llvm::SmallVector<const Tensor *, 7> ptrs;
    for (const Tensor &t : operands)
      ptrs.push_back(&t);
    auto r = golden::evaluateQOp(*op, ptrs);
    if (!r) {
      ADD_FAILURE() << llvm::toString(r.takeError());
      return {};
    }
    return std::move(*r);
  }
};

inline Tensor randI32(Shape shape, int32_t lo, int32_t hi, std::mt19937 &rng) {
  Tensor t(DType::I32, shape);
  std::uniform_int_distribution<int32_t> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<int32_t>()[i] = d(rng);
  return t;
}

inline ir::TensorType ty(DType d, Shape s) { return {d, std::move(s)}; }

} // namespace vimq::testing
