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

} // namespace

Expected<std::vector<uint8_t>> toDevice(const isa::IoDesc &io, const Tensor &t) {
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
