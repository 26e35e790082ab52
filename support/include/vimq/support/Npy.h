//===- Npy.h - NumPy .npy read/write ---------------------------------------------*- C++ -*-===//
//
// Format 1.0/2.0/3.0 headers, little-endian, C order. Element types: float32, float16,
// float64, int64, int32, int16, int8, uint8, bool. Anything else (Fortran order, big-endian,
// object arrays, structured dtypes) is a clear error naming the file.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/support/Tensor.h"

#include "llvm/Support/Error.h"

namespace vimq {

llvm::Expected<Tensor> readNpy(llvm::StringRef path);
llvm::Expected<Tensor> parseNpy(llvm::StringRef bytes, llvm::StringRef nameForErrors);
/// Writes atomically: to a temporary file beside `path`, then renamed, so that a failure never
/// leaves a half-written file behind.
llvm::Error writeNpy(llvm::StringRef path, const Tensor &t);
std::string serializeNpy(const Tensor &t);

} // namespace vimq
