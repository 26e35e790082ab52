//===- Tensor.h - a dense, typed, host tensor ------------------------------------*- C++ -*-===//
//
// The one host tensor type of vimq: element type + static shape + contiguous C-order bytes.
// Used for ONNX initializers, interpreter values, .npy files and runtime buffers.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vimq {

enum class DType : uint8_t { F32, F64, F16, I64, I32, I16, I8, U8, Bool };

/// Element size in bytes.
size_t dtypeSize(DType t);
/// Canonical short name: "f32", "f64", "f16", "i64", "i32", "i16", "i8", "u8", "bool".
llvm::StringRef dtypeName(DType t);
std::optional<DType> dtypeFromName(llvm::StringRef name);
bool isFloat(DType t);

template <typename T> constexpr DType dtypeOf();
template <> constexpr DType dtypeOf<float>() { return DType::F32; }
template <> constexpr DType dtypeOf<double>() { return DType::F64; }
template <> constexpr DType dtypeOf<int64_t>() { return DType::I64; }
template <> constexpr DType dtypeOf<int32_t>() { return DType::I32; }
template <> constexpr DType dtypeOf<int16_t>() { return DType::I16; }
template <> constexpr DType dtypeOf<int8_t>() { return DType::I8; }
template <> constexpr DType dtypeOf<uint8_t>() { return DType::U8; }
template <> constexpr DType dtypeOf<bool>() { return DType::Bool; }

using Shape = llvm::SmallVector<int64_t, 4>;

/// Number of elements of a shape (1 for rank 0). The shape must be valid (every dimension
/// >= 0, the product fits int64_t); an overflow is a fatal error, never UB. Shapes read from a
/// file must go through checkedNumElements() first.
int64_t numElements(llvm::ArrayRef<int64_t> shape);
/// Number of elements, or nullopt if a dimension is negative or the count overflows int64_t.
std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape);
/// Bytes of a tensor of that shape and element type, or nullopt as for checkedNumElements()
/// or if the byte count overflows.
std::optional<uint64_t> checkedByteSize(DType dtype, llvm::ArrayRef<int64_t> shape);
/// "[2, 3, 4]"
std::string shapeStr(llvm::ArrayRef<int64_t> shape);

/// IEEE half <-> float conversions (round to nearest even on the way down).
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);

class Tensor {
public:
  Tensor() = default;
  /// Zero-filled.
  Tensor(DType dtype, llvm::ArrayRef<int64_t> shape);
  /// Storage left uninitialised, for producers that write every element (weights run to
  /// hundreds of MB: a zero fill would be one more pass over all of them).
  enum UninitializedTag { Uninitialized };
  Tensor(DType dtype, llvm::ArrayRef<int64_t> shape, UninitializedTag);

  template <typename T>
  static Tensor fromVector(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<T> values) {
    Tensor t(dtypeOf<T>(), shape, Uninitialized);
    assert(static_cast<int64_t>(values.size()) == t.numel());
    if (!values.empty())
      std::memcpy(t.raw(), values.data(), values.size() * sizeof(T));
    return t;
  }
  template <typename T> static Tensor scalar(T v) { return fromVector<T>({}, {v}); }

  DType dtype() const { return dtype_; }
  llvm::ArrayRef<int64_t> shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_[i < 0 ? i + rank() : i]; }
  int64_t numel() const { return numElements(shape_); }
  size_t nbytes() const { return bytes_.size(); }

  uint8_t *raw() { return bytes_.data(); }
  const uint8_t *raw() const { return bytes_.data(); }

  template <typename T> T *data() {
    assert(dtypeOf<T>() == dtype_ && "tensor element type mismatch");
    return reinterpret_cast<T *>(bytes_.data());
  }
  template <typename T> const T *data() const {
    assert(dtypeOf<T>() == dtype_ && "tensor element type mismatch");
    return reinterpret_cast<const T *>(bytes_.data());
  }
  template <typename T> llvm::ArrayRef<T> values() const { return {data<T>(), size_t(numel())}; }

  /// Same bytes, new shape (element count must match). On a temporary the bytes are moved,
  /// not copied (weights are hundreds of MB).
  Tensor reshaped(llvm::ArrayRef<int64_t> shape) const &;
  Tensor reshaped(llvm::ArrayRef<int64_t> shape) &&;
  /// Element-wise conversion (float <-> int truncates toward zero, like ONNX Cast).
  Tensor cast(DType to) const;
  /// Element i as double / int64 whatever the dtype (for shape arithmetic, printing, tests).
  double getDouble(int64_t i) const;
  int64_t getInt(int64_t i) const;
  /// All elements as int64 (shape tensors, indices); as float (any numeric type).
  std::vector<int64_t> toInts() const;
  std::vector<float> toFloats() const;

  bool sameAs(const Tensor &o) const {
    return dtype_ == o.dtype_ && shape_ == o.shape_ && bytes_ == o.bytes_;
  }

private:
  /// Owned bytes; unlike std::vector<uint8_t> it can be allocated without a zero fill.
  class Bytes {
  public:
    Bytes() = default;
    Bytes(size_t n, bool zero) : p_(n ? new uint8_t[n] : nullptr), n_(n) {
      if (zero && n)
        std::memset(p_.get(), 0, n);
    }
    Bytes(const Bytes &o) : Bytes(o.n_, false) {
      if (n_)
        std::memcpy(p_.get(), o.p_.get(), n_);
    }
    Bytes(Bytes &&o) noexcept : p_(std::move(o.p_)), n_(o.n_) { o.n_ = 0; }
    Bytes &operator=(const Bytes &o) {
      if (this != &o)
        *this = Bytes(o);
      return *this;
    }
    Bytes &operator=(Bytes &&o) noexcept {
      p_ = std::move(o.p_);
      n_ = o.n_;
      o.n_ = 0;
      return *this;
    }
    uint8_t *data() { return p_.get(); }
    const uint8_t *data() const { return p_.get(); }
    size_t size() const { return n_; }
    bool operator==(const Bytes &o) const {
      return n_ == o.n_ && (n_ == 0 || std::memcmp(p_.get(), o.p_.get(), n_) == 0);
    }

  private:
    std::unique_ptr<uint8_t[]> p_;
    size_t n_ = 0;
  };

  DType dtype_ = DType::F32;
  Shape shape_;
  Bytes bytes_;
};

} // namespace vimq
