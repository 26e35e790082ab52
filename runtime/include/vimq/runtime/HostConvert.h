//===- HostConvert.h - host tensors <-> device bytes of an I/O descriptor ---------*- C++ -*-===//
#pragma once

#include "vimq/isa/Bundle.h"
#include "vimq/support/Tensor.h"

namespace vimq::rt {

/// Device bytes (io.numBytes()) of host tensor `t`. `raw`: a byte copy; `fixed`: each f32 x
/// becomes saturate(RNE(x * 2^frac)) in io.dtype. Non-finite inputs are errors.
llvm::Expected<std::vector<uint8_t>> toDevice(const isa::IoDesc &io, const Tensor &t);

/// Host tensor of io's shape from its device bytes (`fixed`: value * 2^-frac, rounded to f32).
Tensor fromDevice(const isa::IoDesc &io, llvm::ArrayRef<uint8_t> bytes);

} // namespace vimq::rt
