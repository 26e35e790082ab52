//===- ShapeOps.cpp - data movement and shape arithmetic ONNX ops ---------------------------===//
//
// These ops are dtype-agnostic (they move bytes) except Range and the constant makers. They are
// what the importer's constant folding evaluates, so they validate their inputs fully: every
// out-of-range index, bad axis or impossible shape is an error, never an out-of-bounds access.
//
//===----------------------------------------------------------------------------------------===//
#include "OpImpl.h"

#include "llvm/ADT/SmallSet.h"

#include <cmath>
#include <cstdint>
#include <numeric>

namespace vimq::interp::detail {
namespace {

#define VIMQ_TRY_INPUT(VAR, IN, I)                                                             \
  auto VAR##OrErr = required(IN, I);                                                           \
  if (!VAR##OrErr)                                                                             \
    return VAR##OrErr.takeError();                                                             \
  const Tensor &VAR = **VAR##OrErr;

/// Axes from the `axes` operand (opset >= 13) or the `axes` attribute (older forms).
llvm::Expected<std::optional<std::vector<int64_t>>> axesOf(const ir::Op &op, Inputs in,
                                                           unsigned operand) {
  if (const Tensor *t = optional(in, operand)) {
    auto v = readInts(*t, "axes");
    if (!v)
      return v.takeError();
    return std::optional<std::vector<int64_t>>(*v);
  }
  if (op.hasAttr("axes"))
    return std::optional<std::vector<int64_t>>(op.getInts("axes"));
  return std::optional<std::vector<int64_t>>();
}

llvm::Expected<Results> identity(const ir::Op &, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  return one(x);
}

llvm::Expected<Results> shapeOf(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  int64_t r = x.rank();
  // Opset 15 start/end: negative counts from the back, then clamp to [0, r].
  auto clampDim = [r](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t(0), r); };
  int64_t start = clampDim(op.getInt("start", 0)), end = clampDim(op.getInt("end", r));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(x.dim(i));
  return one(Tensor::fromVector<int64_t>({int64_t(dims.size())}, dims));
}

llvm::Expected<Results> size(const ir::Op &, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  return one(Tensor::scalar<int64_t>(x.numel()));
}

llvm::Expected<Results> range(const ir::Op &, Inputs in) {
  VIMQ_TRY_INPUT(start, in, 0);
  VIMQ_TRY_INPUT(limit, in, 1);
  VIMQ_TRY_INPUT(delta, in, 2);
  for (const Tensor *t : {&start, &limit, &delta}) {
    if (t->numel() != 1)
      return makeError("start, limit and delta must be scalars, got {0}", shapeStr(t->shape()));
    if (t->dtype() != start.dtype())
      return makeError("start, limit and delta must have one type");
  }
  return dispatchNumeric(
      start.dtype(),
      [&](auto tag) -> llvm::Expected<Results> {
        using T = decltype(tag);
        T s = start.data<T>()[0], l = limit.data<T>()[0], d = delta.data<T>()[0];
        if (d == T(0))
          return makeError("delta is zero");
        // ONNX: number_of_elements = max(ceil((limit - start) / delta), 0).
        double count = std::ceil((double(l) - double(s)) / double(d));
        if (!(count < 0x1p62)) // also catches NaN
          return makeError("range of {0} elements is too large", count);
        int64_t n = count > 0 ? int64_t(count) : 0;
        if (auto e = checkAllocatable({n}, start.dtype()))
          return e;
        Tensor r(start.dtype(), {n});
        T *p = r.data<T>();
        // Accumulate like the ONNX reference loop (value += delta), not start + i * delta.
        T v = s;
        for (int64_t i = 0; i < n; ++i, v = T(v + d))
          p[i] = v;
        return one(std::move(r));
      },
      [&]() -> llvm::Expected<Results> {
        return makeError("unsupported type {0}", dtypeName(start.dtype()));
      });
}

llvm::Expected<Results> gather(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(data, in, 0);
  VIMQ_TRY_INPUT(indices, in, 1);
  if (data.rank() == 0)
    return makeError("data must have rank >= 1");
  if (indices.dtype() != DType::I64 && indices.dtype() != DType::I32)
    return makeError("indices must be i64 or i32, got {0}", dtypeName(indices.dtype()));
  auto axis = normalizeAxis(op.getInt("axis", 0), data.rank());
  if (!axis)
    return axis.takeError();
  int64_t dim = data.dim(*axis);
  std::vector<int64_t> idx = indices.toInts();
  for (int64_t &i : idx) {
    if (i < -dim || i >= dim)
      return makeError("index {0} is out of range for axis {1} of size {2}", i, *axis, dim);
    if (i < 0)
      i += dim;
  }
  Shape out(data.shape().begin(), data.shape().begin() + *axis);
  out.append(indices.shape().begin(), indices.shape().end());
  out.append(data.shape().begin() + *axis + 1, data.shape().end());
  Tensor r(data.dtype(), out);
  size_t es = dtypeSize(data.dtype());
  int64_t outer = numElements(data.shape().take_front(size_t(*axis)));
  size_t innerBytes = size_t(numElements(data.shape().drop_front(size_t(*axis) + 1))) * es;
  uint8_t *dst = r.raw();
  if (r.numel() == 0)
    return one(std::move(r));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : idx) {
      std::memcpy(dst, data.raw() + (size_t(o * dim + i)) * innerBytes, innerBytes);
      dst += innerBytes;
    }
  return one(std::move(r));
}

llvm::Expected<Results> slice(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(data, in, 0);
  std::vector<int64_t> starts, ends, axes, steps;
  if (in.size() >= 3) {
    VIMQ_TRY_INPUT(s, in, 1);
    VIMQ_TRY_INPUT(e, in, 2);
    auto sv = readInts(s, "starts"), ev = readInts(e, "ends");
    if (!sv)
      return sv.takeError();
    if (!ev)
      return ev.takeError();
    starts = *sv;
    ends = *ev;
    if (const Tensor *a = optional(in, 3)) {
      auto av = readInts(*a, "axes");
      if (!av)
        return av.takeError();
      axes = *av;
    }
    if (const Tensor *st = optional(in, 4)) {
      auto stv = readInts(*st, "steps");
      if (!stv)
        return stv.takeError();
      steps = *stv;
    }
  } else { // opset 1-9: attributes
    starts = op.getInts("starts");
    ends = op.getInts("ends");
    axes = op.getInts("axes");
  }
  size_t k = starts.size();
  if (axes.empty()) {
    axes.resize(k);
    std::iota(axes.begin(), axes.end(), 0);
  }
  if (steps.empty())
    steps.assign(k, 1);
  if (ends.size() != k || axes.size() != k || steps.size() != k)
    return makeError("starts, ends, axes and steps must have the same length");

  int64_t r = data.rank();
  auto inStrides = contiguousStrides(data.shape());
  Shape out(data.shape().begin(), data.shape().end());
  llvm::SmallVector<int64_t, 6> strides(inStrides.begin(), inStrides.end());
  int64_t offset = 0;
  llvm::SmallSet<int64_t, 6> seen;
  for (size_t i = 0; i < k; ++i) {
    auto ax = normalizeAxis(axes[i], r);
    if (!ax)
      return ax.takeError();
    if (!seen.insert(*ax).second)
      return makeError("axis {0} is sliced twice", *ax);
    int64_t dim = data.dim(*ax), step = steps[i];
    if (step == 0)
      return makeError("step is zero on axis {0}", *ax);
    // ONNX clamping: negative values count from the end; then clamp to the valid range,
    // which for negative steps is [-1, dim-1] for ends so that a slice can include index 0.
    // Saturating adds: starts/ends are often INT64_MIN/INT64_MAX sentinels.
    int64_t s = starts[i], e = ends[i];
    if (s < 0)
      s = s < -dim ? -1 : s + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    // Counts written so that no intermediate overflows, even for |step| near 2^63.
    int64_t n;
    if (step > 0) {
      s = std::clamp(s, int64_t(0), dim);
      e = std::clamp(e, int64_t(0), dim);
      n = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = std::clamp(s, int64_t(-1), dim - 1);
      e = std::clamp(e, int64_t(-1), dim - 1);
      n = s > e ? (step == INT64_MIN ? 1 : (s - e - 1) / (-step) + 1) : 0;
    }
    out[size_t(*ax)] = n;
    if (n > 0)
      offset += s * inStrides[size_t(*ax)];
    strides[size_t(*ax)] = step * inStrides[size_t(*ax)];
  }
  Tensor res(data.dtype(), out);
  stridedCopy(data.raw(), dtypeSize(data.dtype()), offset, strides, out, res.raw());
  return one(std::move(res));
}

llvm::Expected<Results> concat(const ir::Op &op, Inputs in) {
  if (in.empty())
    return makeError("needs at least one operand");
  VIMQ_TRY_INPUT(first, in, 0);
  auto axis = normalizeAxis(op.getInt("axis", 0), first.rank());
  if (!axis)
    return axis.takeError();
  Shape out(first.shape().begin(), first.shape().end());
  out[size_t(*axis)] = 0;
  for (unsigned i = 0; i < in.size(); ++i) {
    VIMQ_TRY_INPUT(t, in, i);
    if (t.dtype() != first.dtype() || t.rank() != first.rank())
      return makeError("operand {0} ({1}{2}) does not match operand 0 ({3}{4})", i,
                       dtypeName(t.dtype()), shapeStr(t.shape()), dtypeName(first.dtype()),
                       shapeStr(first.shape()));
    for (int64_t d = 0; d < t.rank(); ++d)
      if (d != *axis && t.dim(d) != first.dim(d))
        return makeError("operand {0} has shape {1}, incompatible with {2} on axis {3}", i,
                         shapeStr(t.shape()), shapeStr(first.shape()), *axis);
    out[size_t(*axis)] += t.dim(*axis);
  }
  Tensor r(first.dtype(), out);
  size_t es = dtypeSize(first.dtype());
  int64_t outer = numElements(first.shape().take_front(size_t(*axis)));
  uint8_t *dst = r.raw();
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor *t : in) {
      size_t chunk = size_t(numElements(t->shape().drop_front(size_t(*axis)))) * es;
      if (chunk) // empty operands have no buffer
        std::memcpy(dst, t->raw() + size_t(o) * chunk, chunk);
      dst += chunk;
    }
  return one(std::move(r));
}

llvm::Expected<Results> split(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  auto axis = normalizeAxis(op.getInt("axis", 0), x.rank());
  if (!axis)
    return axis.takeError();
  int64_t dim = x.dim(*axis);
  int64_t n = op.numResults();
  std::vector<int64_t> parts;
  if (const Tensor *s = optional(in, 1)) {
    auto v = readInts(*s, "split");
    if (!v)
      return v.takeError();
    parts = *v;
  } else if (op.hasAttr("split")) {
    parts = op.getInts("split");
  } else {
    // Equal parts; when not divisible the last one is smaller (opset 18 num_outputs rule).
    int64_t chunk = n ? (dim + n - 1) / n : 0;
    for (int64_t i = 0; i < n; ++i)
      parts.push_back(std::clamp(dim - i * chunk, int64_t(0), chunk));
  }
  if (int64_t(parts.size()) != n)
    return makeError("split has {0} parts but the op has {1} results", parts.size(), n);
  int64_t total = 0;
  for (int64_t p : parts) {
    if (p < 0)
      return makeError("negative split size {0}", p);
    total += p;
  }
  if (total != dim)
    return makeError("split sizes sum to {0}, axis {1} has {2}", total, *axis, dim);
  auto strides = contiguousStrides(x.shape());
  Results res;
  int64_t at = 0;
  for (int64_t p : parts) {
    Shape s(x.shape().begin(), x.shape().end());
    s[size_t(*axis)] = p;
    Tensor t(x.dtype(), s);
    stridedCopy(x.raw(), dtypeSize(x.dtype()), at * strides[size_t(*axis)], strides, s, t.raw());
    res.push_back(std::move(t));
    at += p;
  }
  return res;
}

llvm::Expected<Results> squeeze(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  auto axes = axesOf(op, in, 1);
  if (!axes)
    return axes.takeError();
  llvm::SmallVector<bool, 6> drop(size_t(x.rank()), false);
  if (!*axes) {
    for (int64_t d = 0; d < x.rank(); ++d)
      drop[size_t(d)] = x.dim(d) == 1;
  } else {
    for (int64_t a : **axes) {
      auto ax = normalizeAxis(a, x.rank());
      if (!ax)
        return ax.takeError();
      if (x.dim(*ax) != 1)
        return makeError("cannot squeeze axis {0} of size {1}", *ax, x.dim(*ax));
      drop[size_t(*ax)] = true;
    }
  }
  Shape out;
  for (int64_t d = 0; d < x.rank(); ++d)
    if (!drop[size_t(d)])
      out.push_back(x.dim(d));
  return one(x.reshaped(out));
}

llvm::Expected<Results> unsqueeze(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  auto axes = axesOf(op, in, 1);
  if (!axes)
    return axes.takeError();
  if (!*axes)
    return makeError("missing axes");
  int64_t r = x.rank() + int64_t((*axes)->size());
  llvm::SmallVector<bool, 6> isNew(size_t(r), false);
  for (int64_t a : **axes) {
    auto ax = normalizeAxis(a, r);
    if (!ax)
      return ax.takeError();
    if (isNew[size_t(*ax)])
      return makeError("axis {0} repeated", *ax);
    isNew[size_t(*ax)] = true;
  }
  Shape out;
  int64_t src = 0;
  for (int64_t d = 0; d < r; ++d)
    out.push_back(isNew[size_t(d)] ? 1 : x.dim(src++));
  return one(x.reshaped(out));
}

llvm::Expected<Results> reshape(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  VIMQ_TRY_INPUT(s, in, 1);
  auto target = readInts(s, "shape");
  if (!target)
    return target.takeError();
  bool allowZero = op.getInt("allowzero", 0) != 0;
  Shape out;
  int64_t inferAt = -1, known = 1;
  for (size_t i = 0; i < target->size(); ++i) {
    int64_t d = (*target)[i];
    if (d == 0 && !allowZero) {
      if (int64_t(i) >= x.rank())
        return makeError("shape {0}: 0 at position {1} copies a dim the input {2} lacks",
                         shapeStr(*target), i, shapeStr(x.shape()));
      d = x.dim(int64_t(i));
    }
    if (d == -1) {
      if (inferAt >= 0)
        return makeError("shape {0} has more than one -1", shapeStr(*target));
      inferAt = int64_t(i);
    } else if (d < 0) {
      return makeError("invalid dimension {0} in shape {1}", d, shapeStr(*target));
    } else {
      if (d > 0 && known > INT64_MAX / d)
        return makeError("shape {0} overflows", shapeStr(*target));
      known *= d;
    }
    out.push_back(d);
  }
  if (inferAt >= 0) {
    if (known == 0 || x.numel() % known != 0)
      return makeError("cannot reshape {0} to {1}", shapeStr(x.shape()), shapeStr(*target));
    out[size_t(inferAt)] = x.numel() / known;
  }
  if (numElements(out) != x.numel())
    return makeError("cannot reshape {0} ({1} elements) to {2}", shapeStr(x.shape()), x.numel(),
                     shapeStr(out));
  return one(x.reshaped(out));
}

llvm::Expected<Results> flatten(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  int64_t axis = op.getInt("axis", 1);
  if (axis < -x.rank() || axis > x.rank())
    return makeError("axis {0} is out of range for rank {1}", axis, x.rank());
  if (axis < 0)
    axis += x.rank();
  int64_t outer = numElements(x.shape().take_front(size_t(axis)));
  return one(x.reshaped({outer, x.numel() / std::max<int64_t>(outer, 1)}));
}

llvm::Expected<Results> transpose(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  int64_t r = x.rank();
  std::vector<int64_t> perm = op.getInts("perm");
  if (perm.empty())
    for (int64_t i = r - 1; i >= 0; --i)
      perm.push_back(i);
  if (int64_t(perm.size()) != r)
    return makeError("perm has {0} entries for rank {1}", perm.size(), r);
  llvm::SmallVector<bool, 6> used(size_t(r), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= r || used[size_t(p)])
      return makeError("perm {0} is not a permutation", shapeStr(perm));
    used[size_t(p)] = true;
  }
  auto inStrides = contiguousStrides(x.shape());
  Shape out;
  llvm::SmallVector<int64_t, 6> strides;
  for (int64_t p : perm) {
    out.push_back(x.dim(p));
    strides.push_back(inStrides[size_t(p)]);
  }
  Tensor t(x.dtype(), out);
  stridedCopy(x.raw(), dtypeSize(x.dtype()), 0, strides, out, t.raw());
  return one(std::move(t));
}

llvm::Expected<Results> expand(const ir::Op &, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  VIMQ_TRY_INPUT(s, in, 1);
  auto target = readInts(s, "shape");
  if (!target)
    return target.takeError();
  auto out = broadcastShapes({x.shape(), *target});
  if (!out)
    return out.takeError();
  if (auto e = checkAllocatable(*out, x.dtype()))
    return e;
  Tensor t(x.dtype(), *out);
  stridedCopy(x.raw(), dtypeSize(x.dtype()), 0, broadcastStrides(x.shape(), *out), *out,
              t.raw());
  return one(std::move(t));
}

llvm::Expected<Results> tile(const ir::Op &, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  VIMQ_TRY_INPUT(rp, in, 1);
  auto reps = readInts(rp, "repeats");
  if (!reps)
    return reps.takeError();
  if (int64_t(reps->size()) != x.rank())
    return makeError("repeats has {0} entries for rank {1}", reps->size(), x.rank());
  // Output axis d decomposes (C order) into (repeat, position): view the input as a
  // 2r-dimensional tensor [rep0, dim0, rep1, dim1, ...] with stride 0 on the repeat axes.
  auto inStrides = contiguousStrides(x.shape());
  Shape view, out;
  llvm::SmallVector<int64_t, 6> strides;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if ((*reps)[size_t(d)] < 0)
      return makeError("negative repeat {0}", (*reps)[size_t(d)]);
    if (x.dim(d) > 0 && (*reps)[size_t(d)] > kMaxTensorBytes / x.dim(d))
      return makeError("repeats {0} make a tensor too large to allocate", shapeStr(*reps));
    view.append({(*reps)[size_t(d)], x.dim(d)});
    strides.append({0, inStrides[size_t(d)]});
    out.push_back((*reps)[size_t(d)] * x.dim(d));
  }
  if (auto e = checkAllocatable(out, x.dtype()))
    return e;
  Tensor t(x.dtype(), out);
  stridedCopy(x.raw(), dtypeSize(x.dtype()), 0, strides, view, t.raw());
  return one(std::move(t));
}

llvm::Expected<Results> castTo(const Tensor &x, DType to) { return one(x.cast(to)); }

llvm::Expected<Results> cast(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  int64_t onnxTo = op.getInt("to", 0);
  auto to = dtypeFromOnnx(onnxTo);
  if (!to)
    return makeError("unsupported target type {0} (onnx.TensorProto.DataType)", onnxTo);
  return castTo(x, *to);
}

llvm::Expected<Results> castLike(const ir::Op &, Inputs in) {
  VIMQ_TRY_INPUT(x, in, 0);
  VIMQ_TRY_INPUT(like, in, 1);
  return castTo(x, like.dtype());
}

llvm::Expected<Results> constant(const ir::Op &op, Inputs) {
  if (const ir::Attr *a = op.attr("value")) {
    if (auto *t = std::get_if<Tensor>(a))
      return one(*t);
    return makeError("attribute 'value' is not a tensor");
  }
  if (op.hasAttr("value_float"))
    return one(Tensor::scalar<float>(float(op.getFloat("value_float", 0))));
  if (op.hasAttr("value_int"))
    return one(Tensor::scalar<int64_t>(op.getInt("value_int", 0)));
  if (op.hasAttr("value_floats")) {
    std::vector<float> v;
    for (double d : op.getFloats("value_floats"))
      v.push_back(float(d));
    return one(Tensor::fromVector<float>({int64_t(v.size())}, v));
  }
  if (op.hasAttr("value_ints")) {
    std::vector<int64_t> v = op.getInts("value_ints");
    return one(Tensor::fromVector<int64_t>({int64_t(v.size())}, v));
  }
  return makeError("no supported value attribute (value, value_float(s), value_int(s))");
}

llvm::Expected<Results> constantOfShape(const ir::Op &op, Inputs in) {
  VIMQ_TRY_INPUT(s, in, 0);
  auto shape = readInts(s, "shape");
  if (!shape)
    return shape.takeError();
  Tensor fill = Tensor::scalar<float>(0.0f);
  if (const ir::Attr *a = op.attr("value")) {
    auto *t = std::get_if<Tensor>(a);
    if (!t || t->numel() != 1)
      return makeError("attribute 'value' must be a one-element tensor");
    fill = *t;
  }
  if (auto e = checkAllocatable(*shape, fill.dtype()))
    return e;
  Tensor r(fill.dtype(), *shape);
  size_t es = dtypeSize(fill.dtype());
  for (int64_t i = 0, n = r.numel(); i < n; ++i)
    std::memcpy(r.raw() + size_t(i) * es, fill.raw(), es);
  return one(std::move(r));
}

#undef VIMQ_TRY_INPUT

} // namespace

void registerShapeOps(OpTable &t) {
  auto add = [&](llvm::StringRef name, EvalFn fn) { t[("onnx." + name).str()] = {fn, false}; };
  add("Identity", identity);
  add("Shape", shapeOf);
  add("Size", size);
  add("Range", range);
  add("Gather", gather);
  add("Slice", slice);
  add("Concat", concat);
  add("Split", split);
  add("Squeeze", squeeze);
  add("Unsqueeze", unsqueeze);
  add("Reshape", reshape);
  add("Flatten", flatten);
  add("Transpose", transpose);
  add("Expand", expand);
  add("Tile", tile);
  add("Cast", cast);
  add("CastLike", castLike);
  add("Constant", constant);
  add("ConstantOfShape", constantOfShape);
}

} // namespace vimq::interp::detail
