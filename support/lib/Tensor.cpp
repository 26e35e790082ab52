#include "vimq/support/Tensor.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace vimq {

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F64: case DType::I64: return 8;
  case DType::F32: case DType::I32: return 4;
  case DType::F16: case DType::I16: return 2;
  case DType::I8: case DType::U8: case DType::Bool: return 1;
  }
  return 0;
}

llvm::StringRef dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::F16: return "f16";
  case DType::I64: return "i64";
  case DType::I32: return "i32";
  case DType::I16: return "i16";
  case DType::I8: return "i8";
  case DType::U8: return "u8";
  case DType::Bool: return "bool";
  }
  return "?";
}

std::optional<DType> dtypeFromName(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("f32", DType::F32).Case("f64", DType::F64).Case("f16", DType::F16)
      .Case("i64", DType::I64).Case("i32", DType::I32).Case("i16", DType::I16)
      .Case("i8", DType::I8).Case("u8", DType::U8).Case("bool", DType::Bool)
      .Default(std::nullopt);
}

bool isFloat(DType t) { return t == DType::F32 || t == DType::F64 || t == DType::F16; }

std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || llvm::MulOverflow(n, d, n))
      return std::nullopt;
  return n;
}

std::optional<uint64_t> checkedByteSize(DType dtype, llvm::ArrayRef<int64_t> shape) {
  std::optional<int64_t> n = checkedNumElements(shape);
  uint64_t bytes;
  if (!n || __builtin_mul_overflow(uint64_t(*n), uint64_t(dtypeSize(dtype)), &bytes) ||
      bytes > std::numeric_limits<size_t>::max())
    return std::nullopt;
  return bytes;
}

int64_t numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (llvm::MulOverflow(n, d, n))
      llvm::report_fatal_error(llvm::Twine("element count of shape ") + shapeStr(shape) +
                               " overflows int64");
  return n;
}

std::string shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal half -> normal float
      int e = -1;
      do { ++e; mant <<= 1; } while ((mant & 0x400) == 0);
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = int32_t((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) // inf / nan
    return uint16_t(sign | 0x7c00 | (mant ? 0x200 : 0));
  if (exp >= 31)
    return uint16_t(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10)
      return uint16_t(sign);
    mant |= 0x800000;
    uint32_t shift = uint32_t(14 - exp);
    uint32_t half = mant >> shift, rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1)))
      ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = sign | uint32_t(exp) << 10 | mant >> 13;
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is the correct rounding
  return uint16_t(half);
}

/// The storage size of a tensor; an invalid shape is a programming error (shapes from files are
/// checked with checkedByteSize() before a Tensor is made), reported instead of wrapping.
static size_t storageBytes(DType dtype, llvm::ArrayRef<int64_t> shape) {
  std::optional<uint64_t> bytes = checkedByteSize(dtype, shape);
  if (!bytes)
    llvm::report_fatal_error(llvm::Twine("invalid tensor shape ") + shapeStr(shape) + " of " +
                             dtypeName(dtype));
  return size_t(*bytes);
}

Tensor::Tensor(DType dtype, llvm::ArrayRef<int64_t> shape)
    : dtype_(dtype), shape_(shape.begin(), shape.end()),
      bytes_(storageBytes(dtype, shape), /*zero=*/true) {}

Tensor::Tensor(DType dtype, llvm::ArrayRef<int64_t> shape, UninitializedTag)
    : dtype_(dtype), shape_(shape.begin(), shape.end()),
      bytes_(storageBytes(dtype, shape), /*zero=*/false) {}

Tensor Tensor::reshaped(llvm::ArrayRef<int64_t> shape) const & {
  return Tensor(*this).reshaped(shape);
}

Tensor Tensor::reshaped(llvm::ArrayRef<int64_t> shape) && {
  assert(numElements(shape) == numel());
  Tensor t = std::move(*this);
  t.shape_.assign(shape.begin(), shape.end());
  return t;
}

double Tensor::getDouble(int64_t i) const {
  const uint8_t *p = raw() + size_t(i) * dtypeSize(dtype_);
  switch (dtype_) {
  case DType::F32: { float v; std::memcpy(&v, p, 4); return v; }
  case DType::F64: { double v; std::memcpy(&v, p, 8); return v; }
  case DType::F16: { uint16_t v; std::memcpy(&v, p, 2); return halfToFloat(v); }
  case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return double(v); }
  case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
  case DType::I16: { int16_t v; std::memcpy(&v, p, 2); return v; }
  case DType::I8: return double(int8_t(*p));
  case DType::U8: return double(*p);
  case DType::Bool: return *p ? 1.0 : 0.0;
  }
  return 0;
}

int64_t Tensor::getInt(int64_t i) const {
  const uint8_t *p = raw() + size_t(i) * dtypeSize(dtype_);
  switch (dtype_) {
  case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return v; }
  case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
  case DType::I16: { int16_t v; std::memcpy(&v, p, 2); return v; }
  case DType::I8: return int8_t(*p);
  case DType::U8: return *p;
  case DType::Bool: return *p ? 1 : 0;
  default: {
    double d = getDouble(i);
    if (!std::isfinite(d))
      return 0;
    return int64_t(d);
  }
  }
}

std::vector<int64_t> Tensor::toInts() const {
  std::vector<int64_t> v(static_cast<size_t>(numel()));
  for (int64_t i = 0; i < numel(); ++i)
    v[size_t(i)] = getInt(i);
  return v;
}

std::vector<float> Tensor::toFloats() const {
  std::vector<float> v(static_cast<size_t>(numel()));
  if (dtype_ == DType::F32) {
    if (!v.empty())
      std::memcpy(v.data(), raw(), nbytes());
    return v;
  }
  for (int64_t i = 0; i < numel(); ++i)
    v[size_t(i)] = float(getDouble(i));
  return v;
}

Tensor Tensor::cast(DType to) const {
  if (to == dtype_)
    return *this;
  Tensor t(to, shape_);
  int64_t n = numel();
  uint8_t *q = t.raw();
  for (int64_t i = 0; i < n; ++i) {
    uint8_t *p = q + size_t(i) * dtypeSize(to);
    bool srcFloat = isFloat(dtype_);
    switch (to) {
    case DType::F32: { float v = float(getDouble(i)); std::memcpy(p, &v, 4); break; }
    case DType::F64: { double v = getDouble(i); std::memcpy(p, &v, 8); break; }
    case DType::F16: { uint16_t v = floatToHalf(float(getDouble(i))); std::memcpy(p, &v, 2); break; }
    case DType::Bool: *p = srcFloat ? (getDouble(i) != 0.0) : (getInt(i) != 0); break;
    default: {
      int64_t v = srcFloat ? int64_t(std::trunc(getDouble(i))) : getInt(i);
      switch (to) {
      case DType::I64: std::memcpy(p, &v, 8); break;
      case DType::I32: { int32_t w = int32_t(v); std::memcpy(p, &w, 4); break; }
      case DType::I16: { int16_t w = int16_t(v); std::memcpy(p, &w, 2); break; }
      case DType::I8: *p = uint8_t(int8_t(v)); break;
      case DType::U8: *p = uint8_t(v); break;
      default: break;
      }
    }
    }
  }
  return t;
}

} // namespace vimq
