//===- TestUtil.h - helpers for the interpreter tests ---------------------------*- C++ -*-===//
#pragma once

#include "vimq/interp/Interpreter.h"
#include "vimq/ir/IR.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

namespace vimq::interp::test {

/// One op on constant operands, evaluated with evaluateOp. A null tensor is an omitted operand.
struct OpCase {
  ir::Graph g;
  ir::Op *op = nullptr;
  std::vector<Tensor> ins;
  std::vector<bool> present;

  OpCase(llvm::StringRef kind, std::vector<std::optional<Tensor>> inputs, unsigned numResults = 1) {
    llvm::SmallVector<ir::Value *, 6> operands;
    for (auto &t : inputs) {
      present.push_back(t.has_value());
      ins.push_back(t ? *t : Tensor());
      operands.push_back(t ? g.addConstant(g.uniqueName("in"), *t) : nullptr);
    }
    std::vector<ir::TensorType> types(numResults, ir::TensorType{});
    op = g.createOp(kind, "n0", operands, types);
  }
  OpCase &attr(llvm::StringRef name, ir::Attr a) {
    op->setAttr(name, std::move(a));
    return *this;
  }
  llvm::Expected<std::vector<Tensor>> run() const {
    llvm::SmallVector<const Tensor *, 6> ptrs;
    for (size_t i = 0; i < ins.size(); ++i)
      ptrs.push_back(present[i] ? &ins[i] : nullptr);
    return evaluateOp(*op, ptrs);
  }
  /// Runs and returns result 0, failing the test on error.
  Tensor run0() const {
    auto r = run();
    if (!r) {
      ADD_FAILURE() << llvm::toString(r.takeError());
      return Tensor();
    }
    return std::move((*r)[0]);
  }
  /// Runs expecting an error; returns its message.
  std::string error() const {
    auto r = run();
    if (r) {
      ADD_FAILURE() << "expected an error from " << op->kind();
      return "";
    }
    return llvm::toString(r.takeError());
  }
};

inline Tensor f32(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<float> v) {
  return Tensor::fromVector<float>(shape, v);
}
inline Tensor i64(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> v) {
  return Tensor::fromVector<int64_t>(shape, v);
}
inline Tensor i64v(std::vector<int64_t> v) {
  return Tensor::fromVector<int64_t>({int64_t(v.size())}, v);
}

/// Deterministic uniform random tensor in [lo, hi).
inline Tensor randomF32(llvm::ArrayRef<int64_t> shape, uint32_t seed, float lo = -1.f,
                        float hi = 1.f) {
  Tensor t(DType::F32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = d(rng);
  return t;
}

inline std::vector<int64_t> shapeVec(const Tensor &t) {
  return std::vector<int64_t>(t.shape().begin(), t.shape().end());
}

/// Element-wise |a - b| <= atol + rtol * |b|, with a readable failure.
inline ::testing::AssertionResult allClose(const Tensor &a, const Tensor &b, double rtol,
                                           double atol) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure()
           << "type " << dtypeName(a.dtype()).str() << shapeStr(a.shape()) << " vs "
           << dtypeName(b.dtype()).str() << shapeStr(b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = a.getDouble(i), y = b.getDouble(i);
    if (std::isnan(x) && std::isnan(y))
      continue;
    if (!(std::fabs(x - y) <= atol + rtol * std::fabs(y)))
      return ::testing::AssertionFailure() << "element " << i << ": " << x << " vs " << y;
  }
  return ::testing::AssertionSuccess();
}

} // namespace vimq::interp::test
