//===- HostConvert.h - host tensors <-> device bytes of an I/O descriptor ---------*- C++ -*-===//
#pragma once

#include "vimq/isa/Bundle.h"
#include "vimq/support/Tensor.h"

namespace vimq::rt {

/// Device bytes (io.numBytes()) of host tensor `t`. `raw`: a byte copy; `fixed`: each f32 x
/// becomes saturate(RNE(x * 2^frac)) in io.dtype. Non-finite inputs are errors. `index`: each
/// i64 or i32 id becomes an int32; an id outside [0, io.limit) is an error naming the input
/// and the id's position (q.FromIndex, docs/numerics.md). `saturated`, if given, receives how
/// many `fixed` values were outside io.dtype's range at 2^frac and were saturated.
llvm::Expected<std::vector<uint8_t>> toDevice(const isa::IoDesc &io, const Tensor &t,
                                              uint64_t *saturated = nullptr);

/// The host tensor type an I/O descriptor expects: f32 for fixed-point I/O, i64 for token ids
/// (`index`; i32 is accepted too), the device type for `raw`.
DType hostDType(const isa::IoDesc &io);
/// How messages and listings name the host type: "f32", "i32", "i64|i32" (index).
std::string hostTypeName(const isa::IoDesc &io);

/// Whether `t` is a host type `io` takes: its hostDType (Session.h), or for `index` inputs
/// also i32 (token ids come as int64 from PyTorch, as int32 from many tokenizers).
bool acceptsHostDType(const isa::IoDesc &io, DType t);

/// Host tensor of io's shape from its device bytes (`fixed`: value * 2^-frac, rounded to f32).
Tensor fromDevice(const isa::IoDesc &io, llvm::ArrayRef<uint8_t> bytes);

} // namespace vimq::rt
