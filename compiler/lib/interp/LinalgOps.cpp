//===- LinalgOps.cpp - MatMul, Gemm, Conv -----------------------------------------------------===//
//
// All three lower onto the one gemm kernel (Gemm.h): accumulation is in the operand type
// (f32 for f32 models, as ONNX Runtime's MLAS does), in increasing reduction-index order.
//
//===----------------------------------------------------------------------------------------===//
#include "Gemm.h"
#include "OpImpl.h"

namespace vimq::interp::detail {
namespace {

/// Materialises the transpose of a row-major [R, C] matrix.
template <typename T> std::vector<T> transposed(const T *src, int64_t R, int64_t C) {
  std::vector<T> t(size_t(R * C));
  transposeMatrix(src, R, C, t.data());
  return t;
}

template <typename T> llvm::Expected<Tensor> matmulT(const Tensor &a, const Tensor &b) {
  // numpy matmul: 1-D operands are promoted to matrices and the added dim removed afterwards.
  Shape as(a.shape().begin(), a.shape().end()), bs(b.shape().begin(), b.shape().end());
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  if (bs[bs.size() - 2] != K)
    return makeError("inner dimensions differ: {0} x {1}", shapeStr(a.shape()),
                     shapeStr(b.shape()));
  llvm::ArrayRef<int64_t> aBatch = llvm::ArrayRef<int64_t>(as).drop_back(2);
  llvm::ArrayRef<int64_t> bBatch = llvm::ArrayRef<int64_t>(bs).drop_back(2);
  auto batch = broadcastShapes({aBatch, bBatch});
  if (!batch)
    return batch.takeError();
  Shape out = *batch;
  if (!aVec)
    out.push_back(M);
  if (!bVec)
    out.push_back(N);
  if (auto e = checkAllocatable(out, a.dtype()))
    return e;
  Tensor r(a.dtype(), out);
  const T *pa = a.data<T>(), *pb = b.data<T>();
  T *pr = r.data<T>();
  if (numElements(bBatch) == 1) {
    // Shared right operand (a weight): one tall gemm over all batch rows of `a`; the batch of
    // `a` may still need broadcasting to the output batch only if `b` has more batch dims.
    int64_t rows = numElements(*batch) * M;
    if (numElements(aBatch) == numElements(*batch)) {
      gemm<T>(rows, N, K, pa, K, pb, N, pr, N, false);
      return r;
    }
  }
  std::array<llvm::SmallVector<int64_t, 6>, 2> st{broadcastStrides(aBatch, *batch),
                                                  broadcastStrides(bBatch, *batch)};
  int64_t nb = numElements(*batch);
  llvm::SmallVector<int64_t, 6> idx(batch->size(), 0);
  for (int64_t n = 0; n < nb; ++n) {
    int64_t oa = 0, ob = 0, rem = n;
    for (size_t d = batch->size(); d-- > 0;) {
      int64_t i = rem % (*batch)[d];
      rem /= (*batch)[d];
      oa += i * st[0][d];
      ob += i * st[1][d];
    }
    gemm<T>(M, N, K, pa + oa * M * K, K, pb + ob * K * N, N, pr + n * M * N, N, false);
  }
  return r;
}

llvm::Expected<Results> matmul(const ir::Op &, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  if (auto e = expectFloat(**a, "A"))
    return e;
  if ((*b)->dtype() != (*a)->dtype())
    return makeError("operand types differ: {0} vs {1}", dtypeName((*a)->dtype()),
                     dtypeName((*b)->dtype()));
  if ((*a)->rank() == 0 || (*b)->rank() == 0)
    return makeError("operands must have rank >= 1");
  auto r = (*a)->dtype() == DType::F32 ? matmulT<float>(**a, **b) : matmulT<double>(**a, **b);
  if (!r)
    return r.takeError();
  return one(std::move(*r));
}

template <typename T>
Tensor gemmT(const Tensor &a, const Tensor &b, const Tensor *c, bool ta, bool tb, double alpha,
             double beta, int64_t M, int64_t N, int64_t K) {
  std::vector<T> at;
  const T *pa = a.data<T>(), *pb = b.data<T>();
  if (ta) {
    at = transposed(pa, K, M);
    pa = at.data();
  }
  Tensor y(a.dtype(), {M, N});
  T *py = y.data<T>();
  if (tb) // B is [N, K], the nn.Linear layout torch exports
    gemmBT<T>(M, N, K, pa, K, pb, K, py, N);
  else
    gemm<T>(M, N, K, pa, K, pb, N, py, N, false);
  if (alpha != 1.0)
    for (int64_t i = 0; i < M * N; ++i)
      py[i] = T(alpha * py[i]);
  if (c && beta != 0.0) {
    std::array<llvm::SmallVector<int64_t, 6>, 1> st{broadcastStrides(c->shape(), y.shape())};
    const T *pc = c->data<T>();
    forEachRow<1>(y.shape(), st, [&](int64_t o, const std::array<int64_t, 1> &off, int64_t n,
                                     const std::array<int64_t, 1> &is) {
      for (int64_t j = 0; j < n; ++j)
        py[o + j] += T(beta * pc[off[0] + j * is[0]]);
    });
  }
  return y;
}

llvm::Expected<Results> gemmOp(const ir::Op &op, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  const Tensor *c = optional(in, 2);
  if (auto e = expectFloat(**a, "A"))
    return e;
  for (const Tensor *t : {*b, c})
    if (t && t->dtype() != (*a)->dtype())
      return makeError("operand types differ: {0} vs {1}", dtypeName((*a)->dtype()),
                       dtypeName(t->dtype()));
  if ((*a)->rank() != 2 || (*b)->rank() != 2)
    return makeError("A and B must be matrices, got {0} and {1}", shapeStr((*a)->shape()),
                     shapeStr((*b)->shape()));
  bool ta = op.getInt("transA", 0), tb = op.getInt("transB", 0);
  int64_t M = ta ? (*a)->dim(1) : (*a)->dim(0), K = ta ? (*a)->dim(0) : (*a)->dim(1);
  int64_t Kb = tb ? (*b)->dim(1) : (*b)->dim(0), N = tb ? (*b)->dim(0) : (*b)->dim(1);
  if (K != Kb)
    return makeError("inner dimensions differ: A' is [{0}, {1}], B' is [{2}, {3}]", M, K, Kb, N);
  if (c) {
    auto bc = broadcastShapes({c->shape(), llvm::ArrayRef<int64_t>({M, N})});
    if (!bc || *bc != Shape({M, N})) {
      if (!bc)
        llvm::consumeError(bc.takeError());
      return makeError("C {0} does not broadcast to [{1}, {2}]", shapeStr(c->shape()), M, N);
    }
  }
  if (auto e = checkAllocatable({M, N}, (*a)->dtype()))
    return e;
  double alpha = op.getFloat("alpha", 1.0), beta = op.getFloat("beta", 1.0);
  if ((*a)->dtype() == DType::F32)
    return one(gemmT<float>(**a, **b, c, ta, tb, alpha, beta, M, N, K));
  return one(gemmT<double>(**a, **b, c, ta, tb, alpha, beta, M, N, K));
}

/// Geometry of a 2-D convolution (1-D convs use H = kh = 1).
struct ConvGeom {
  int64_t N, C, H, W, M, G, kh, kw, sh, sw, dh, dw, ph, pw, OH, OW;
};

template <typename T>
Tensor convT(const Tensor &x, const Tensor &w, const Tensor *bias, const ConvGeom &g,
             llvm::ArrayRef<int64_t> outShape) {
  Tensor y(x.dtype(), outShape);
  const T *px = x.data<T>(), *pw = w.data<T>();
  T *py = y.data<T>();
  int64_t Cg = g.C / g.G, Mg = g.M / g.G, KK = Cg * g.kh * g.kw, P = g.OH * g.OW;
  std::vector<T> col(size_t(KK * P));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.G; ++grp) {
      // im2col: row (c, i, j) holds the input pixel each output position multiplies by
      // w[m, c, i, j]; zero where the window reads padding.
      for (int64_t c = 0; c < Cg; ++c) {
        const T *plane = px + ((n * g.C) + grp * Cg + c) * g.H * g.W;
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) {
            T *row = col.data() + ((c * g.kh + i) * g.kw + j) * P;
            for (int64_t oh = 0; oh < g.OH; ++oh) {
              int64_t ih = oh * g.sh - g.ph + i * g.dh;
              for (int64_t ow = 0; ow < g.OW; ++ow) {
                int64_t iw = ow * g.sw - g.pw + j * g.dw;
                bool in = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
                row[oh * g.OW + ow] = in ? plane[ih * g.W + iw] : T(0);
              }
            }
          }
      }
      T *out = py + (n * g.M + grp * Mg) * P;
      gemm<T>(Mg, P, KK, pw + grp * Mg * KK, KK, col.data(), P, out, P, false);
      if (bias)
        for (int64_t m = 0; m < Mg; ++m) {
          T b = bias->data<T>()[grp * Mg + m];
          for (int64_t p = 0; p < P; ++p)
            out[m * P + p] += b;
        }
    }
  return y;
}

llvm::Expected<Results> conv(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0), wo = required(in, 1);
  if (!xo)
    return xo.takeError();
  if (!wo)
    return wo.takeError();
  const Tensor &x = **xo, &w = **wo;
  const Tensor *bias = optional(in, 2);
  if (auto e = expectFloat(x, "X"))
    return e;
  for (const Tensor *t : {&w, bias})
    if (t && t->dtype() != x.dtype())
      return makeError("operand types differ: {0} vs {1}", dtypeName(x.dtype()),
                       dtypeName(t->dtype()));
  int64_t r = x.rank();
  if (r != 3 && r != 4)
    return makeError("only 1-D and 2-D convolutions are supported, X is {0}",
                     shapeStr(x.shape()));
  if (w.rank() != r)
    return makeError("W {0} does not match X {1}", shapeStr(w.shape()), shapeStr(x.shape()));
  int64_t sp = r - 2;
  ConvGeom g{};
  g.N = x.dim(0);
  g.C = x.dim(1);
  g.M = w.dim(0);
  g.G = op.getInt("group", 1);
  if (g.G <= 0 || g.C % g.G != 0 || g.M % g.G != 0 || w.dim(1) * g.G != g.C)
    return makeError("group {0} does not fit X {1} and W {2}", g.G, shapeStr(x.shape()),
                     shapeStr(w.shape()));
  if (bias && (bias->rank() != 1 || bias->dim(0) != g.M))
    return makeError("B {0} must be [{1}]", shapeStr(bias->shape()), g.M);
  std::vector<int64_t> ks(w.shape().begin() + 2, w.shape().end());
  std::vector<int64_t> kattr = op.getInts("kernel_shape");
  if (!kattr.empty() && kattr != ks)
    return makeError("kernel_shape {0} differs from W {1}", shapeStr(kattr),
                     shapeStr(w.shape()));
  std::vector<int64_t> strides = op.getInts("strides", std::vector<int64_t>(size_t(sp), 1));
  std::vector<int64_t> dil = op.getInts("dilations", std::vector<int64_t>(size_t(sp), 1));
  std::vector<int64_t> pads = op.getInts("pads", std::vector<int64_t>(size_t(2 * sp), 0));
  if (int64_t(strides.size()) != sp || int64_t(dil.size()) != sp ||
      int64_t(pads.size()) != 2 * sp)
    return makeError("strides/dilations/pads do not match {0} spatial dims", sp);
  for (int64_t d = 0; d < sp; ++d)
    if (strides[size_t(d)] <= 0 || dil[size_t(d)] <= 0 || pads[size_t(d)] < 0 ||
        pads[size_t(d + sp)] < 0)
      return makeError("strides and dilations must be positive and pads non-negative");
  std::string autoPad = op.getString("auto_pad", "NOTSET");
  Shape spatialIn(x.shape().begin() + 2, x.shape().end()), out{g.N, g.M};
  for (int64_t d = 0; d < sp; ++d) {
    int64_t inD = spatialIn[size_t(d)], k = ks[size_t(d)], s = strides[size_t(d)];
    int64_t eff = dil[size_t(d)] * (k - 1) + 1;
    int64_t o;
    if (autoPad == "VALID") {
      pads[size_t(d)] = pads[size_t(d + sp)] = 0;
      o = inD >= eff ? (inD - eff) / s + 1 : 0;
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      o = (inD + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (o - 1) * s + eff - inD);
      int64_t small = total / 2, big = total - small;
      pads[size_t(d)] = autoPad == "SAME_UPPER" ? small : big;
      pads[size_t(d + sp)] = total - pads[size_t(d)];
    } else if (autoPad == "NOTSET") {
      int64_t padded = inD + pads[size_t(d)] + pads[size_t(d + sp)];
      o = padded >= eff ? (padded - eff) / s + 1 : 0;
    } else {
      return makeError("unsupported auto_pad '{0}'", autoPad);
    }
    out.push_back(o);
  }
  // Pads at the end only matter through the output size, which is fixed above.
  if (sp == 1) {
    g.H = 1, g.W = spatialIn[0], g.kh = 1, g.kw = ks[0], g.sh = 1, g.sw = strides[0];
    g.dh = 1, g.dw = dil[0], g.ph = 0, g.pw = pads[0], g.OH = 1, g.OW = out[2];
  } else {
    g.H = spatialIn[0], g.W = spatialIn[1], g.kh = ks[0], g.kw = ks[1];
    g.sh = strides[0], g.sw = strides[1], g.dh = dil[0], g.dw = dil[1];
    g.ph = pads[0], g.pw = pads[1], g.OH = out[2], g.OW = out[3];
  }
  if (auto e = checkAllocatable({g.C / g.G * g.kh * g.kw, g.OH * g.OW}, x.dtype()))
    return e;
  if (auto e = checkAllocatable(out, x.dtype()))
    return e;
  if (x.dtype() == DType::F32)
    return one(convT<float>(x, w, bias, g, out));
  return one(convT<double>(x, w, bias, g, out));
}

} // namespace

void registerLinalgOps(OpTable &t) {
  t["onnx.MatMul"] = {matmul, true};
  t["onnx.Gemm"] = {gemmOp, true};
  t["onnx.Conv"] = {conv, true};
}

} // namespace vimq::interp::detail
