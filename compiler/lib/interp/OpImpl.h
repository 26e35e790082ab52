//===- OpImpl.h - shared plumbing of the interpreter's op implementations -------*- C++ -*-===//
//
// Private to compiler/lib/interp. Every op implementation has the signature EvalFn and reports
// errors without naming the op: evaluateOp prefixes op.describe() once, so messages stay
// uniform ("node 'X' (onnx.Add): ...").
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/ir/IR.h"
#include "vimq/support/Error.h"
#include "vimq/support/Tensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace vimq::interp::detail {

using Results = std::vector<Tensor>;
using Inputs = llvm::ArrayRef<const Tensor *>;
using EvalFn = llvm::Expected<Results> (*)(const ir::Op &, Inputs);

struct OpEntry {
  EvalFn fn = nullptr;
  /// Float16 operands are widened to float32, computed, and results narrowed back (round to
  /// nearest even). Only set for math ops; data-movement ops copy f16 bytes unchanged.
  bool widenHalf = false;
};
using OpTable = llvm::StringMap<OpEntry>;

void registerElementwiseOps(OpTable &t);
void registerShapeOps(OpTable &t);
void registerLinalgOps(OpTable &t);
void registerReduceOps(OpTable &t);
void registerLiftedOps(OpTable &t);
void registerIndexOps(OpTable &t);

//===- operand access -------------------------------------------------------------------===//

/// Operand i, or an error if it is missing (null or out of range).
llvm::Expected<const Tensor *> required(Inputs in, unsigned i);
/// Operand i, or null if omitted.
inline const Tensor *optional(Inputs in, unsigned i) {
  return i < in.size() ? in[i] : nullptr;
}
/// Error unless `t` has dtype `d`.
llvm::Error expectDType(const Tensor &t, DType d, llvm::StringRef what);
/// Error unless `t` is float32 or float64.
llvm::Error expectFloat(const Tensor &t, llvm::StringRef what);
/// Error unless `t` has an integer dtype (i8..i64, u8).
llvm::Error expectInteger(const Tensor &t, llvm::StringRef what);

/// Normalizes a possibly negative axis against `rank`; error if out of [-rank, rank).
llvm::Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// ONNX TensorProto.DataType -> DType (nullopt for types the interpreter does not hold).
std::optional<DType> dtypeFromOnnx(int64_t onnxType);

//===- dtype dispatch -------------------------------------------------------------------===//

/// Calls f(T{}) with the C++ type of `d` for every numeric storage type (not f16, not bool).
/// Returns f's result; for unsupported dtypes returns `onError()`.
template <typename F, typename E> auto dispatchNumeric(DType d, F &&f, E &&onError) {
  switch (d) {
  case DType::F32: return f(float{});
  case DType::F64: return f(double{});
  case DType::I64: return f(int64_t{});
  case DType::I32: return f(int32_t{});
  case DType::I16: return f(int16_t{});
  case DType::I8: return f(int8_t{});
  case DType::U8: return f(uint8_t{});
  default: return onError();
  }
}

//===- broadcasting ---------------------------------------------------------------------===//

/// Multidirectional (numpy) broadcast of several shapes; error names both shapes on mismatch.
llvm::Expected<Shape> broadcastShapes(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes);

/// Element strides of `in` when read as a tensor of shape `out` (0 along broadcast dims).
/// `in` must be broadcastable to `out`.
llvm::SmallVector<int64_t, 6> broadcastStrides(llvm::ArrayRef<int64_t> in,
                                               llvm::ArrayRef<int64_t> out);

/// Row-wise walk of an output of shape `out` with N inputs read through `strides`: calls
/// body(outOffset, inOffsets, innerLen, innerStrides) once per innermost row. Innermost
/// strides are 0 or 1 for broadcast reads, so kernels specialise the all-1 case.
template <size_t N, typename Body>
void forEachRow(llvm::ArrayRef<int64_t> out,
                const std::array<llvm::SmallVector<int64_t, 6>, N> &strides, Body &&body) {
  int64_t numel = numElements(out);
  if (numel == 0)
    return;
  size_t r = out.size();
  int64_t inner = r ? out[r - 1] : 1;
  std::array<int64_t, N> innerStride{}, off{};
  for (size_t k = 0; k < N; ++k)
    innerStride[k] = r ? strides[k][r - 1] : 0;
  llvm::SmallVector<int64_t, 6> idx(r, 0);
  for (int64_t o = 0; o < numel; o += inner) {
    body(o, off, inner, innerStride);
    // Advance the multi-index over all but the innermost dimension.
    for (int64_t d = int64_t(r) - 2; d >= 0; --d) {
      if (++idx[size_t(d)] < out[size_t(d)]) {
        for (size_t k = 0; k < N; ++k)
          off[k] += strides[k][size_t(d)];
        break;
      }
      for (size_t k = 0; k < N; ++k)
        off[k] -= strides[k][size_t(d)] * (out[size_t(d)] - 1);
      idx[size_t(d)] = 0;
    }
  }
}

/// Copies a strided view of `src` (element strides, possibly negative or 0, starting at
/// element `srcOffset`) into the contiguous tensor `dst` of shape `shape`. dtype-agnostic.
void stridedCopy(const uint8_t *src, size_t elemSize, int64_t srcOffset,
                 llvm::ArrayRef<int64_t> srcStrides, llvm::ArrayRef<int64_t> shape, uint8_t *dst);

/// Row-major element strides of a shape.
llvm::SmallVector<int64_t, 6> contiguousStrides(llvm::ArrayRef<int64_t> shape);

//===- allocation and small helpers -----------------------------------------------------===//

/// Largest tensor the interpreter agrees to allocate (bytes). A data-dependent shape (Reshape,
/// ConstantOfShape, Range, Expand, Tile) beyond it is bad input and must be an error, not a
/// std::bad_alloc abort.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 34;

/// Error unless every dim is >= 0 and the tensor fits kMaxTensorBytes.
llvm::Error checkAllocatable(llvm::ArrayRef<int64_t> shape, DType d);

/// Reads a 1-D (or scalar) int32/int64 tensor such as a shape, axes or repeats operand.
llvm::Expected<std::vector<int64_t>> readInts(const Tensor &t, llvm::StringRef what);

/// Wraps one tensor as an op's result list.
inline Results one(Tensor t) {
  Results r;
  r.push_back(std::move(t));
  return r;
}

} // namespace vimq::interp::detail
