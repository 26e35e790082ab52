//===- LowerToFixedPoint.cpp - lifted FP32 ops -> q ops with Q formats ------------------------===//
//
// Walks the graph in order and emits, before each FP32 op, the q ops that compute it in fixed
// point (docs/numerics.md); at the end the graph outputs become q.ToFloat and the FP32 ops are
// erased. Q formats come from the calibrated ranges (calib.absmax) with two bits of headroom;
// where an engine takes one format for several operands the smallest wins and the others are
// rescaled with q.MulImm. Packed weights come from quantize-weights (wq.*). An op that has no
// fixed-point form on the overlay is an error naming the node.
//
// Fusions are left to fuse-q-ops; this pass only arranges the formats so that they are exact
// (conv and SiLU share one format, the scan's gate is brought to the scan's format).
//
//===----------------------------------------------------------------------------------------===//
#include "QuantAttrs.h"
#include "QuantUtil.h"

#include "vimq/quant/Passes.h"
#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <cmath>

namespace vimq::quant {

using ir::Op;
using ir::TensorType;
using ir::Value;

namespace {

/// Two bits above the calibrated absmax (inputs outside the calibration set), and no more than
/// 16 fraction bits: below 2^-16 the int8 activations and 4-bit weights dominate the error, and
/// small formats keep the 64-bit products of the engines far from overflow.
constexpr double kHeadroom = 4;
constexpr int64_t kMaxActFrac = 16;
/// Fraction bits of per-channel multipliers (norm weights, smoothing factors) at most.
constexpr int64_t kMaxParamFrac = 24;

int64_t fracFor(double absmax, int64_t cap = kMaxActFrac) {
  if (!(absmax > 0) || !std::isfinite(absmax))
    return cap;
  int64_t f = 30 - int64_t(std::ceil(std::log2(absmax * kHeadroom)));
  return std::clamp<int64_t>(f, 0, cap);
}

double tensorAbsMax(const Tensor &t) {
  double m = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    m = std::fmax(m, std::fabs(t.getDouble(i)));
  return m;
}

/// f32 -> i32 Q(frac) exactly as the runtime converts inputs: nearbyint(x·2^frac) (ties to
/// even), saturated.
llvm::Expected<Tensor> toFixed(const Tensor &t, int64_t frac, const Op &op) {
  Tensor out(DType::I32, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = t.getDouble(i);
    if (!std::isfinite(v))
      return makeError("{0}: constant element {1} is not finite", op.describe(), i);
    v = std::nearbyint(std::ldexp(v, int(frac)));
    out.data<int32_t>()[i] = int32_t(std::fmin(std::fmax(v, -2147483648.0), 2147483647.0));
  }
  return out;
}

struct QVal {
  Value *v = nullptr;
  int64_t frac = 0;
};

class Lowering {
public:
  Lowering(ir::Graph &g, const QuantOptions &opts) : g(g), opts(opts), uses(g) {}

  llvm::Error run() {
    std::vector<Op *> fpOps;
    for (Op *op : g.opSnapshot())
      fpOps.push_back(op);
    for (Op *op : fpOps) {
      anchor = op;
      if (llvm::Error e = lower(*op))
        return e;
    }
    // Outputs: remember what each becomes, erase the FP32 ops, then create the conversions
    // under the outputs' own names (a name is free again once its definer is erased).
    struct Out {
      std::string name;
      TensorType type;
      QVal q;
    };
    std::vector<Out> outs;
    for (Value *o : g.outputs()) {
      auto it = map.find(o);
      if (it == map.end())
        return makeError("graph output '%{0}' is not computed by an op "
                         "the overlay runs",
                         o->name());
      outs.push_back({o->name(), o->type(), it->second});
    }
    for (auto it = fpOps.rbegin(); it != fpOps.rend(); ++it)
      g.eraseOp(*it);
    for (unsigned i = 0; i < outs.size(); ++i) {
      Op *cvt = g.createOp("q.ToFloat", outs[i].name, {outs[i].q.v}, {outs[i].type}, nullptr,
                           {outs[i].name});
      cvt->setAttr("frac", outs[i].q.frac);
      g.setOutput(i, cvt->result());
    }
    g.removeDeadCode();
    return llvm::Error::success();
  }

private:
  // ---- helpers --------------------------------------------------------------------------
  Op *emit(llvm::StringRef kind, llvm::ArrayRef<Value *> operands,
           llvm::ArrayRef<TensorType> types, llvm::StringRef suffix = "") {
    std::string name = (anchor->name() + suffix).str();
    llvm::SmallVector<std::string, 2> names;
    for (size_t i = 0; i < types.size(); ++i)
      names.push_back(g.uniqueName(anchor->result(0)->name() + ".q" + suffix.str()));
    return g.createOp(kind, name, operands, types, anchor, names);
  }
  static TensorType i32(llvm::ArrayRef<int64_t> shape) {
    return {DType::I32, Shape(shape.begin(), shape.end())};
  }
  Value *constant(llvm::StringRef base, Tensor t) {
    return g.addConstant(g.uniqueName(base), std::move(t));
  }
  /// `t` in Q(frac) as a new constant named after `base`.
  llvm::Expected<Value *> fixedConstant(const Op &op, const Tensor &t, int64_t frac,
                                        llvm::StringRef base) {
    auto q = toFixed(t, frac, op);
    if (!q)
      return q.takeError();
    return constant(base, std::move(*q));
  }

  /// The calibrated result range of an FP value (its definer's calib.absmax).
  double rangeOf(const Value *v) const {
    if (const Op *d = v->definingOp()) {
      std::vector<double> m = getDoubles(*d, attrs::kAbsMax);
      for (unsigned i = 0; i < d->numResults(); ++i)
        if (d->result(i) == v && i < m.size())
          return m[i];
    }
    return 0;
  }
  int64_t fracOf(const Value *v) const { return fracFor(rangeOf(v)); }

  /// q.FromFloat of the graph input `v` into `type` (the runtime's conversion), in the format
  /// of the anchor's calibrated input range.
  QVal fromFloat(Value *v, TensorType type, llvm::StringRef layout) {
    Op *in = emit("q.FromFloat", {v}, {std::move(type)}, ".in");
    int64_t f = fracFor(anchor->getFloat(attrs::kInputAbsMax, 0));
    in->setAttr("frac", f);
    in->setAttr("layout", layout.str());
    return {in->result(), f};
  }

  llvm::Expected<QVal> get(Value *v) {
    auto it = map.find(v);
    if (it != map.end())
      return it->second;
    if (v->isConstant())
      return makeError("{0}: a constant activation operand '%{1}' has no fixed-point form here",
                       anchor->describe(), v->name());
    if (v->dtype() != DType::F32 || (v->rank() != 3 && v->rank() != 2))
      return makeError("{0}: graph input '%{1}' ({2}) is not an f32 [B, L, C] or [B, C] "
                       "activation",
                       anchor->describe(), v->name(), v->type().str());
    Shape s(v->shape().begin(), v->shape().end());
    if (s.size() == 2)
      s.insert(s.begin() + 1, 1);
    return map[v] = fromFloat(v, i32(s), "tokens");
  }

  QVal rescale(QVal x, int64_t frac) {
    if (x.frac == frac)
      return x;
    Op *m = emit("q.MulImm", {x.v}, {x.v->type()}, ".rq");
    m->setAttr("imm", frac > x.frac ? int64_t(1) << (frac - x.frac) : int64_t(1));
    m->setAttr("shift", frac > x.frac ? int64_t(0) : x.frac - frac);
    m->setAttr("frac", frac);
    return {m->result(), frac};
  }

  void define(Value *fp, Value *q, int64_t frac) { map[fp] = {q, frac}; }

  /// Emits the q op that computes the FP value `result` and maps `result` to it in Q(frac).
  Op *emitFor(Value *result, llvm::StringRef kind, llvm::ArrayRef<Value *> operands,
              TensorType type, int64_t frac) {
    Op *q = emit(kind, operands, {std::move(type)});
    define(result, q->result(), frac);
    return q;
  }
  /// emitFor for the arithmetic q ops, which carry their result's format as "frac".
  Op *emitArith(Value *result, llvm::StringRef kind, llvm::ArrayRef<Value *> operands,
                TensorType type, int64_t frac) {
    Op *q = emitFor(result, kind, operands, std::move(type), frac);
    q->setAttr("frac", frac);
    return q;
  }
  /// A product in Q(productFrac) (q.MulImm, q.Mul, q.Scale) shifted right to Q(fy); never
  /// shifted left: a result format finer than the product's is the product's.
  Op *emitProduct(Op &op, llvm::StringRef kind, llvm::ArrayRef<Value *> operands,
                  int64_t productFrac, int64_t fy) {
    int64_t shift = productFrac - fy;
    if (shift < 0) {
      fy = productFrac;
      shift = 0;
    }
    Op *q = emitArith(op.result(), kind, operands, operands[0]->type(), fy);
    q->setAttr("shift", shift);
    return q;
  }

  /// The second operand of an op whose operands and result share the format `f` (q.Add,
  /// q.InsertToken), which is lowered to fit it: a constant is stored in that format (laid out
  /// by `layout`, if given), an activation rescaled to it.
  llvm::Expected<Value *>
  sharedFormatOperand(const Op &op, Value *b, int64_t &f,
                      llvm::function_ref<Tensor(const Tensor &)> layout = nullptr) {
    if (b->isConstant()) {
      const Tensor &c = *b->constant();
      f = std::min(f, fracFor(tensorAbsMax(c)));
      return layout ? fixedConstant(op, layout(c), f, b->name() + ".q")
                    : fixedConstant(op, c, f, b->name() + ".q");
    }
    auto q = get(b);
    if (!q)
      return q.takeError();
    f = std::min(f, q->frac);
    return rescale(*q, f).v;
  }

  /// A packed-weight tensor attribute of rank `rank` (quantize-weights), or null: a graph
  /// resumed from a hand-edited dump must give an error, not a crash.
  static const Tensor *packedAttr(const Op &op, llvm::StringRef name, int64_t rank) {
    const ir::Attr *a = op.attr(name);
    const Tensor *t = a ? std::get_if<Tensor>(a) : nullptr;
    return t && t->rank() == rank ? t : nullptr;
  }

  struct Packed {
    const Tensor &codes, &scales; // [N, K] codes, [N, blocks] f64 scales
  };
  /// The packed weight of a LINEAR (`blocked`: several scales per row) or CONV1D op.
  llvm::Expected<Packed> packedWeight(const Op &op, bool blocked) {
    const Tensor *codes = packedAttr(op, attrs::kWCodes, 2);
    const Tensor *scales = packedAttr(op, attrs::kWScales, 2);
    if (!codes || !scales || scales->dtype() != DType::F64 ||
        scales->dim(0) != codes->dim(0) || (!blocked && scales->dim(1) != 1))
      return unsupported(op, "its weight was not quantized (run quantize-weights first)");
    return Packed{*codes, *scales};
  }

  struct WeightScaling {
    int64_t frac, shift;
  };
  /// Appends the weight operands of a LINEAR / CONV1D `op` — codes, the weight scales as 16-bit
  /// mantissas `ws` (shaped `wsShape`), the bias — for an input in Q(xFrac) that the engine
  /// sees divided by `inDivisor`. The result's format is lowered until the largest mantissa
  /// fits 16 bits; `shift` scales the mantissas up to use all 16.
  llvm::Expected<WeightScaling> appendWeightOperands(const Op &op, const Packed &w,
                                                     int64_t xFrac, double inDivisor,
                                                     llvm::ArrayRef<int64_t> wsShape,
                                                     llvm::SmallVectorImpl<Value *> &operands) {
    int64_t fy = fracOf(op.result());
    const double *scales = w.scales.data<double>();
    double maxScale = 0;
    for (int64_t i = 0; i < w.scales.numel(); ++i)
      maxScale = std::fmax(maxScale, scales[i]);
    auto mantissaOf = [&](double s, int64_t f) {
      return s * std::ldexp(1.0, int(f - xFrac)) / inDivisor;
    };
    while (fy > 0 && mantissaOf(maxScale, fy) > 65535)
      --fy;
    double maxM = mantissaOf(maxScale, fy);
    int64_t shift = maxM > 0 ? int64_t(std::floor(std::log2(65535 / maxM))) : 0;
    shift = std::clamp<int64_t>(shift, 0, kMaxShift);
    Tensor ws(DType::I32, wsShape);
    for (int64_t i = 0; i < ws.numel(); ++i) {
      double m = std::nearbyint(std::ldexp(mantissaOf(scales[i], fy), int(shift)));
      if (m > 65535)
        return unsupported(op, "its weight scales do not fit 16-bit mantissas");
      ws.data<int32_t>()[i] = int32_t(m);
    }
    operands.push_back(constant(op.operand(1)->name() + ".codes", w.codes));
    operands.push_back(constant(op.operand(1)->name() + ".ws", std::move(ws)));
    if (Value *b = op.operand(2)) {
      auto bq = fixedConstant(op, *b->constant(), fy, b->name() + ".q");
      if (!bq)
        return bq.takeError();
      operands.push_back(*bq);
    }
    return WeightScaling{fy, shift};
  }

  llvm::Error unsupported(const Op &op, llvm::StringRef why) {
    return makeError("{0}: cannot be expressed in the overlay's fixed point: {1}", op.describe(), why);
  }

  // ---- ops ------------------------------------------------------------------------------
  using LowerFn = llvm::Error (Lowering::*)(Op &);
  using LowerUnaryFn = llvm::Error (Lowering::*)(Op &, QVal);

  /// The lowering of an op whose first operand is the activation it transforms.
  template <LowerUnaryFn F> llvm::Error withInput(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    return (this->*F)(op, *x);
  }

  llvm::Error lower(Op &op) {
    static const std::pair<llvm::StringLiteral, LowerFn> kLowerings[] = {
        {"vimq.PatchEmbed", &Lowering::lowerPatchEmbed},
        {"vimq.Linear", &Lowering::withInput<&Lowering::emitLinear>},
        {"vimq.CausalConv1d", &Lowering::withInput<&Lowering::lowerConv>},
        {"vimq.SiLU", &Lowering::withInput<&Lowering::lowerActivation>},
        {"vimq.Softplus", &Lowering::withInput<&Lowering::lowerActivation>},
        {"vimq.RMSNorm", &Lowering::withInput<&Lowering::lowerNorm>},
        {"vimq.SelectiveScan", &Lowering::lowerScan},
        {"vimq.SSDScan", &Lowering::lowerSSDScan},
        {"vimq.GatedRMSNorm", &Lowering::lowerGatedNorm},
        {"vimq.Embedding", &Lowering::lowerEmbedding},
        {"onnx.Reshape", &Lowering::withInput<&Lowering::lowerReshape>},
        {"onnx.Mul", &Lowering::lowerMul},
        {"onnx.Div", &Lowering::lowerDiv},
        {"onnx.Add", &Lowering::lowerAdd},
        {"vimq.PositionEmbed", &Lowering::lowerAdd},
        {"vimq.Flip", &Lowering::withInput<&Lowering::lowerFlip>},
        {"onnx.Slice", &Lowering::withInput<&Lowering::lowerSlice>},
        {"onnx.Split", &Lowering::withInput<&Lowering::lowerSplit>},
        {"vimq.InsertToken", &Lowering::withInput<&Lowering::lowerInsertToken>},
        {"vimq.TakeToken", &Lowering::withInput<&Lowering::lowerTakeToken>},
        // Kept by the frontend only when it names a graph output.
        {"onnx.Identity", &Lowering::withInput<&Lowering::lowerIdentity>},
    };
    for (const auto &[kind, lowerFn] : kLowerings)
      if (op.kind() == kind)
        return (this->*lowerFn)(op);
    return unsupported(op, "the overlay has no instruction for it");
  }

  llvm::Error lowerIdentity(Op &op, QVal x) {
    define(op.result(), x.v, x.frac);
    return llvm::Error::success();
  }

  llvm::Error lowerPatchEmbed(Op &op) {
    Value *img = op.operand(0);
    if (img->definingOp() || img->isConstant() || img->rank() != 4)
      return unsupported(op, "the image must be a [B, C, H, W] graph input (patchified by the "
                             "runtime on the host)");
    llvm::ArrayRef<int64_t> ws = op.operand(1)->shape();
    int64_t b = img->shape()[0], c = img->shape()[1], ph = ws[2], pw = ws[3];
    int64_t hp = img->shape()[2] / ph, wp = img->shape()[3] / pw;
    QVal in = fromFloat(img, i32({b, hp * wp, c * ph * pw}), "patches");
    in.v->definingOp()->setAttr("patch", std::vector<int64_t>{ph, pw});
    return emitLinear(op, in);
  }

  llvm::Error emitLinear(Op &op, QVal x) {
    auto w = packedWeight(op, /*blocked=*/true);
    if (!w)
      return w.takeError();
    llvm::ArrayRef<int64_t> xs = x.v->shape();
    // FastMamba: the input rotated online, x' = RNE(x·H / 2^k) per group of 2^k columns, in
    // x's format. The codes are of W·H, and x'·(W·H)ᵀ = x·H·H·Wᵀ / 2^k = x·Wᵀ (H·H = 2^k·I),
    // so the weight scales need no correction; the division by 2^k keeps |x'| ≤ |x|max.
    if (int64_t log2g = op.getInt(attrs::kHadamardLog2, 0)) {
      Op *h = emit("q.FWHT", {x.v}, {x.v->type()}, ".rot");
      h->setAttr("log2g", log2g);
      h->setAttr("imm", int64_t(1));
      h->setAttr("shift", log2g);
      h->setAttr("frac", x.frac);
      x.v = h->result();
    }
    // Per-token int8 quantization of the input (VECTOR quant).
    Op *qt = emit("q.QuantizeTokens", {x.v},
                  {{DType::I8, Shape(xs.begin(), xs.end())}, i32({xs[0], xs[1]})}, ".act");
    if (opts.staticActivationScales) {
      double a = std::ldexp(rangeOf(op.operand(0)), int(x.frac));
      if (op.is("vimq.PatchEmbed"))
        a = std::ldexp(op.getFloat(attrs::kInputAbsMax, 0), int(x.frac));
      qt->setAttr("static_absmax", int64_t(std::fmin(std::fmax(std::nearbyint(a), 1), 2147483647)));
    }
    // The engine multiplies int8 tokens, x·127/absmax: the scales take the 1/127.
    llvm::SmallVector<Value *, 5> operands = {qt->result(0), qt->result(1)};
    int64_t n = w->codes.dim(0);
    auto s = appendWeightOperands(op, *w, x.frac, 127, {n, w->scales.dim(1)}, operands);
    if (!s)
      return s.takeError();
    Op *lin = emitArith(op.result(), "q.Linear", operands, i32({xs[0], xs[1], n}), s->frac);
    lin->setAttr("wfmt", std::string(op.getString(attrs::kWFormat, "") == "apot4" ? "apot4"
                                                                                 : "int8"));
    lin->setAttr("block", op.getInt(attrs::kWBlock, 32));
    lin->setAttr("shift", s->shift);
    lin->setAttr("act", std::string("none"));
    return llvm::Error::success();
  }

  llvm::Error lowerConv(Op &op, QVal x) {
    auto w = packedWeight(op, /*blocked=*/false);
    if (!w)
      return w.takeError();
    if (w->codes.dim(1) > 4)
      return unsupported(op, "CONV1D takes kernels of at most 4 taps");
    // With a following SiLU (fused later) the conv's format is the SiLU's, so both agree.
    llvm::SmallVector<Value *, 4> operands = {x.v};
    auto s = appendWeightOperands(op, *w, x.frac, 1, {w->codes.dim(0)}, operands);
    if (!s)
      return s.takeError();
    Op *conv = emitArith(op.result(), "q.Conv1d", operands, x.v->type(), s->frac);
    conv->setAttr("wfmt", std::string(op.getString(attrs::kWFormat, "") == "int8" ? "int8"
                                                                                   : "apot5"));
    conv->setAttr("shift", s->shift);
    conv->setAttr("silu", int64_t(op.getString("activation", "none") == "silu"));
    return llvm::Error::success();
  }

  llvm::Error lowerActivation(Op &op, QVal x) {
    // A SiLU that gates a scan works in the scan's format (see lowerScan), so that fuse-q-ops
    // can move it into the SSM instruction without changing a bit.
    auto gate = gateFrac.find(op.result());
    if (gate != gateFrac.end())
      x = rescale(x, gate->second);
    emitArith(op.result(), op.is("vimq.SiLU") ? "q.SiLU" : "q.Softplus", {x.v}, x.v->type(),
              x.frac);
    return llvm::Error::success();
  }

  llvm::Error lowerNorm(Op &op, QVal x) {
    Value *w = op.operand(1);
    if (!w->isConstant())
      return unsupported(op, "the norm weight must be a constant");
    // The result's format is the weight's (y = t·rq·w / 2^(24+f), docs/numerics.md); the q
    // op's "frac" is its input's.
    int64_t fy = std::min(fracOf(op.result()), fracFor(tensorAbsMax(*w->constant()), 30));
    auto wq = fixedConstant(op, *w->constant(), fy, w->name() + ".q");
    if (!wq)
      return wq.takeError();
    Op *n = emitFor(op.result(), "q.RMSNorm", {x.v, *wq}, x.v->type(), fy);
    n->setAttr("frac", x.frac);
    n->setAttr("eps", double(float(op.getFloat("eps", 1e-5))));
    return llvm::Error::success();
  }

  /// Token ids (an integer graph input) → q.FromIndex (host conversion, range-checked) →
  /// q.Embedding, the gathering LOAD of rows of the table, stored int16 in Q(f) with the
  /// finest f that holds its absmax (a power-of-two scale: the gathered row is the residual
  /// stream in Q(f) with no arithmetic).
  llvm::Error lowerEmbedding(Op &op) {
    Value *ids = op.operand(0), *table = op.operand(1);
    if (!table || !table->isConstant() || table->rank() != 2)
      return unsupported(op, "the embedding table must be a [V, D] constant");
    if (ids->definingOp() || ids->isConstant() || ids->rank() != 2 ||
        (ids->dtype() != DType::I64 && ids->dtype() != DType::I32))
      return unsupported(op, "the token ids must be an integer [B, L] graph input");
    const Tensor &t = *table->constant();
    const int64_t V = t.dim(0), D = t.dim(1), B = ids->shape()[0], L = ids->shape()[1];
    double m = tensorAbsMax(t);
    int64_t f = m > 0 ? std::clamp<int64_t>(int64_t(std::floor(std::log2(32767.0 / m))), 0,
                                            kMaxActFrac)
                      : kMaxActFrac;
    auto it = map.find(ids);
    Value *idx;
    if (it != map.end()) {
      idx = it->second.v;
    } else {
      Op *from = emit("q.FromIndex", {ids}, {i32({B, L})}, ".ids");
      from->setAttr("limit", V);
      idx = from->result();
      map[ids] = {idx, 0};
    }
    Tensor q(DType::I16, {V, D});
    for (int64_t i = 0; i < V * D; ++i) {
      double v = std::nearbyint(std::ldexp(t.getDouble(i), int(f)));
      if (!std::isfinite(v))
        return unsupported(op, "the embedding table has a non-finite element");
      q.data<int16_t>()[i] = int16_t(std::clamp(v, -32768.0, 32767.0));
    }
    Value *tq = constant(table->name() + ".i16", std::move(q));
    emitArith(op.result(), "q.Embedding", {idx, tq}, i32({B, L, D}), f);
    return llvm::Error::success();
  }

  /// A Reshape that only splits or merges the dimensions after [B, L] (Mamba2's heads:
  /// [B, L, H·P] <-> [B, L, H, P]) is the identity on the overlay's [B, L, C] rows.
  llvm::Error lowerReshape(Op &op, QVal x) {
    llvm::ArrayRef<int64_t> in = op.operand(0)->shape(), out = op.result()->shape();
    auto tail = [](llvm::ArrayRef<int64_t> s) {
      int64_t n = 1;
      for (int64_t d : s.drop_front(2))
        n *= d;
      return n;
    };
    if (in.size() < 3 || out.size() < 3 || in.take_front(2) != out.take_front(2) ||
        tail(in) != tail(out))
      return unsupported(op, "only a reshape of the channels of [B, L, ...] (the heads of a "
                             "scan) keeps the token rows the overlay stores");
    define(op.result(), x.v, x.frac);
    return llvm::Error::success();
  }

  /// Mamba2's SSD scan: x [B, L, H, P], dt [B, L, H], A [H], B/C [B, L, G, N], D [H] as one
  /// q.SSDScan on [B, L, H·P] rows; like the selective scan, one format for every operand.
  llvm::Error lowerSSDScan(Op &op) { return lowerAnyScan(op, /*ssd=*/true); }
  llvm::Error lowerScan(Op &op) { return lowerAnyScan(op, /*ssd=*/false); }

  /// Mamba2's gated RMSNorm, rmsnorm(x ⊙ silu(z)) · w per group of `group_size` channels: x
  /// and z in one format (the product's), the result in the weight's (as lowerNorm).
  llvm::Error lowerGatedNorm(Op &op) {
    Value *w = op.operand(2);
    if (!w || !w->isConstant())
      return unsupported(op, "the norm weight must be a constant");
    auto x = get(op.operand(0)), z = get(op.operand(1));
    if (!x)
      return x.takeError();
    if (!z)
      return z.takeError();
    if (x->v->shape() != z->v->shape())
      return unsupported(op, "x and the gate z must have one shape");
    int64_t f = std::min(x->frac, z->frac);
    QVal rx = rescale(*x, f), rz = rescale(*z, f);
    int64_t fy = std::min(fracOf(op.result()), fracFor(tensorAbsMax(*w->constant()), 30));
    auto wq = fixedConstant(op, *w->constant(), fy, w->name() + ".q");
    if (!wq)
      return wq.takeError();
    Op *n = emitFor(op.result(), "q.GatedRMSNorm", {rx.v, rz.v, *wq}, rx.v->type(), fy);
    n->setAttr("frac", f);
    n->setAttr("eps", double(float(op.getFloat("eps", 1e-5))));
    int64_t c = rx.v->shape().back(), group = op.getInt("group_size", c);
    if (group <= 0 || c % group)
      return unsupported(op, "the norm group must divide the channels");
    if (group != c)
      n->setAttr("group", group);
    return llvm::Error::success();
  }

  /// y = Mul(scan, SiLU(z)) with both single-use: the gate the SSM can apply itself.
  Op *gatePattern(Op &scan, Value *&siluOut) {
    llvm::ArrayRef<Op *> users = uses.users(scan.result());
    if (users.size() != 1 || !users[0]->is("onnx.Mul") || g.isOutput(scan.result()))
      return nullptr;
    Op *mul = users[0];
    Value *other = mul->operand(0) == scan.result() ? mul->operand(1) : mul->operand(0);
    Op *silu = other->definingOp();
    if (!silu || !silu->is("vimq.SiLU") || uses.users(other).size() != 1 ||
        other->shape() != scan.result()->shape())
      return nullptr;
    siluOut = other;
    return mul;
  }

  /// q.SelectiveScan or q.SSDScan: A and D constants, u/x, Δ/dt, B, C activations, all in one
  /// format (ISA: one `frac` for every operand, the state and the result), and the SiLU gate
  /// of a following Mul brought to it so that fuse-q-ops can move it into the scan.
  llvm::Error lowerAnyScan(Op &op, bool ssd) {
    if (op.numOperands() < 5)
      return unsupported(op, "a scan needs u, delta, A, B and C");
    Value *A = op.operand(2), *D = op.numOperands() > 5 ? op.operand(5) : nullptr;
    if (!A->isConstant() || (D && !D->isConstant()))
      return unsupported(op, "A and D must be constants");
    if (ssd && (op.operand(0)->rank() != 4 || op.operand(3)->rank() != 4))
      return unsupported(op, "x must be [B, L, H, P] and B, C [B, L, G, N]");
    int64_t f = std::min(fracOf(op.result()), fracFor(tensorAbsMax(*A->constant())));
    if (D)
      f = std::min(f, fracFor(tensorAbsMax(*D->constant())));
    llvm::SmallVector<QVal, 4> acts;
    for (unsigned i : {0u, 1u, 3u, 4u}) {
      auto q = get(op.operand(i));
      if (!q)
        return q.takeError();
      acts.push_back(*q);
      f = std::min(f, q->frac);
    }
    Value *siluOut = nullptr;
    if (Op *mul = gatePattern(op, siluOut)) {
      Value *z = siluOut->definingOp()->operand(0);
      auto zq = map.find(z);
      if (zq != map.end()) {
        f = std::min(f, zq->second.frac);
        gateFrac[siluOut] = f;
        gateMul.insert(mul);
      }
    }
    for (QVal &a : acts)
      a = rescale(a, f);
    // SSD's A [H] (and any D) as flat vectors; the selective A stays [C, N].
    const Tensor &at = *A->constant();
    auto aq = fixedConstant(op, ssd ? at.reshaped({at.numel()}) : at, f, A->name() + ".q");
    if (!aq)
      return aq.takeError();
    llvm::SmallVector<Value *, 6> operands = {acts[0].v, acts[1].v, *aq, acts[2].v, acts[3].v};
    if (D) {
      auto dq = fixedConstant(op, D->constant()->reshaped({D->type().numel()}), f,
                              D->name() + ".q");
      if (!dq)
        return dq.takeError();
      operands.push_back(*dq);
    }
    Op *s = emitArith(op.result(), ssd ? "q.SSDScan" : "q.SelectiveScan", operands,
                      acts[0].v->type(), f);
    if (ssd)
      s->setAttr("n", op.operand(3)->shape()[3]);
    if (opts.exactExp)
      s->setAttr("exact_exp", int64_t(1));
    return llvm::Error::success();
  }

  /// a·(1/k) or a·k for a scalar constant k as q.MulImm: imm·2^-p ≈ k with a 24-bit imm,
  /// exact when k is a power of two.
  llvm::Error emitMulImm(Op &op, QVal a, double k) {
    if (!std::isfinite(k) || k == 0)
      return unsupported(op, "the scalar factor is zero or not finite");
    int64_t fy = std::min(fracOf(op.result()), a.frac + 16);
    int e;
    std::frexp(k, &e); // |k| = m·2^e, m in [0.5, 1)
    int64_t p = 24 - e;
    int64_t imm = int64_t(std::nearbyint(std::ldexp(k, int(p))));
    while (p > 0 && imm % 2 == 0) {
      imm /= 2;
      --p;
    }
    Op *m = emitProduct(op, "q.MulImm", {a.v}, p + a.frac, fy);
    m->setAttr("imm", imm);
    return llvm::Error::success();
  }

  static bool scalarConst(const Value *v, double &k) {
    if (!v || !v->isConstant() || v->type().numel() != 1)
      return false;
    k = v->constant()->getDouble(0);
    return true;
  }

  llvm::Error lowerDiv(Op &op) {
    double k;
    if (!scalarConst(op.operand(1), k))
      return unsupported(op, "only division by a scalar constant has a fixed-point form");
    auto a = get(op.operand(0));
    if (!a)
      return a.takeError();
    return emitMulImm(op, *a, 1 / k);
  }

  llvm::Error lowerMul(Op &op) {
    double k;
    for (unsigned i = 0; i < 2; ++i) {
      Value *c = op.operand(i), *x = op.operand(1 - i);
      if (scalarConst(c, k)) {
        auto a = get(x);
        if (!a)
          return a.takeError();
        return emitMulImm(op, *a, k);
      }
      if (c->isConstant() && c->type().numel() == x->shape().back() && x->rank() >= 2)
        return emitScale(op, x, *c->constant());
    }
    auto a = get(op.operand(0)), b = get(op.operand(1));
    if (!a)
      return a.takeError();
    if (!b)
      return b.takeError();
    if (a->v->shape() != b->v->shape())
      return unsupported(op, "q.Mul multiplies tensors of one shape");
    int64_t fy = fracOf(op.result());
    if (gateMul.count(&op)) // the scan's gate: exactly y·SiLU(z) / 2^f in the scan's format
      fy = a->frac;
    emitProduct(op, "q.Mul", {a->v, b->v}, a->frac + b->frac, fy);
    return llvm::Error::success();
  }

  /// x · c[channel]: VECTOR scale (the smoothing factor that could not be folded).
  llvm::Error emitScale(Op &op, Value *xfp, const Tensor &c) {
    auto x = get(xfp);
    if (!x)
      return x.takeError();
    int64_t fc = fracFor(tensorAbsMax(c), kMaxParamFrac);
    auto cq = fixedConstant(op, c.reshaped({c.numel()}), fc, op.name() + ".c");
    if (!cq)
      return cq.takeError();
    emitProduct(op, "q.Scale", {x->v, *cq}, fc + x->frac, fracOf(op.result()));
    return llvm::Error::success();
  }

  llvm::Error lowerAdd(Op &op) {
    Value *a = op.operand(0), *b = op.operand(1);
    if (a->isConstant())
      std::swap(a, b);
    auto qa = get(a);
    if (!qa)
      return qa.takeError();
    int64_t f = std::min(fracOf(op.result()), qa->frac);
    // A constant addend (position embedding) is stored as [1, L, C] in the sum's format.
    llvm::ArrayRef<int64_t> s = qa->v->shape();
    if (b->isConstant() && b->constant()->numel() != s[1] * s[2] &&
        b->constant()->numel() != s[2])
      return unsupported(op, "a constant addend must be [1, L, C] or [C]");
    auto qb = sharedFormatOperand(op, b, f, [&](const Tensor &c) {
      Tensor full(DType::F32, {1, s[1], s[2]});
      for (int64_t i = 0; i < s[1] * s[2]; ++i)
        full.data<float>()[i] = float(c.getDouble(i % c.numel()));
      return full;
    });
    if (!qb)
      return qb.takeError();
    if (!b->isConstant() && (*qb)->shape() != s)
      return unsupported(op, "q.Add adds tensors of one shape");
    QVal ra = rescale(*qa, f);
    emitArith(op.result(), "q.Add", {ra.v, *qb}, ra.v->type(), f);
    return llvm::Error::success();
  }

  llvm::Error lowerFlip(Op &op, QVal x) {
    int64_t axis = op.getInt("axis", 0), rank = op.operand(0)->rank();
    if (rank != 3 || (axis != 1 && axis != -2))
      return unsupported(op, "only the token axis of [B, L, C] can be reversed");
    emitFor(op.result(), "q.Flip", {x.v}, x.v->type(), x.frac);
    return llvm::Error::success();
  }

  void emitSlice(QVal x, int64_t begin, int64_t end, Value *result) {
    llvm::ArrayRef<int64_t> s = x.v->shape();
    Op *sl = emitFor(result, "q.Slice", {x.v}, i32({s[0], s[1], end - begin}), x.frac);
    sl->setAttr("begin", begin);
    sl->setAttr("end", end);
  }

  llvm::Error lowerSlice(Op &op, QVal x) {
    Value *in = op.operand(0);
    int64_t rank = in->rank(), c = in->shape().back();
    auto ints = [&](unsigned i, std::vector<int64_t> dflt) -> std::optional<std::vector<int64_t>> {
      Value *v = op.operand(i);
      if (!v)
        return dflt;
      if (!v->isConstant())
        return std::nullopt;
      return v->constant()->toInts();
    };
    auto starts = ints(1, {}), ends = ints(2, {}), axes = ints(3, {rank - 1}),
         steps = ints(4, {1});
    if (!starts || !ends || !axes || !steps || starts->size() != 1 || axes->size() != 1 ||
        ((*axes)[0] != -1 && (*axes)[0] != rank - 1) || (*steps)[0] != 1)
      return unsupported(op, "only a constant unit-step column range of the last axis is a "
                             "strided load");
    auto clampIdx = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + c : v, 0, c); };
    int64_t b = clampIdx((*starts)[0]), e = clampIdx((*ends)[0]);
    if (e <= b)
      return unsupported(op, "empty column range");
    emitSlice(x, b, e, op.result());
    return llvm::Error::success();
  }

  llvm::Error lowerSplit(Op &op, QVal x) {
    int64_t off = 0;
    unsigned idx = 0;
    if (!matchLastAxisSplit(op.result(0), off, idx))
      return unsupported(op, "only splits of the last axis are column ranges");
    for (unsigned i = 0; i < op.numResults(); ++i) {
      int64_t w = op.result(i)->shape().back();
      emitSlice(x, off, off + w, op.result(i));
      off += w;
    }
    return llvm::Error::success();
  }

  llvm::Error lowerInsertToken(Op &op, QVal x) {
    int64_t f = std::min(x.frac, fracOf(op.result()));
    auto qt = sharedFormatOperand(op, op.operand(1), f);
    if (!qt)
      return qt.takeError();
    QVal rx = rescale(x, f);
    llvm::ArrayRef<int64_t> s = rx.v->shape();
    Op *ins = emitFor(op.result(), "q.InsertToken", {rx.v, *qt}, i32({s[0], s[1] + 1, s[2]}), f);
    ins->setAttr("index", op.getInt("index", 0));
    return llvm::Error::success();
  }

  llvm::Error lowerTakeToken(Op &op, QVal x) {
    llvm::ArrayRef<int64_t> s = x.v->shape();
    Op *t = emitFor(op.result(), "q.TakeToken", {x.v}, i32({s[0], 1, s[2]}), x.frac);
    t->setAttr("index", op.getInt("index", 0));
    return llvm::Error::success();
  }

  ir::Graph &g;
  const QuantOptions &opts;
  Uses uses;
  Op *anchor = nullptr;
  llvm::DenseMap<const Value *, QVal> map;
  llvm::DenseMap<const Value *, int64_t> gateFrac;
  llvm::DenseSet<const Op *> gateMul;
};

class LowerToFixedPoint : public Pass {
public:
  explicit LowerToFixedPoint(QuantOptions opts) : opts_(std::move(opts)) {}
  llvm::StringRef name() const override { return "lower-to-fixed-point"; }
  llvm::StringRef description() const override {
    return "turn every FP32 op of a ViM or Mamba2 into q ops with Q formats from the "
           "calibrated ranges";
  }
  llvm::Expected<bool> run(ir::Graph &g) override {
    Lowering l(g, opts_);
    if (llvm::Error e = l.run())
      return e;
    if (llvm::Error e = verifyQuantizedGraph(g))
      return makeError("produced an invalid q graph: {0}",
                       llvm::toString(std::move(e)));
    return true;
  }

private:
  QuantOptions opts_;
};

} // namespace

std::unique_ptr<Pass> createLowerToFixedPointPass(const QuantOptions &opts) {
  return std::make_unique<LowerToFixedPoint>(opts);
}

} // namespace vimq::quant
