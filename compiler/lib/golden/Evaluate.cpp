//===- Evaluate.cpp - the golden model: exact integer evaluation of q ops --------------------===//
//
// One function per q op, each a direct transcription of its row in docs/numerics.md. Tensors
// are [B, L, C] int32 (row-major); "rows" are the B·L tokens.
//
//===----------------------------------------------------------------------------------------===//
#include "IntMath.h"

#include "vimq/golden/Golden.h"
#include "vimq/quant/QOps.h"
#include "vimq/quant/WeightPacking.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <cmath>

namespace vimq::golden {

using ir::Op;
using namespace vimq::quant;

const Exp2Table &exp2Table() {
  static const Exp2Table table;
  return table;
}

const SigmoidTable &sigmoidTable() {
  static const SigmoidTable table;
  return table;
}

namespace {

/// expQ12 memoised over every argument it does not map to 0: the selective scan evaluates one
/// exp per (token, channel, state), 58 M for ViM-tiny at 224², and the table makes it a load.
/// It is the same function (filled from expQ12), so exactness is unaffected; arguments below
/// the table give 0 like the formula (-u >= 31 from x <= -88332).
class ExpTable {
public:
  static constexpr int32_t kLow = -(1 << 17);
  ExpTable() : t_(size_t(-kLow) + 1) {
    for (int32_t x = kLow; x <= 0; ++x)
      t_[size_t(x - kLow)] = expQ12(x);
  }
  int32_t operator()(int32_t x) const {
    return x > 0 ? t_.back() : x < kLow ? 0 : t_[size_t(x - kLow)];
  }

private:
  std::vector<int32_t> t_;
};

const ExpTable &expTable() {
  static const ExpTable table;
  return table;
}

using Operands = llvm::ArrayRef<const Tensor *>;
using Results = llvm::Expected<std::vector<Tensor>>;

Tensor like(const Op &op, unsigned result = 0) {
  return Tensor(op.result(result)->dtype(), op.result(result)->shape());
}

const int32_t *i32(const Tensor *t) { return t ? t->data<int32_t>() : nullptr; }

/// PWL unit with the argument taken from Q(f) to Q12 and the result brought back to Q(f).
int32_t pwl(QOp kind, int32_t x, int f) {
  switch (kind) {
  case QOp::SiLU:
    return siluQ(x, f);
  case QOp::Exp:
    return sat32(rne(expQ12(sat32(rne(x, f - 12))), 15 - f));
  default: // Softplus
    return sat32(rne(softplusQ12(sat32(rne(x, f - 12))), 12 - f));
  }
}

Results fromFloat(const Op &op, Operands in) {
  Tensor y = like(op);
  int f = int(getFrac(op));
  const float *x = in[0]->data<float>();
  int32_t *o = y.data<int32_t>();
  auto cvt = [&](float v) -> llvm::Expected<int32_t> {
    if (!std::isfinite(v))
      return makeError("{0}: input element is not finite", op.describe());
    double r = std::nearbyint(std::ldexp(double(v), f));
    return int32_t(std::fmin(std::fmax(r, -2147483648.0), 2147483647.0));
  };
  if (!isPatchLayout(op)) {
    if (in[0]->numel() != y.numel())
      return makeError("{0}: input has {1} elements, the result {2}", op.describe(),
                       in[0]->numel(), y.numel());
    for (int64_t i = 0; i < y.numel(); ++i) {
      auto v = cvt(x[i]);
      if (!v)
        return v.takeError();
      o[i] = *v;
    }
    return std::vector<Tensor>{std::move(y)};
  }
  std::vector<int64_t> patch = op.getInts("patch");
  if (patch.size() != 2 || in[0]->rank() != 4)
    return makeError("{0}: patches layout needs patch = [ph, pw] and a [B, C, H, W] input",
                     op.describe());
  int64_t b = in[0]->dim(0), c = in[0]->dim(1), h = in[0]->dim(2), w = in[0]->dim(3);
  int64_t ph = patch[0], pw = patch[1], hp = h / ph, wp = w / pw, cols = c * ph * pw;
  if (y.shape() != llvm::ArrayRef<int64_t>({b, hp * wp, cols}))
    return makeError("{0}: result shape does not match the patch grid", op.describe());
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t i = 0; i < hp; ++i)
      for (int64_t j = 0; j < wp; ++j)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t u = 0; u < ph; ++u)
            for (int64_t v = 0; v < pw; ++v) {
              auto r = cvt(x[((bi * c + ci) * h + i * ph + u) * w + j * pw + v]);
              if (!r)
                return r.takeError();
              o[((bi * hp * wp) + i * wp + j) * cols + (ci * ph + u) * pw + v] = *r;
            }
  return std::vector<Tensor>{std::move(y)};
}

Results toFloat(const Op &op, Operands in) {
  Tensor y = like(op);
  int f = int(getFrac(op));
  for (int64_t i = 0; i < y.numel(); ++i)
    y.data<float>()[i] = float(std::ldexp(double(in[0]->data<int32_t>()[i]), -f));
  return std::vector<Tensor>{std::move(y)};
}

/// "[1, 36]": the multi-index of element `flat` of a C-order tensor of `shape`.
std::string positionOf(llvm::ArrayRef<int64_t> shape, int64_t flat) {
  Shape pos(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    pos[d] = flat % shape[d];
    flat /= shape[d];
  }
  return shapeStr(pos);
}

/// The host's conversion of token ids (runtime/lib/HostConvert.cpp, `index` inputs).
Results fromIndex(const Op &op, Operands in) {
  Tensor y = like(op);
  const int64_t limit = getLimit(op);
  for (int64_t i = 0; i < y.numel(); ++i) {
    const int64_t id = in[0]->dtype() == DType::I64 ? in[0]->data<int64_t>()[i]
                                                    : in[0]->data<int32_t>()[i];
    if (id < 0 || id >= limit)
      return makeError("{0}: id {1} at position {2} of input '{3}' is outside [0, {4})",
                       op.describe(), id, positionOf(in[0]->shape(), i),
                       op.operand(0)->name(), limit);
    y.data<int32_t>()[i] = int32_t(id);
  }
  return std::vector<Tensor>{std::move(y)};
}

/// y[b, l, :] = table[ids[b, l], :], each int16 sign-extended (the gathering LOAD).
Results embedding(const Op &op, Operands in) {
  Tensor y = like(op);
  const int64_t v = in[1]->dim(0), d = in[1]->dim(1);
  const int32_t *ids = i32(in[0]);
  const int16_t *table = in[1]->data<int16_t>();
  int32_t *o = y.data<int32_t>();
  for (int64_t r = 0; r < in[0]->numel(); ++r) {
    if (ids[r] < 0 || ids[r] >= v)
      return makeError("{0}: id {1} at position {2} is outside the table's {3} rows",
                       op.describe(), ids[r], positionOf(in[0]->shape(), r), v);
    std::copy_n(table + ids[r] * d, d, o + r * d); // int16 -> int32 sign-extends
  }
  return std::vector<Tensor>{std::move(y)};
}

Results dataMovement(const Op &op, QOp kind, Operands in) {
  Tensor y = like(op);
  int32_t *o = y.data<int32_t>();
  const int32_t *x = i32(in[0]);
  int64_t b = in[0]->dim(0), l = in[0]->dim(1), c = in[0]->dim(2);
  switch (kind) {
  case QOp::Flip:
    for (int64_t bi = 0; bi < b; ++bi)
      for (int64_t t = 0; t < l; ++t)
        std::copy_n(x + (bi * l + l - 1 - t) * c, c, o + (bi * l + t) * c);
    break;
  case QOp::Slice: {
    int64_t begin = getBegin(op), w = getEnd(op) - begin;
    for (int64_t r = 0; r < b * l; ++r)
      std::copy_n(x + r * c + begin, w, o + r * w);
    break;
  }
  case QOp::Concat: {
    int64_t total = y.dim(2), off = 0;
    for (const Tensor *t : in) {
      int64_t w = t->dim(2);
      for (int64_t r = 0; r < b * l; ++r)
        std::copy_n(t->data<int32_t>() + r * w, w, o + r * total + off);
      off += w;
    }
    break;
  }
  case QOp::InsertToken: {
    int64_t idx = getIndex(op);
    const int32_t *tok = i32(in[1]);
    for (int64_t bi = 0; bi < b; ++bi) {
      int32_t *ob = o + bi * (l + 1) * c;
      const int32_t *xb = x + bi * l * c;
      std::copy_n(xb, idx * c, ob);
      std::copy_n(tok + (in[1]->dim(0) == 1 ? 0 : bi * c), c, ob + idx * c);
      std::copy_n(xb + idx * c, (l - idx) * c, ob + (idx + 1) * c);
    }
    break;
  }
  default: // TakeToken
    for (int64_t bi = 0; bi < b; ++bi)
      std::copy_n(x + (bi * l + getIndex(op)) * c, c, o + bi * c);
    break;
  }
  return std::vector<Tensor>{std::move(y)};
}

Results quantizeTokens(const Op &op, Operands in) {
  Tensor q = like(op, 0), a = like(op, 1);
  int64_t c = in[0]->dim(2), rows = in[0]->numel() / c;
  const int32_t *x = i32(in[0]);
  int64_t fixed = op.getInt("static_absmax", 0); // ablation only (see QuantOptions)
  for (int64_t r = 0; r < rows; ++r) {
    int32_t m = 0;
    for (int64_t j = 0; j < c; ++j) {
      int32_t v = x[r * c + j];
      int32_t av = v == INT32_MIN ? INT32_MAX : (v < 0 ? -v : v);
      m = std::max(m, av);
    }
    if (fixed > 0)
      m = int32_t(fixed);
    a.data<int32_t>()[r] = m;
    int64_t recip = m == 0 ? 0 : quantRecip(m); // one division per row
    for (int64_t j = 0; j < c; ++j)
      q.data<int8_t>()[r * c + j] = quantizeElem(x[r * c + j], recip);
  }
  return std::vector<Tensor>{std::move(q), std::move(a)};
}

llvm::Expected<std::vector<int16_t>> levels(const Op &op, const Tensor &codes, CodeKind apot) {
  auto fmt = getWeightFormat(op);
  if (!fmt)
    return fmt.takeError();
  CodeKind kind = *fmt == WeightFormat::Int8 ? CodeKind::Int8 : apot;
  std::vector<int16_t> lv(size_t(codes.numel()));
  for (int64_t i = 0; i < codes.numel(); ++i)
    lv[size_t(i)] = int16_t(codeLevel(kind, codes.raw()[i]));
  return lv;
}

Results linear(const Op &op, Operands in) {
  auto act = getLinearAct(op);
  if (!act)
    return act.takeError();
  auto lv = levels(op, *in[2], CodeKind::APoT4);
  if (!lv)
    return lv.takeError();
  Tensor y = like(op);
  int64_t k = in[0]->dim(2), rows = in[0]->numel() / k, n = in[2]->dim(0);
  int64_t block = getBlock(op), nb = in[3]->dim(1);
  int shift = int(getShift(op)), f = int(getFrac(op));
  const int8_t *q = in[0]->data<int8_t>();
  const int32_t *as = i32(in[1]), *ws = i32(in[3]), *bias = in.size() > 4 ? i32(in[4]) : nullptr;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      Wide total = 0;
      for (int64_t bk = 0; bk < nb; ++bk) {
        int32_t acc = 0; // exact: |acc| <= block·127·160
        for (int64_t kk = bk * block, e = std::min(k, kk + block); kk < e; ++kk)
          acc += int32_t(q[r * k + kk]) * (*lv)[size_t(j * k + kk)];
        total += Wide(acc) * ws[j * nb + bk];
      }
      int32_t v = sat32(rne(total * as[r], shift) + (bias ? bias[j] : 0));
      if (*act == LinearAct::SiLU)
        v = pwl(QOp::SiLU, v, f);
      else if (*act == LinearAct::Softplus)
        v = pwl(QOp::Softplus, v, f);
      y.data<int32_t>()[r * n + j] = v;
    }
  return std::vector<Tensor>{std::move(y)};
}

Results conv1d(const Op &op, Operands in) {
  auto lv = levels(op, *in[1], CodeKind::APoT5);
  if (!lv)
    return lv.takeError();
  Tensor y = like(op);
  int64_t b = in[0]->dim(0), l = in[0]->dim(1), c = in[0]->dim(2), ks = in[1]->dim(1);
  int shift = int(getShift(op)), f = int(getFrac(op));
  const int32_t *x = i32(in[0]), *ws = i32(in[2]), *bias = in.size() > 3 ? i32(in[3]) : nullptr;
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t t = 0; t < l; ++t)
      for (int64_t ch = 0; ch < c; ++ch) {
        int64_t acc = 0;
        for (int64_t j = 0; j < ks; ++j) {
          int64_t src = t - ks + 1 + j;
          if (src >= 0)
            acc += int64_t((*lv)[size_t(ch * ks + j)]) * x[(bi * l + src) * c + ch];
        }
        int32_t v = sat32(rne(Wide(acc) * ws[ch], shift) + (bias ? bias[ch] : 0));
        y.data<int32_t>()[(bi * l + t) * c + ch] = hasSiLU(op) ? siluQ(v, f) : v;
      }
  return std::vector<Tensor>{std::move(y)};
}

/// Both scans, one frac f for every operand (ISA v1). Selective: heads = ch, one state row
/// per channel with its own decay per state element; SSD: decay per (token, head).
Results scan(const Op &op, Operands in, bool ssd) {
  Tensor y = like(op);
  int f = int(getFrac(op));
  int64_t b = in[0]->dim(0), l = in[0]->dim(1), ch = in[0]->dim(2);
  int64_t bc = in[3]->dim(2);
  int64_t n = ssd ? op.getInt("n", 0) : in[2]->dim(1);
  int64_t heads = ssd ? in[2]->dim(0) : ch, groups = bc / n, per = ch / heads;
  const int32_t *u = i32(in[0]), *dt = i32(in[1]), *A = i32(in[2]), *Bm = i32(in[3]),
                *Cm = i32(in[4]);
  const int32_t *D = in.size() > 5 ? i32(in[5]) : nullptr;
  const int32_t *z = in.size() > 6 ? i32(in[6]) : nullptr;
  int64_t dtCols = ssd ? heads : ch;
  std::vector<int32_t> h(static_cast<size_t>(n));
  const ExpTable &table = expTable();
  // The --exact-exp ablation: e^(x/2^12) rounded to Q15 from the host's exp (golden only).
  const bool exact = op.getInt("exact_exp", 0) != 0;
  auto exp = [&](int32_t x) {
    return !exact ? table(x)
           : x >= 0 ? int32_t(1) << 15
                    : int32_t(std::nearbyint(std::exp(std::ldexp(double(x), -12)) * 32768.0));
  };
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t d = 0; d < ch; ++d) {
      int64_t head = ssd ? d / per : d;
      int64_t g = ssd ? head / (heads / groups) : 0;
      std::fill(h.begin(), h.end(), 0);
      for (int64_t t = 0; t < l; ++t) {
        int64_t row = bi * l + t;
        int32_t delta = dt[row * dtCols + (ssd ? head : d)];
        int32_t uv = u[row * ch + d];
        int32_t xdt = sat32(rne(Wide(delta) * uv, f));
        const int32_t *bRow = Bm + row * bc + g * n, *cRow = Cm + row * bc + g * n;
        Wide sum = 0;
        for (int64_t s = 0; s < n; ++s) {
          int32_t a = ssd ? A[head] : A[d * n + s];
          int32_t decay = exp(sat32(rne(Wide(delta) * a, 2 * f - 12)));
          h[size_t(s)] = sat32(rne(Wide(decay) * h[size_t(s)], 15) + rne(Wide(xdt) * bRow[s], f));
          sum += Wide(h[size_t(s)]) * cRow[s];
        }
        Wide skip = D ? rne(Wide(D[ssd ? head : d]) * uv, f) : 0;
        int32_t yv = sat32(rne(sum, f) + skip);
        if (z)
          yv = sat32(rne(Wide(yv) * siluQ(z[row * ch + d], f), f));
        y.data<int32_t>()[row * ch + d] = yv;
      }
    }
  return std::vector<Tensor>{std::move(y)};
}

Results norm(const Op &op, Operands in, bool gated) {
  Tensor y = like(op);
  int f = int(getFrac(op));
  int64_t c = in[0]->dim(2), rows = in[0]->numel() / c;
  int64_t group = gated && getNormGroup(op) > 0 ? getNormGroup(op) : c;
  const int32_t *x = i32(in[0]), *z = gated ? i32(in[1]) : nullptr;
  const int32_t *w = i32(in[gated ? 2 : 1]);
  float eps = getEps(op);
  std::vector<int32_t> t(static_cast<size_t>(c));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < c; ++j)
      t[size_t(j)] = gated ? sat32(rne(Wide(x[r * c + j]) * siluQ(z[r * c + j], f), f))
                           : x[r * c + j];
    for (int64_t g0 = 0; g0 < c; g0 += group) {
      Wide s = 0;
      for (int64_t j = g0; j < g0 + group; ++j)
        s += Wide(t[size_t(j)]) * t[size_t(j)];
      int64_t rq = normFactor(s, normEpsTerm(eps, group, f), group, f);
      for (int64_t j = g0; j < g0 + group; ++j)
        y.data<int32_t>()[r * c + j] = sat32(rne(Wide(t[size_t(j)]) * rq * w[j], 24 + f));
    }
  }
  return std::vector<Tensor>{std::move(y)};
}

Results vector(const Op &op, QOp kind, Operands in) {
  Tensor y = like(op);
  int32_t *o = y.data<int32_t>();
  const int32_t *a = i32(in[0]);
  int64_t n = y.numel(), c = in[0]->dim(2);
  int shift = int(getShift(op)), f = int(getFrac(op));
  switch (kind) {
  case QOp::Add:
  case QOp::Mul: {
    const int32_t *b = i32(in[1]);
    int64_t bn = in[1]->numel(); // [1, L, C] broadcasts over the batch
    for (int64_t i = 0; i < n; ++i)
      o[i] = kind == QOp::Add ? sat32(Wide(a[i]) + b[i % bn])
                              : sat32(rne(Wide(a[i]) * b[i % bn], shift));
    break;
  }
  case QOp::Scale:
    for (int64_t i = 0; i < n; ++i)
      o[i] = sat32(rne(Wide(a[i]) * i32(in[1])[i % c], shift));
    break;
  case QOp::MulImm:
    for (int64_t i = 0; i < n; ++i)
      o[i] = sat32(rne(Wide(a[i]) * getImm(op), shift));
    break;
  case QOp::FWHT: {
    int64_t g = int64_t(1) << getLog2Group(op);
    std::vector<int64_t> v(static_cast<size_t>(g));
    for (int64_t base = 0; base < n; base += g) {
      for (int64_t j = 0; j < g; ++j)
        v[size_t(j)] = a[base + j];
      for (int64_t hlen = 1; hlen < g; hlen *= 2)
        for (int64_t s = 0; s < g; s += 2 * hlen)
          for (int64_t j = s; j < s + hlen; ++j) {
            int64_t p = v[size_t(j)], q = v[size_t(j + hlen)];
            v[size_t(j)] = p + q;
            v[size_t(j + hlen)] = p - q;
          }
      for (int64_t j = 0; j < g; ++j)
        o[base + j] = sat32(rne(Wide(v[size_t(j)]) * getImm(op), shift));
    }
    break;
  }
  default: // Exp / Softplus / SiLU
    for (int64_t i = 0; i < n; ++i)
      o[i] = pwl(kind, a[i], f);
    break;
  }
  return std::vector<Tensor>{std::move(y)};
}

} // namespace

llvm::Expected<std::vector<Tensor>> evaluateQOp(const Op &op, Operands operands) {
  const QOpInfo *info = lookupQOp(op.kind());
  if (!info)
    return makeError("{0}: the golden model evaluates q ops only", op.describe());
  if (llvm::Error e = verifyQOp(op))
    return e;
  for (unsigned i = 0; i < operands.size(); ++i)
    if (op.operand(i) && (!operands[i] || operands[i]->dtype() != op.operand(i)->dtype() ||
                          operands[i]->shape() != op.operand(i)->shape()))
      return makeError("{0}: operand #{1} does not have the type {2}", op.describe(), i,
                       op.operand(i)->type().str());
  switch (info->op) {
  case QOp::FromFloat:
    return fromFloat(op, operands);
  case QOp::ToFloat:
    return toFloat(op, operands);
  case QOp::FromIndex:
    return fromIndex(op, operands);
  case QOp::Embedding:
    return embedding(op, operands);
  case QOp::Flip:
  case QOp::Slice:
  case QOp::Concat:
  case QOp::InsertToken:
  case QOp::TakeToken:
    return dataMovement(op, info->op, operands);
  case QOp::QuantizeTokens:
    return quantizeTokens(op, operands);
  case QOp::Linear:
    return linear(op, operands);
  case QOp::Conv1d:
    return conv1d(op, operands);
  case QOp::SelectiveScan:
    return scan(op, operands, /*ssd=*/false);
  case QOp::SSDScan:
    return scan(op, operands, /*ssd=*/true);
  case QOp::RMSNorm:
    return norm(op, operands, /*gated=*/false);
  case QOp::GatedRMSNorm:
    return norm(op, operands, /*gated=*/true);
  default:
    return vector(op, info->op, operands);
  }
}

llvm::Expected<interp::NamedTensors> Evaluator::run(const interp::NamedTensors &inputs) {
  llvm::DenseMap<const ir::Value *, Tensor> env;
  for (const ir::Value *in : g_.inputs()) {
    auto it = inputs.find(in->name());
    if (it == inputs.end())
      return makeError("missing input '{0}' ({1})", in->name(), in->type().str());
    if (it->second.dtype() != in->dtype() || it->second.shape() != in->shape())
      return makeError("input '{0}': expected {1}, got {2}{3}", in->name(), in->type().str(),
                       dtypeName(it->second.dtype()), shapeStr(it->second.shape()));
    env[in] = it->second;
  }
  for (const auto &[name, t] : inputs)
    if (!g_.lookup(name) || llvm::find(g_.inputs(), g_.lookup(name)) == g_.inputs().end())
      return makeError("'{0}' is not an input of the model", name);
  for (const auto &op : g_.ops()) {
    llvm::SmallVector<const Tensor *, 7> operands;
    for (const ir::Value *v : op->operands()) {
      if (!v) {
        operands.push_back(nullptr);
        continue;
      }
      if (v->isConstant()) {
        operands.push_back(v->constant());
        continue;
      }
      auto it = env.find(v);
      if (it == env.end())
        return makeError("{0}: operand '%{1}' is not computed yet", op->describe(), v->name());
      operands.push_back(&it->second);
    }
    auto results = evaluateQOp(*op, operands);
    if (!results)
      return results.takeError();
    if (onOpDone)
      onOpDone(*op, *results);
    for (unsigned i = 0; i < op->numResults(); ++i)
      env[op->result(i)] = std::move((*results)[i]);
  }
  interp::NamedTensors out;
  for (const ir::Value *v : g_.outputs()) {
    auto it = env.find(v);
    if (it == env.end())
      return makeError("graph output '%{0}' was not computed", v->name());
    out[v->name()] = it->second;
  }
  return out;
}

llvm::Expected<interp::NamedTensors> evaluate(const ir::Graph &g,
                                              const interp::NamedTensors &inputs) {
  return Evaluator(g).run(inputs);
}

} // namespace vimq::golden
