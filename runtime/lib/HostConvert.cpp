//===- HostConvert.cpp - host tensors <-> device bytes ------------------------------*- C++ -*-===//

#include "vimq/runtime/HostConvert.h"

#include "vimq/support/Error.h"

#include <cmath>
#include <cstring>

using namespace llvm;

namespace vimq::rt {
namespace {

/// Saturation bounds of an integer device type.
std::pair<double, double> intRange(isa::DType t) {
  switch (t) {
  case isa::DType::i8:
    return {-128, 127};
  case isa::DType::u8:
    return {0, 255};
  case isa::DType::i16:
    return {-32768, 32767};
  default:
    return {-2147483648.0, 2147483647.0};
  }
}

void storeInt(isa::DType t, int64_t v, uint8_t *dst) {
  // Little-endian, two's complement, as the overlay reads DDR.
  for (unsigned i = 0; i < isa::dtypeBytes(t); ++i)
    dst[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
}

int64_t loadInt(isa::DType t, const uint8_t *src) {
  unsigned n = isa::dtypeBytes(t);
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i)
    v |= uint64_t(src[i]) << (8 * i);
  if (t == isa::DType::u8)
    return static_cast<int64_t>(v);
  unsigned bits = 8 * n;
  if ((v >> (bits - 1)) & 1)
    v |= ~uint64_t(0) << bits;
  return static_cast<int64_t>(v);
}

/// "[1, 36]": the multi-index of element `flat` of a C-order tensor of `shape`.
std::string positionOf(ArrayRef<int64_t> shape, uint64_t flat) {
  SmallVector<int64_t, 4> pos(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    pos[d] = int64_t(flat % uint64_t(shape[d]));
    flat /= uint64_t(shape[d]);
  }
  return shapeStr(pos);
}

/// Token ids (i64 or i32) to int32, each checked against [0, limit): the overlay's gathering
/// LOAD refuses an id outside the table too, but the host names the input and the position.
Expected<std::vector<uint8_t>> indicesToDevice(const isa::IoDesc &io, const Tensor &t) {
  std::vector<uint8_t> out(io.numBytes());
  for (uint64_t i = 0; i < io.numElements(); ++i) {
    const int64_t id = t.dtype() == DType::I64 ? t.data<int64_t>()[i] : t.data<int32_t>()[i];
    if (id < 0 || id >= int64_t(io.limit))
      return makeError("input '{0}': id {1} at position {2} is outside [0, {3})", io.name, id,
                       positionOf(io.shape, i), io.limit);
    storeInt(io.dtype, id, out.data() + i * isa::dtypeBytes(io.dtype));
  }
  return out;
}

} // namespace

DType hostDType(const isa::IoDesc &io) {
  if (io.host == isa::HostFormat::fixed)
    return DType::F32;
  if (io.host == isa::HostFormat::index)
    return DType::I64;
  switch (io.dtype) {
  case isa::DType::i8:
    return DType::I8;
  case isa::DType::u8:
    return DType::U8;
  case isa::DType::i16:
    return DType::I16;
  case isa::DType::i32:
    return DType::I32;
  case isa::DType::f32:
    return DType::F32;
  case isa::DType::f16:
    return DType::F16;
  }
  return DType::U8;
}

std::string hostTypeName(const isa::IoDesc &io) {
  if (io.host == isa::HostFormat::index)
    return "i64|i32";
  return dtypeName(hostDType(io)).str();
}

bool acceptsHostDType(const isa::IoDesc &io, DType t) {
  if (io.host == isa::HostFormat::index)
    return t == DType::I64 || t == DType::I32;
  return t == hostDType(io);
}

Expected<std::vector<uint8_t>> toDevice(const isa::IoDesc &io, const Tensor &t,
                                        uint64_t *saturated) {
  if (saturated)
    *saturated = 0;
  if (!acceptsHostDType(io, t.dtype()) || t.numel() != int64_t(io.numElements()))
    return makeError("input '{0}': expected {1} {2}, got {3} {4}", io.name, hostTypeName(io),
                     shapeStr(io.shape), dtypeName(t.dtype()), shapeStr(t.shape()));
  if (io.host == isa::HostFormat::index)
    return indicesToDevice(io, t);
  std::vector<uint8_t> out(io.numBytes());
  if (io.host == isa::HostFormat::raw) {
    std::memcpy(out.data(), t.raw(), out.size());
    return out;
  }
  const float *src = t.data<float>();
  auto [lo, hi] = intRange(io.dtype);
  unsigned size = isa::dtypeBytes(io.dtype);
  for (uint64_t i = 0; i < io.numElements(); ++i) {
    if (!std::isfinite(src[i]))
      return makeError("input '{0}': element {1} is not finite", io.name, i);
    // x * 2^frac is exact in double; nearbyint rounds half to even in the default mode.
    double v = std::nearbyint(std::ldexp(static_cast<double>(src[i]), io.frac));
    if (saturated && (v < lo || v > hi))
      ++*saturated;
    v = std::min(std::max(v, lo), hi);
    storeInt(io.dtype, static_cast<int64_t>(v), out.data() + i * size);
  }
  return out;
}

Tensor fromDevice(const isa::IoDesc &io, ArrayRef<uint8_t> bytes) {
  static constexpr DType kRawHost[] = {DType::I8, DType::U8, DType::I16,
                                       DType::I32, DType::F32, DType::F16};
  if (io.host == isa::HostFormat::raw) {
    Tensor t(kRawHost[static_cast<unsigned>(io.dtype)], io.shape);
    std::memcpy(t.raw(), bytes.data(), t.nbytes());
    return t;
  }
  Tensor t(DType::F32, io.shape);
  float *dst = t.data<float>();
  unsigned size = isa::dtypeBytes(io.dtype);
  for (uint64_t i = 0; i < io.numElements(); ++i)
    dst[i] = static_cast<float>(
        std::ldexp(static_cast<double>(loadInt(io.dtype, bytes.data() + i * size)), -io.frac));
  return t;
}

} // namespace vimq::rt
