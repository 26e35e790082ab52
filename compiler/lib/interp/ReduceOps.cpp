//===- ReduceOps.cpp - reductions, Softmax, LayerNormalization -------------------------------===//
//
// Sums (ReduceSum/Mean, Softmax's denominator, LayerNormalization's moments) accumulate in
// double and round once to the storage type: results then do not depend on the reduction
// length's rounding error, which keeps the interpreter a tight reference.
//
//===----------------------------------------------------------------------------------------===//
#include "OpImpl.h"

#include <cmath>
#include <limits>

namespace vimq::interp::detail {
namespace {

enum class Red { Sum, Mean, Max, Min, Prod, SumSquare, L1, L2, LogSumExp, LogSum };

/// Resolves the reduced axes: from the `axes` operand (ReduceSum since opset 13, all reductions
/// since opset 18) or attribute. Returns nullopt for "no-op" (empty axes with
/// noop_with_empty_axes), else a bool mask.
llvm::Expected<std::optional<llvm::SmallVector<bool, 6>>>
reducedAxes(const ir::Op &op, Inputs in, int64_t rank) {
  std::vector<int64_t> axes;
  if (const Tensor *t = optional(in, 1)) {
    auto v = readInts(*t, "axes");
    if (!v)
      return v.takeError();
    axes = *v;
  } else {
    axes = op.getInts("axes");
  }
  llvm::SmallVector<bool, 6> mask(size_t(rank), axes.empty());
  if (axes.empty() && op.getInt("noop_with_empty_axes", 0))
    return std::optional<llvm::SmallVector<bool, 6>>();
  for (int64_t a : axes) {
    auto ax = normalizeAxis(a, rank);
    if (!ax)
      return ax.takeError();
    mask[size_t(*ax)] = true;
  }
  return std::optional<llvm::SmallVector<bool, 6>>(mask);
}

template <Red K> llvm::Expected<Results> reduce(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0);
  if (!xo)
    return xo.takeError();
  const Tensor &x = **xo;
  auto mask = reducedAxes(op, in, x.rank());
  if (!mask)
    return mask.takeError();
  if (!*mask)
    return one(x);
  bool keep = op.getInt("keepdims", 1) != 0;
  Shape kept, out;
  for (int64_t d = 0; d < x.rank(); ++d) {
    bool r = (**mask)[size_t(d)];
    kept.push_back(r ? 1 : x.dim(d));
    if (!r || keep)
      out.push_back(r ? 1 : x.dim(d));
  }
  if (x.numel() == 0 && (K == Red::Max || K == Red::Min))
    return makeError("cannot take the max/min of an empty tensor");
  return dispatchNumeric(
      x.dtype(),
      [&](auto tag) -> llvm::Expected<Results> {
        using T = decltype(tag);
        int64_t no = numElements(kept);
        int64_t count = no ? x.numel() / no : 0;
        // Walk the input once; each element lands in the output slot given by strides that
        // are 0 along reduced axes.
        std::vector<double> acc(size_t(no), K == Red::Prod ? 1.0 : 0.0);
        std::vector<T> ext(size_t(no), K == Red::Max ? std::numeric_limits<T>::lowest()
                                                     : std::numeric_limits<T>::max());
        std::vector<bool> nan(size_t(no), false);
        auto st = broadcastStrides(kept, x.shape());
        std::array<llvm::SmallVector<int64_t, 6>, 1> sts{st};
        const T *px = x.data<T>();
        forEachRow<1>(x.shape(), sts, [&](int64_t o, const std::array<int64_t, 1> &off,
                                          int64_t n, const std::array<int64_t, 1> &is) {
          for (int64_t i = 0; i < n; ++i) {
            T v = px[o + i];
            size_t slot = size_t(off[0] + i * is[0]);
            double dv = double(v);
            switch (K) {
            case Red::Sum: case Red::Mean: case Red::LogSum: acc[slot] += dv; break;
            case Red::Prod: acc[slot] *= dv; break;
            case Red::SumSquare: case Red::L2: acc[slot] += dv * dv; break;
            case Red::L1: acc[slot] += std::fabs(dv); break;
            case Red::LogSumExp: break; // two passes, below
            case Red::Max:
              if (v != v)
                nan[slot] = true;
              else if (v > ext[slot])
                ext[slot] = v;
              break;
            case Red::Min:
              if (v != v)
                nan[slot] = true;
              else if (v < ext[slot])
                ext[slot] = v;
              break;
            }
          }
        });
        if (K == Red::LogSumExp) {
          // log Σ exp(x) = m + log Σ exp(x - m) with m the max, so exp never overflows.
          std::vector<double> m(size_t(no), -std::numeric_limits<double>::infinity());
          forEachRow<1>(x.shape(), sts, [&](int64_t o, const std::array<int64_t, 1> &off,
                                            int64_t n, const std::array<int64_t, 1> &is) {
            for (int64_t i = 0; i < n; ++i)
              m[size_t(off[0] + i * is[0])] =
                  std::max(m[size_t(off[0] + i * is[0])], double(px[o + i]));
          });
          forEachRow<1>(x.shape(), sts, [&](int64_t o, const std::array<int64_t, 1> &off,
                                            int64_t n, const std::array<int64_t, 1> &is) {
            for (int64_t i = 0; i < n; ++i) {
              size_t s = size_t(off[0] + i * is[0]);
              acc[s] += std::exp(double(px[o + i]) - m[s]);
            }
          });
          for (int64_t i = 0; i < no; ++i)
            acc[size_t(i)] = m[size_t(i)] + std::log(acc[size_t(i)]);
        }
        Tensor r(x.dtype(), out);
        T *pr = r.data<T>();
        for (int64_t i = 0; i < no; ++i) {
          double a = acc[size_t(i)];
          switch (K) {
          case Red::Max: case Red::Min:
            pr[i] = nan[size_t(i)] ? T(std::numeric_limits<double>::quiet_NaN()) : ext[size_t(i)];
            continue;
          case Red::Mean:
            a = count ? a / double(count) : std::numeric_limits<double>::quiet_NaN();
            break;
          case Red::L2: a = std::sqrt(a); break;
          case Red::LogSum: a = std::log(a); break;
          default: break;
          }
          if constexpr (std::is_floating_point_v<T>)
            pr[i] = T(a);
          else
            pr[i] = T(int64_t(a));
        }
        return one(std::move(r));
      },
      [&]() -> llvm::Expected<Results> {
        return makeError("unsupported operand type {0}", dtypeName(x.dtype()));
      });
}

/// Softmax / LogSoftmax over one axis (opset 13 form). Rows along the axis are strided by
/// `inner`; the max is subtracted first so exp never overflows.
template <bool Log> llvm::Expected<Results> softmax(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0);
  if (!xo)
    return xo.takeError();
  const Tensor &x = **xo;
  if (auto e = expectFloat(x, "input"))
    return e;
  auto axis = normalizeAxis(op.getInt("axis", -1), std::max<int64_t>(x.rank(), 1));
  if (!axis)
    return axis.takeError();
  int64_t len = x.rank() ? x.dim(*axis) : 1;
  int64_t inner = x.rank() ? numElements(x.shape().drop_front(size_t(*axis) + 1)) : 1;
  int64_t outer = (len * inner) != 0 ? x.numel() / (len * inner) : 0;
  Tensor r(x.dtype(), x.shape());
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T *px = x.data<T>();
    T *pr = r.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T *row = px + o * len * inner + i;
        T *dst = pr + o * len * inner + i;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < len; ++k)
          m = std::max(m, double(row[k * inner]));
        double sum = 0;
        for (int64_t k = 0; k < len; ++k)
          sum += std::exp(double(row[k * inner]) - m);
        for (int64_t k = 0; k < len; ++k) {
          double v = double(row[k * inner]) - m;
          dst[k * inner] = T(Log ? v - std::log(sum) : std::exp(v) / sum);
        }
      }
  };
  if (x.dtype() == DType::F32)
    run(float{});
  else
    run(double{});
  return one(std::move(r));
}

llvm::Expected<Results> layerNorm(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0), so = required(in, 1);
  if (!xo)
    return xo.takeError();
  if (!so)
    return so.takeError();
  const Tensor &x = **xo, &scale = **so;
  const Tensor *bias = optional(in, 2);
  if (auto e = expectFloat(x, "X"))
    return e;
  for (const Tensor *t : {&scale, bias})
    if (t && t->dtype() != x.dtype())
      return makeError("operand types differ: {0} vs {1}", dtypeName(x.dtype()),
                       dtypeName(t->dtype()));
  auto axis = normalizeAxis(op.getInt("axis", -1), x.rank());
  if (!axis)
    return axis.takeError();
  llvm::ArrayRef<int64_t> normShape = x.shape().drop_front(size_t(*axis));
  // Scale and B broadcast (unidirectionally) to the normalised shape.
  for (const Tensor *t : {&scale, bias}) {
    if (!t)
      continue;
    auto b = broadcastShapes({t->shape(), normShape});
    if (!b || Shape(normShape.begin(), normShape.end()) != *b) {
      if (!b)
        llvm::consumeError(b.takeError());
      return makeError("scale/bias {0} does not broadcast to {1}", shapeStr(t->shape()),
                       shapeStr(normShape));
    }
  }
  double eps = op.getFloat("epsilon", 1e-5);
  int64_t D = numElements(normShape);
  int64_t rows = D ? x.numel() / D : 0;
  Shape statShape(x.shape().begin(), x.shape().end());
  for (size_t d = size_t(*axis); d < statShape.size(); ++d)
    statShape[d] = 1;
  Tensor y(x.dtype(), x.shape()), mean(x.dtype(), statShape), invStd(x.dtype(), statShape);
  auto sStrides = broadcastStrides(scale.shape(), normShape);
  auto bStrides = bias ? broadcastStrides(bias->shape(), normShape) : sStrides;
  // Expand scale and bias once to the normalised shape (a contiguous row).
  auto expandRow = [&](const Tensor *t, llvm::ArrayRef<int64_t> st) {
    std::vector<double> row(size_t(D), 0.0);
    if (!t)
      return row;
    Tensor full(t->dtype(), normShape);
    stridedCopy(t->raw(), dtypeSize(t->dtype()), 0, st, normShape, full.raw());
    for (int64_t i = 0; i < D; ++i)
      row[size_t(i)] = full.getDouble(i);
    return row;
  };
  std::vector<double> s = expandRow(&scale, sStrides), b = expandRow(bias, bStrides);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T *px = x.data<T>();
    T *py = y.data<T>(), *pm = mean.data<T>(), *pi = invStd.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      const T *row = px + r * D;
      double mu = 0, var = 0;
      for (int64_t i = 0; i < D; ++i)
        mu += double(row[i]);
      mu /= double(D);
      for (int64_t i = 0; i < D; ++i)
        var += (double(row[i]) - mu) * (double(row[i]) - mu);
      var /= double(D);
      double inv = 1.0 / std::sqrt(var + eps);
      for (int64_t i = 0; i < D; ++i)
        py[r * D + i] = T((double(row[i]) - mu) * inv * s[size_t(i)] + b[size_t(i)]);
      pm[r] = T(mu);
      pi[r] = T(inv);
    }
  };
  if (x.dtype() == DType::F32)
    run(float{});
  else
    run(double{});
  Results res;
  res.push_back(std::move(y));
  if (op.numResults() > 1)
    res.push_back(std::move(mean));
  if (op.numResults() > 2)
    res.push_back(std::move(invStd));
  return res;
}

} // namespace

void registerReduceOps(OpTable &t) {
  t["onnx.ReduceSum"] = {reduce<Red::Sum>, true};
  t["onnx.ReduceMean"] = {reduce<Red::Mean>, true};
  t["onnx.ReduceMax"] = {reduce<Red::Max>, true};
  t["onnx.ReduceMin"] = {reduce<Red::Min>, true};
  t["onnx.ReduceProd"] = {reduce<Red::Prod>, true};
  t["onnx.ReduceSumSquare"] = {reduce<Red::SumSquare>, true};
  t["onnx.ReduceL1"] = {reduce<Red::L1>, true};
  t["onnx.ReduceL2"] = {reduce<Red::L2>, true};
  t["onnx.ReduceLogSum"] = {reduce<Red::LogSum>, true};
  t["onnx.ReduceLogSumExp"] = {reduce<Red::LogSumExp>, true};
  t["onnx.Softmax"] = {softmax<false>, true};
  t["onnx.LogSoftmax"] = {softmax<true>, true};
  t["onnx.LayerNormalization"] = {layerNorm, true};
}

} // namespace vimq::interp::detail
