//===- Helpers.cpp - operand checks, broadcasting, strided copies, thread count --------------===//
#include "OpImpl.h"
#include "Parallel.h"

#include "vimq/interp/Interpreter.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace vimq::interp::detail {

llvm::Expected<const Tensor *> required(Inputs in, unsigned i) {
  if (i >= in.size() || !in[i])
    return makeError("missing required operand {0}", i);
  return in[i];
}

llvm::Error expectDType(const Tensor &t, DType d, llvm::StringRef what) {
  if (t.dtype() != d)
    return makeError("{0} must be {1}, got {2}{3}", what, dtypeName(d), dtypeName(t.dtype()),
                     shapeStr(t.shape()));
  return llvm::Error::success();
}

llvm::Error expectFloat(const Tensor &t, llvm::StringRef what) {
  if (t.dtype() != DType::F32 && t.dtype() != DType::F64)
    return makeError("{0} must be f32 or f64, got {1}{2}", what, dtypeName(t.dtype()),
                     shapeStr(t.shape()));
  return llvm::Error::success();
}

llvm::Error expectInteger(const Tensor &t, llvm::StringRef what) {
  switch (t.dtype()) {
  case DType::I64: case DType::I32: case DType::I16: case DType::I8: case DType::U8:
    return llvm::Error::success();
  default:
    return makeError("{0} must be an integer tensor, got {1}{2}", what, dtypeName(t.dtype()),
                     shapeStr(t.shape()));
  }
}

llvm::Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return makeError("axis {0} is out of range for rank {1}", axis, rank);
  return axis < 0 ? axis + rank : axis;
}

std::optional<DType> dtypeFromOnnx(int64_t onnxType) {
  // onnx.TensorProto.DataType numbering.
  switch (onnxType) {
  case 1: return DType::F32;
  case 2: return DType::U8;
  case 3: return DType::I8;
  case 5: return DType::I16;
  case 6: return DType::I32;
  case 7: return DType::I64;
  case 9: return DType::Bool;
  case 10: return DType::F16;
  case 11: return DType::F64;
  default: return std::nullopt;
  }
}

llvm::Expected<Shape> broadcastShapes(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes) {
  size_t r = 0;
  for (auto s : shapes)
    r = std::max(r, s.size());
  Shape out(r, 1);
  for (auto s : shapes) {
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t &o = out[r - s.size() + i];
      int64_t d = s[i];
      if (d == o || d == 1)
        continue;
      if (o != 1) {
        std::string all;
        for (auto t : shapes)
          all += (all.empty() ? "" : " and ") + shapeStr(t);
        return makeError("shapes {0} are not broadcastable", all);
      }
      o = d;
    }
  }
  // Refuse results nobody could allocate ([1e6, 1] + [1, 1e6]) before a kernel tries to;
  // 8 bytes is the widest element.
  if (auto e = checkAllocatable(out, DType::F64))
    return e;
  return out;
}

llvm::SmallVector<int64_t, 6> broadcastStrides(llvm::ArrayRef<int64_t> in,
                                               llvm::ArrayRef<int64_t> out) {
  llvm::SmallVector<int64_t, 6> st(out.size(), 0);
  int64_t s = 1;
  for (size_t i = in.size(); i-- > 0;) {
    size_t o = out.size() - in.size() + i;
    st[o] = (in[i] == 1 && out[o] != 1) ? 0 : s;
    s *= in[i];
  }
  return st;
}

llvm::SmallVector<int64_t, 6> contiguousStrides(llvm::ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t, 6> st(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    st[i - 1] = st[i] * shape[i];
  return st;
}

template <typename T>
static void copyRows(const T *src, int64_t srcOffset, llvm::ArrayRef<int64_t> srcStrides,
                     llvm::ArrayRef<int64_t> shape, T *dst) {
  std::array<llvm::SmallVector<int64_t, 6>, 1> st{
      llvm::SmallVector<int64_t, 6>(srcStrides.begin(), srcStrides.end())};
  if (shape.empty()) {
    dst[0] = src[srcOffset];
    return;
  }
  forEachRow<1>(shape, st, [&](int64_t o, const std::array<int64_t, 1> &off, int64_t n,
                               const std::array<int64_t, 1> &is) {
    const T *s = src + srcOffset + off[0];
    T *d = dst + o;
    int64_t step = is[0];
    if (step == 1) {
      std::memcpy(d, s, size_t(n) * sizeof(T));
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      d[i] = s[i * step];
  });
}

void stridedCopy(const uint8_t *src, size_t elemSize, int64_t srcOffset,
                 llvm::ArrayRef<int64_t> srcStrides, llvm::ArrayRef<int64_t> shape,
                 uint8_t *dst) {
  if (numElements(shape) == 0)
    return;
  switch (elemSize) {
  case 1:
    return copyRows(src, srcOffset, srcStrides, shape, dst);
  case 2:
    return copyRows(reinterpret_cast<const uint16_t *>(src), srcOffset, srcStrides, shape,
                    reinterpret_cast<uint16_t *>(dst));
  case 4:
    return copyRows(reinterpret_cast<const uint32_t *>(src), srcOffset, srcStrides, shape,
                    reinterpret_cast<uint32_t *>(dst));
  default:
    return copyRows(reinterpret_cast<const uint64_t *>(src), srcOffset, srcStrides, shape,
                    reinterpret_cast<uint64_t *>(dst));
  }
}

llvm::Error checkAllocatable(llvm::ArrayRef<int64_t> shape, DType d) {
  int64_t bytes = int64_t(dtypeSize(d));
  for (int64_t s : shape) {
    if (s < 0)
      return makeError("negative dimension in shape {0}", shapeStr(shape));
    if (s != 0 && bytes > kMaxTensorBytes / s)
      return makeError("shape {0} is too large to allocate", shapeStr(shape));
    bytes *= s;
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<int64_t>> readInts(const Tensor &t, llvm::StringRef what) {
  if (t.dtype() != DType::I64 && t.dtype() != DType::I32)
    return makeError("{0} must be i64 or i32, got {1}", what, dtypeName(t.dtype()));
  if (t.rank() > 1)
    return makeError("{0} must be 1-D, got shape {1}", what, shapeStr(t.shape()));
  return t.toInts();
}

static std::atomic<unsigned> &threadSetting() {
  // VIMQ_INTERP_THREADS=1 forces serial runs (profiling, shared CI machines).
  static std::atomic<unsigned> n = [] {
    if (const char *env = std::getenv("VIMQ_INTERP_THREADS")) {
      long v = std::strtol(env, nullptr, 10);
      if (v >= 1)
        return unsigned(std::min(v, 64L));
    }
    return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  }();
  return n;
}

unsigned interpThreads() { return threadSetting().load(std::memory_order_relaxed); }

static std::atomic<unsigned> activeRuns{0};

unsigned kernelThreads() {
  unsigned runs = std::max(1u, activeRuns.load(std::memory_order_relaxed));
  return std::max(1u, interpThreads() / runs);
}

ActiveRun::ActiveRun() { activeRuns.fetch_add(1, std::memory_order_relaxed); }
ActiveRun::~ActiveRun() { activeRuns.fetch_sub(1, std::memory_order_relaxed); }

} // namespace vimq::interp::detail

namespace vimq::interp {

void setNumThreads(unsigned n) {
  detail::threadSetting().store(std::clamp(n, 1u, 64u), std::memory_order_relaxed);
}
unsigned numThreads() { return detail::interpThreads(); }

} // namespace vimq::interp
