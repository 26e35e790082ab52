//===- LiftedOps.cpp - the vimq.* ops (semantics: docs/ir.md) ---------------------------------===//
//
// The lifted ops are float32-only: they exist after lifting, where every activation is f32.
// Rounding points are part of the contract (docs/ir.md, "Numerics"): row statistics of the
// norms are accumulated in double; dot products (Linear, PatchEmbed, CausalConv1d) and the two
// scans accumulate in float32 in increasing index order, as the hardware datapath would.
//
//===----------------------------------------------------------------------------------------===//
#include "FastExp.h"
#include "Gemm.h"
#include "OpImpl.h"
#include "Parallel.h"

#include <cmath>

namespace vimq::interp::detail {
namespace {

#define VIMQ_TRY_F32(VAR, IN, I, WHAT)                                                             \
  auto VAR##OrErr = required(IN, I);                                                               \
  if (!VAR##OrErr)                                                                                 \
    return VAR##OrErr.takeError();                                                                 \
  const Tensor &VAR = **VAR##OrErr;                                                                \
  if (auto e = expectDType(VAR, DType::F32, WHAT))                                                 \
    return e;

/// Optional f32 operand of shape `shape`, or an error naming it.
llvm::Expected<const Tensor *> optionalF32(Inputs in, unsigned i, llvm::ArrayRef<int64_t> shape,
                                           llvm::StringRef what) {
  const Tensor *t = optional(in, i);
  if (!t)
    return nullptr;
  if (auto e = expectDType(*t, DType::F32, what))
    return e;
  if (t->shape() != shape)
    return makeError("{0} must be {1}, got {2}", what, shapeStr(shape), shapeStr(t->shape()));
  return t;
}

llvm::Error expectShape(const Tensor &t, llvm::ArrayRef<int64_t> shape, llvm::StringRef what) {
  if (t.shape() != shape)
    return makeError("{0} must be {1}, got {2}", what, shapeStr(shape), shapeStr(t.shape()));
  return llvm::Error::success();
}

llvm::Error expectRank(const Tensor &t, int64_t r, llvm::StringRef what) {
  if (t.rank() != r)
    return makeError("{0} must have rank {1}, got {2}", what, r, shapeStr(t.shape()));
  return llvm::Error::success();
}

double sigmoid(double x) {
  if (x >= 0)
    return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}
double silu(double x) { return x * sigmoid(x); }

/// y[rows, N] = x[rows, K] · w[N, K]^T (+ bias).
void linearRows(const float *x, int64_t rows, int64_t K, const float *w, int64_t N,
                const float *bias, float *y) {
  gemmBT<float>(rows, N, K, x, K, w, K, y, N);
  if (bias)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t n = 0; n < N; ++n)
        y[r * N + n] += bias[n];
}

llvm::Expected<Results> linear(const ir::Op &, Inputs in) {
  VIMQ_TRY_F32(x, in, 0, "x");
  VIMQ_TRY_F32(w, in, 1, "w");
  if (auto e = expectRank(w, 2, "w"))
    return e;
  if (x.rank() < 1 || x.dim(-1) != w.dim(1))
    return makeError("x {0} does not match w {1} (w is [N, K])", shapeStr(x.shape()),
                     shapeStr(w.shape()));
  int64_t K = w.dim(1), N = w.dim(0);
  auto bias = optionalF32(in, 2, {N}, "bias");
  if (!bias)
    return bias.takeError();
  Shape out(x.shape().begin(), x.shape().end());
  out.back() = N;
  Tensor y(DType::F32, out);
  linearRows(x.data<float>(), K ? x.numel() / K : 0, K, w.data<float>(), N,
             *bias ? (*bias)->data<float>() : nullptr, y.data<float>());
  return one(std::move(y));
}

llvm::Expected<Results> rmsNorm(const ir::Op &op, Inputs in) {
  VIMQ_TRY_F32(x, in, 0, "x");
  VIMQ_TRY_F32(w, in, 1, "w");
  if (x.rank() < 1)
    return makeError("x must have rank >= 1");
  int64_t D = x.dim(-1);
  if (auto e = expectShape(w, {D}, "w"))
    return e;
  double eps = op.getFloat("eps", 1e-5);
  Tensor y(DType::F32, x.shape());
  const float *px = x.data<float>(), *pw = w.data<float>();
  float *py = y.data<float>();
  int64_t rows = D ? x.numel() / D : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = px + r * D;
    double ss = 0;
    for (int64_t i = 0; i < D; ++i)
      ss += double(row[i]) * double(row[i]);
    double inv = 1.0 / std::sqrt(ss / double(D) + eps);
    for (int64_t i = 0; i < D; ++i)
      py[r * D + i] = float(double(row[i]) * inv * double(pw[i]));
  }
  return one(std::move(y));
}

llvm::Expected<Results> gatedRmsNorm(const ir::Op &op, Inputs in) {
  VIMQ_TRY_F32(x, in, 0, "x");
  VIMQ_TRY_F32(z, in, 1, "z");
  VIMQ_TRY_F32(w, in, 2, "w");
  if (x.rank() < 1)
    return makeError("x must have rank >= 1");
  if (auto e = expectShape(z, x.shape(), "z"))
    return e;
  int64_t D = x.dim(-1);
  if (auto e = expectShape(w, {D}, "w"))
    return e;
  int64_t gs = op.getInt("group_size", D);
  if (gs <= 0 || D % gs != 0)
    return makeError("group_size {0} does not divide the channel count {1}", gs, D);
  double eps = op.getFloat("eps", 1e-5);
  Tensor y(DType::F32, x.shape());
  const float *px = x.data<float>(), *pz = z.data<float>(), *pw = w.data<float>();
  float *py = y.data<float>();
  std::vector<double> t(static_cast<size_t>(gs));
  for (int64_t g = 0, ng = D ? x.numel() / gs : 0; g < ng; ++g) {
    int64_t base = g * gs, c0 = base % D;
    double ss = 0;
    for (int64_t i = 0; i < gs; ++i) {
      t[size_t(i)] = double(px[base + i]) * silu(double(pz[base + i]));
      ss += t[size_t(i)] * t[size_t(i)];
    }
    double inv = 1.0 / std::sqrt(ss / double(gs) + eps);
    for (int64_t i = 0; i < gs; ++i)
      py[base + i] = float(t[size_t(i)] * inv * double(pw[c0 + i]));
  }
  return one(std::move(y));
}

template <void (*F)(const float *, float *, int64_t)>
llvm::Expected<Results> unary(const ir::Op &, Inputs in) {
  VIMQ_TRY_F32(x, in, 0, "x");
  Tensor y(DType::F32, x.shape());
  const float *px = x.data<float>();
  float *py = y.data<float>();
  parallelFor(x.numel(), 1 << 15, [&](int64_t i0, int64_t i1) { F(px + i0, py + i0, i1 - i0); });
  return one(std::move(y));
}

llvm::Expected<Results> causalConv1d(const ir::Op &op, Inputs in) {
  VIMQ_TRY_F32(x, in, 0, "x");
  VIMQ_TRY_F32(w, in, 1, "w");
  if (auto e = expectRank(x, 3, "x"))
    return e;
  if (auto e = expectRank(w, 2, "w"))
    return e;
  int64_t B = x.dim(0), L = x.dim(1), C = x.dim(2), K = w.dim(1);
  if (w.dim(0) != C)
    return makeError("w {0} does not match the {1} channels of x", shapeStr(w.shape()), C);
  auto bias = optionalF32(in, 2, {C}, "b");
  if (!bias)
    return bias.takeError();
  std::string act = op.getString("activation", "none");
  if (act != "none" && act != "silu")
    return makeError("unknown activation '{0}'", act);
  // Tap-major weights so the channel loop is contiguous in x, w and y.
  std::vector<float> wt(size_t(K * C));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t k = 0; k < K; ++k)
      wt[size_t(k * C + c)] = w.data<float>()[c * K + k];
  Tensor y(DType::F32, x.shape());
  const float *px = x.data<float>();
  float *py = y.data<float>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t) {
      float *row = py + (b * L + t) * C;
      for (int64_t k = 0; k < K; ++k) {
        int64_t src = t - (K - 1) + k;
        if (src < 0)
          continue; // zero history before the first token
        const float *xr = px + (b * L + src) * C, *wk = wt.data() + k * C;
        for (int64_t c = 0; c < C; ++c)
          row[c] += wk[c] * xr[c];
      }
      if (*bias)
        for (int64_t c = 0; c < C; ++c)
          row[c] += (*bias)->data<float>()[c];
      if (act == "silu")
        mapRowsF32<siluF32>(row, row, C);
    }
  return one(std::move(y));
}

llvm::Expected<Results> flip(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0);
  if (!xo)
    return xo.takeError();
  const Tensor &x = **xo;
  auto axis = normalizeAxis(op.getInt("axis", 0), x.rank());
  if (!axis)
    return axis.takeError();
  auto st = contiguousStrides(x.shape());
  int64_t off = (x.dim(*axis) - 1) * st[size_t(*axis)];
  st[size_t(*axis)] = -st[size_t(*axis)];
  Tensor y(x.dtype(), x.shape());
  stridedCopy(x.raw(), dtypeSize(x.dtype()), x.dim(*axis) ? off : 0, st, x.shape(), y.raw());
  return one(std::move(y));
}

llvm::Expected<Results> patchEmbed(const ir::Op &, Inputs in) {
  VIMQ_TRY_F32(img, in, 0, "img");
  VIMQ_TRY_F32(w, in, 1, "w");
  if (auto e = expectRank(img, 4, "img"))
    return e;
  if (auto e = expectRank(w, 4, "w"))
    return e;
  int64_t B = img.dim(0), C = img.dim(1), H = img.dim(2), W = img.dim(3);
  int64_t D = w.dim(0), ph = w.dim(2), pw = w.dim(3);
  if (w.dim(1) != C || ph <= 0 || pw <= 0)
    return makeError("w {0} does not match img {1}", shapeStr(w.shape()), shapeStr(img.shape()));
  auto bias = optionalF32(in, 2, {D}, "b");
  if (!bias)
    return bias.takeError();
  int64_t Hp = H / ph, Wp = W / pw, KK = C * ph * pw;
  // Gather each patch into a row ordered (c, i, j) like w's inner dims, then one Linear.
  std::vector<float> patches(size_t(B * Hp * Wp * KK));
  const float *px = img.data<float>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Hp; ++i)
      for (int64_t j = 0; j < Wp; ++j) {
        float *row = patches.data() + ((b * Hp + i) * Wp + j) * KK;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t di = 0; di < ph; ++di) {
            const float *src = px + ((b * C + c) * H + i * ph + di) * W + j * pw;
            std::copy(src, src + pw, row + (c * ph + di) * pw);
          }
      }
  Tensor y(DType::F32, {B, Hp * Wp, D});
  linearRows(patches.data(), B * Hp * Wp, KK, w.data<float>(), D,
             *bias ? (*bias)->data<float>() : nullptr, y.data<float>());
  return one(std::move(y));
}

llvm::Expected<Results> insertToken(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0), to = required(in, 1);
  if (!xo)
    return xo.takeError();
  if (!to)
    return to.takeError();
  const Tensor &x = **xo, &tok = **to;
  if (auto e = expectRank(x, 3, "x"))
    return e;
  int64_t B = x.dim(0), L = x.dim(1), D = x.dim(2);
  if (tok.dtype() != x.dtype() || tok.rank() != 3 || (tok.dim(0) != 1 && tok.dim(0) != B) ||
      tok.dim(1) != 1 || tok.dim(2) != D)
    return makeError("tok {0}{1} must be {2}[1 or {3}, 1, {4}]", dtypeName(tok.dtype()),
                     shapeStr(tok.shape()), dtypeName(x.dtype()), B, D);
  int64_t index = op.getInt("index", 0);
  if (index < 0 || index > L)
    return makeError("index {0} is out of range [0, {1}]", index, L);
  Tensor y(x.dtype(), {B, L + 1, D});
  size_t row = size_t(D) * dtypeSize(x.dtype());
  if (y.numel() == 0)
    return one(std::move(y));
  for (int64_t b = 0; b < B; ++b) {
    uint8_t *dst = y.raw() + size_t(b * (L + 1)) * row;
    const uint8_t *src = x.raw() + size_t(b * L) * row;
    if (index > 0)
      std::memcpy(dst, src, size_t(index) * row);
    std::memcpy(dst + size_t(index) * row, tok.raw() + (tok.dim(0) == 1 ? 0 : size_t(b) * row),
                row);
    if (L > index)
      std::memcpy(dst + size_t(index + 1) * row, src + size_t(index) * row,
                  size_t(L - index) * row);
  }
  return one(std::move(y));
}

llvm::Expected<Results> positionEmbed(const ir::Op &, Inputs in) {
  VIMQ_TRY_F32(x, in, 0, "x");
  VIMQ_TRY_F32(pos, in, 1, "pos");
  if (auto e = expectRank(x, 3, "x"))
    return e;
  if (auto e = expectShape(pos, {1, x.dim(1), x.dim(2)}, "pos"))
    return e;
  Tensor y(DType::F32, x.shape());
  int64_t LD = x.dim(1) * x.dim(2);
  const float *px = x.data<float>(), *pp = pos.data<float>();
  float *py = y.data<float>();
  for (int64_t b = 0; b < x.dim(0); ++b)
    for (int64_t i = 0; i < LD; ++i)
      py[b * LD + i] = px[b * LD + i] + pp[i];
  return one(std::move(y));
}

llvm::Expected<Results> takeToken(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0);
  if (!xo)
    return xo.takeError();
  const Tensor &x = **xo;
  if (auto e = expectRank(x, 3, "x"))
    return e;
  int64_t B = x.dim(0), L = x.dim(1), D = x.dim(2), index = op.getInt("index", 0);
  if (index < 0 || index >= L)
    return makeError("index {0} is out of range [0, {1})", index, L);
  Tensor y(x.dtype(), {B, D});
  size_t row = size_t(D) * dtypeSize(x.dtype());
  if (y.numel() == 0)
    return one(std::move(y));
  for (int64_t b = 0; b < B; ++b)
    std::memcpy(y.raw() + size_t(b) * row, x.raw() + size_t(b * L + index) * row, row);
  return one(std::move(y));
}

llvm::Expected<Results> embedding(const ir::Op &, Inputs in) {
  auto io = required(in, 0), to = required(in, 1);
  if (!io)
    return io.takeError();
  if (!to)
    return to.takeError();
  const Tensor &ids = **io, &table = **to;
  if (auto e = expectInteger(ids, "ids"))
    return e;
  if (auto e = expectRank(table, 2, "table"))
    return e;
  int64_t V = table.dim(0), D = table.dim(1);
  Shape out(ids.shape().begin(), ids.shape().end());
  out.push_back(D);
  Tensor y(table.dtype(), out);
  size_t row = size_t(D) * dtypeSize(table.dtype());
  if (D == 0)
    row = 0; // still validate every id below, but copy nothing
  for (int64_t i = 0, n = ids.numel(); i < n; ++i) {
    int64_t id = ids.getInt(i);
    if (id < 0 || id >= V)
      return makeError("id {0} at position {1} is out of range [0, {2})", id, i, V);
    if (row)
      std::memcpy(y.raw() + size_t(i) * row, table.raw() + size_t(id) * row, row);
  }
  return one(std::move(y));
}

/// Operands of vimq.SelectiveScan as raw pointers; `at` is A transposed to [N, D].
struct ScanArgs {
  int64_t Bn, L, D, N;
  const float *u, *delta, *at, *B, *C, *Dskip;
  float *y;
};

/// The scan for channels [d0, d1). Token-outer order keeps the state h[N, d1 - d0] in L1; the
/// inner loop runs over channels, so it vectorises while each channel still sees the serial
/// order: decay = expF32(δ·A), h = decay·h + (δ·u)·B[n], then y accumulated over n in
/// increasing order (one accumulator per channel).
[[gnu::always_inline]] inline void scanChannelsBody(const ScanArgs &a, int64_t d0, int64_t d1) {
  int64_t w = d1 - d0, N = a.N, D = a.D;
  std::vector<float> state(size_t(N * w)); // h[n][d - d0]
  std::vector<float> du(static_cast<size_t>(w)), acc(du);
  for (int64_t b = 0; b < a.Bn; ++b) {
    std::fill(state.begin(), state.end(), 0.0f);
    for (int64_t t = 0; t < a.L; ++t) {
      int64_t tok = b * a.L + t;
      const float *bt = a.B + tok * N, *ct = a.C + tok * N;
      const float *dt = a.delta + tok * D + d0, *ut = a.u + tok * D + d0;
      float *__restrict pdu = du.data(), *__restrict pacc = acc.data();
      for (int64_t i = 0; i < w; ++i) {
        pdu[i] = dt[i] * ut[i];
        pacc[i] = 0.0f;
      }
      for (int64_t n = 0; n < N; ++n) {
        float *__restrict h = state.data() + n * w;
        const float *an = a.at + n * D + d0;
        float bn = bt[n], cn = ct[n];
        for (int64_t i = 0; i < w; ++i) {
          h[i] = expF32(dt[i] * an[i]) * h[i] + pdu[i] * bn;
          pacc[i] += h[i] * cn;
        }
      }
      float *yt = a.y + tok * D + d0;
      if (a.Dskip)
        for (int64_t i = 0; i < w; ++i)
          yt[i] = pacc[i] + a.Dskip[d0 + i] * ut[i];
      else
        std::copy(acc.begin(), acc.end(), yt);
    }
  }
}

void scanChannels(const ScanArgs &a, int64_t d0, int64_t d1) { scanChannelsBody(a, d0, d1); }

#if defined(__x86_64__) || defined(__i386__)
/// The same code compiled for AVX2 (8 lanes): the same IEEE operations per element (no FMA:
/// the target is "avx2", not "fma"), so the same bits as the baseline build.
__attribute__((target("avx2"))) void scanChannelsAvx2(const ScanArgs &a, int64_t d0,
                                                      int64_t d1) {
  scanChannelsBody(a, d0, d1);
}

#endif

llvm::Expected<Results> selectiveScan(const ir::Op &, Inputs in) {
  VIMQ_TRY_F32(u, in, 0, "u");
  VIMQ_TRY_F32(delta, in, 1, "delta");
  VIMQ_TRY_F32(A, in, 2, "A");
  VIMQ_TRY_F32(Bm, in, 3, "B");
  VIMQ_TRY_F32(Cm, in, 4, "C");
  if (auto e = expectRank(u, 3, "u"))
    return e;
  if (auto e = expectRank(A, 2, "A"))
    return e;
  int64_t Bn = u.dim(0), L = u.dim(1), D = u.dim(2), N = A.dim(1);
  if (auto e = expectShape(delta, u.shape(), "delta"))
    return e;
  if (auto e = expectShape(A, {D, N}, "A"))
    return e;
  if (auto e = expectShape(Bm, {Bn, L, N}, "B"))
    return e;
  if (auto e = expectShape(Cm, {Bn, L, N}, "C"))
    return e;
  auto dskip = optionalF32(in, 5, {D}, "Dskip");
  if (!dskip)
    return dskip.takeError();
  Tensor y(DType::F32, u.shape());
  const float *pu = u.data<float>(), *pd = delta.data<float>(), *pa = A.data<float>();
  const float *pb = Bm.data<float>(), *pc = Cm.data<float>();
  const float *pD = *dskip ? (*dskip)->data<float>() : nullptr;
  float *py = y.data<float>();
  // A transposed to [N, D]: every inner loop below runs over contiguous channels.
  std::vector<float> at(size_t(N * D));
  for (int64_t d = 0; d < D; ++d)
    for (int64_t n = 0; n < N; ++n)
      at[size_t(n * D + d)] = pa[d * N + n];
  ScanArgs args{Bn, L, D, N, pu, pd, at.data(), pb, pc, pD, py};
  // Channels are independent: threads take disjoint channel ranges.
  parallelFor(
      D, 16,
      [&](int64_t d0, int64_t d1) {
#if defined(__x86_64__) || defined(__i386__)
        if (cpuHasAvx2())
          return scanChannelsAvx2(args, d0, d1);
#endif
        scanChannels(args, d0, d1);
      },
      /*align=*/8);
  return one(std::move(y));
}

llvm::Expected<Results> ssdScan(const ir::Op &, Inputs in) {
  VIMQ_TRY_F32(x, in, 0, "x");
  VIMQ_TRY_F32(dt, in, 1, "dt");
  VIMQ_TRY_F32(A, in, 2, "A");
  VIMQ_TRY_F32(Bm, in, 3, "B");
  VIMQ_TRY_F32(Cm, in, 4, "C");
  if (auto e = expectRank(x, 4, "x"))
    return e;
  if (auto e = expectRank(Bm, 4, "B"))
    return e;
  int64_t Bn = x.dim(0), L = x.dim(1), H = x.dim(2), P = x.dim(3);
  int64_t G = Bm.dim(2), N = Bm.dim(3);
  if (auto e = expectShape(dt, {Bn, L, H}, "dt"))
    return e;
  if (auto e = expectShape(A, {H}, "A"))
    return e;
  if (auto e = expectShape(Bm, {Bn, L, G, N}, "B"))
    return e;
  if (auto e = expectShape(Cm, {Bn, L, G, N}, "C"))
    return e;
  if (G <= 0 || H % G != 0)
    return makeError("{0} heads cannot share {1} groups", H, G);
  auto dskip = optionalF32(in, 5, {H}, "Dskip");
  if (!dskip)
    return dskip.takeError();
  int64_t headsPerGroup = H / G;
  Tensor y(DType::F32, x.shape());
  const float *px = x.data<float>(), *pdt = dt.data<float>(), *pa = A.data<float>();
  const float *pb = Bm.data<float>(), *pc = Cm.data<float>();
  const float *pD = *dskip ? (*dskip)->data<float>() : nullptr;
  float *py = y.data<float>();
  // Heads are independent: threads take disjoint head ranges, each with its own state.
  auto heads = [&](int64_t h0, int64_t h1) {
    std::vector<float> state(size_t((h1 - h0) * P * N)); // S for heads [h0, h1)
    for (int64_t b = 0; b < Bn; ++b) {
      std::fill(state.begin(), state.end(), 0.0f);
      for (int64_t t = 0; t < L; ++t) {
        int64_t tok = b * L + t;
        for (int64_t h = h0; h < h1; ++h) {
          int64_t g = h / headsPerGroup;
          float d = pdt[tok * H + h];
          float a = std::exp(d * pa[h]);
          const float *bg = pb + (tok * G + g) * N, *cg = pc + (tok * G + g) * N;
          const float *xh = px + (tok * H + h) * P;
          float *yh = py + (tok * H + h) * P;
          for (int64_t p = 0; p < P; ++p) {
            float dx = d * xh[p];
            float *s = state.data() + ((h - h0) * P + p) * N;
            float acc = 0.0f;
            for (int64_t n = 0; n < N; ++n) {
              s[n] = a * s[n] + dx * bg[n];
              acc += s[n] * cg[n];
            }
            yh[p] = pD ? acc + pD[h] * xh[p] : acc;
          }
        }
      }
    }
  };
  parallelFor(H, 1, heads);
  return one(std::move(y));
}

#undef VIMQ_TRY_F32

} // namespace

void registerLiftedOps(OpTable &t) {
  t["vimq.Linear"] = {linear, false};
  t["vimq.RMSNorm"] = {rmsNorm, false};
  t["vimq.GatedRMSNorm"] = {gatedRmsNorm, false};
  t["vimq.SiLU"] = {unary<mapRowsF32<siluF32>>, false};
  t["vimq.Softplus"] = {unary<mapRowsF32<softplusF32>>, false};
  t["vimq.CausalConv1d"] = {causalConv1d, false};
  t["vimq.Flip"] = {flip, false};
  t["vimq.PatchEmbed"] = {patchEmbed, false};
  t["vimq.InsertToken"] = {insertToken, false};
  t["vimq.PositionEmbed"] = {positionEmbed, false};
  t["vimq.TakeToken"] = {takeToken, false};
  t["vimq.Embedding"] = {embedding, false};
  t["vimq.SelectiveScan"] = {selectiveScan, false};
  t["vimq.SSDScan"] = {ssdScan, false};
}

} // namespace vimq::interp::detail
