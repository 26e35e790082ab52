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
    Op *in = emit("q.FromFloat", {v}, {i32(s)}, ".in");
    int64_t f = fracFor(anchor->getFloat(attrs::kInputAbsMax, 0));
    in->setAttr("frac", f);
    in->setAttr("layout", std::string("tokens"));
    return map[v] = QVal{in->result(), f};
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

  /// A packed-weight tensor attribute of rank `rank` (quantize-weights), or null: a graph
  /// resumed from a hand-edited dump must give an error, not a crash.
  static const Tensor *packedAttr(const Op &op, llvm::StringRef name, int64_t rank) {
    const ir::Attr *a = op.attr(name);
    const Tensor *t = a ? std::get_if<Tensor>(a) : nullptr;
    return t && t->rank() == rank ? t : nullptr;
  }

  llvm::Error unsupported(const Op &op, llvm::StringRef why) {
    return makeError("{0}: cannot be expressed in ViM-Q fixed point: {1}", op.describe(), why);
  }

  // ---- ops ------------------------------------------------------------------------------
  llvm::Error lower(Op &op) {
    llvm::StringRef k = op.kind();
    if (k == "vimq.PatchEmbed")
      return lowerPatchEmbed(op);
    if (k == "vimq.Linear")
      return lowerLinear(op);
    if (k == "vimq.CausalConv1d")
      return lowerConv(op);
    if (k == "vimq.SiLU" || k == "vimq.Softplus")
      return lowerActivation(op);
    if (k == "vimq.RMSNorm")
      return lowerNorm(op);
    if (k == "vimq.SelectiveScan")
      return lowerScan(op);
    if (k == "onnx.Mul")
      return lowerMul(op);
    if (k == "onnx.Div")
      return lowerDiv(op);
    if (k == "onnx.Add" || k == "vimq.PositionEmbed")
      return lowerAdd(op);
    if (k == "vimq.Flip")
      return lowerFlip(op);
    if (k == "onnx.Slice")
      return lowerSlice(op);
    if (k == "onnx.Split")
      return lowerSplit(op);
    if (k == "vimq.InsertToken")
      return lowerInsertToken(op);
    if (k == "vimq.TakeToken")
      return lowerTakeToken(op);
    if (k == "onnx.Identity") { // kept by the frontend only when it names a graph output
      auto x = get(op.operand(0));
      if (!x)
        return x.takeError();
      define(op.result(), x->v, x->frac);
      return llvm::Error::success();
    }
    return unsupported(op, "the overlay has no instruction for it");
  }

  llvm::Error lowerPatchEmbed(Op &op) {
    Value *img = op.operand(0);
    if (img->definingOp() || img->isConstant() || img->rank() != 4)
      return unsupported(op, "the image must be a [B, C, H, W] graph input (patchified by the "
                             "runtime on the host)");
    llvm::ArrayRef<int64_t> ws = op.operand(1)->shape();
    int64_t b = img->shape()[0], c = img->shape()[1], ph = ws[2], pw = ws[3];
    int64_t hp = img->shape()[2] / ph, wp = img->shape()[3] / pw;
    Op *in = emit("q.FromFloat", {img}, {i32({b, hp * wp, c * ph * pw})}, ".in");
    int64_t f = fracFor(op.getFloat(attrs::kInputAbsMax, 0));
    in->setAttr("frac", f);
    in->setAttr("layout", std::string("patches"));
    in->setAttr("patch", std::vector<int64_t>{ph, pw});
    return emitLinear(op, QVal{in->result(), f});
  }

  llvm::Error lowerLinear(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    return emitLinear(op, *x);
  }

  llvm::Error emitLinear(Op &op, QVal x) {
    const Tensor *codesP = packedAttr(op, attrs::kWCodes, 2);
    const Tensor *scalesP = packedAttr(op, attrs::kWScales, 2);
    if (!codesP || !scalesP || scalesP->dtype() != DType::F64 ||
        scalesP->dim(0) != codesP->dim(0))
      return unsupported(op, "its weight was not quantized (run quantize-weights first)");
    const Tensor &codes = *codesP;
    const Tensor &scales = *scalesP;
    int64_t n = codes.dim(0), nb = scales.dim(1), block = op.getInt(attrs::kWBlock, 32);
    std::string fmt = op.getString(attrs::kWFormat, "");
    llvm::ArrayRef<int64_t> xs = x.v->shape();
    // Per-token int8 quantization of the input (VECTOR quant).
    Op *qt = emit("q.QuantizeTokens", {x.v},
                  {{DType::I8, Shape(xs.begin(), xs.end())}, i32({xs[0], xs[1]})}, ".act");
    if (opts.staticActivationScales) {
      double a = std::ldexp(rangeOf(op.operand(0)), int(x.frac));
      if (op.is("vimq.PatchEmbed"))
        a = std::ldexp(op.getFloat(attrs::kInputAbsMax, 0), int(x.frac));
      qt->setAttr("static_absmax", int64_t(std::fmin(std::fmax(std::nearbyint(a), 1), 2147483647)));
    }
    // Output format; lowered when the weight-scale mantissas would not fit 16 bits.
    int64_t fy = fracOf(op.result());
    double maxScale = 0;
    for (int64_t i = 0; i < scales.numel(); ++i)
      maxScale = std::fmax(maxScale, scales.data<double>()[i]);
    auto mantissaOf = [&](double s, int64_t fyv) {
      return s * std::ldexp(1.0, int(fyv - x.frac)) / 127;
    };
    while (fy > 0 && mantissaOf(maxScale, fy) > 65535)
      --fy;
    double maxM = mantissaOf(maxScale, fy);
    int64_t shift = maxM > 0 ? int64_t(std::floor(std::log2(65535 / maxM))) : 0;
    shift = std::clamp<int64_t>(shift, 0, kMaxShift);
    Tensor ws(DType::I32, {n, nb});
    for (int64_t i = 0; i < scales.numel(); ++i) {
      double m = std::nearbyint(std::ldexp(mantissaOf(scales.data<double>()[i], fy), int(shift)));
      if (m > 65535)
        return unsupported(op, "its weight scales do not fit 16-bit mantissas");
      ws.data<int32_t>()[i] = int32_t(m);
    }
    llvm::SmallVector<Value *, 5> operands = {
        qt->result(0), qt->result(1),
        constant(op.operand(1)->name() + ".codes", codes),
        constant(op.operand(1)->name() + ".ws", std::move(ws))};
    if (Value *b = op.operand(2)) {
      auto bq = toFixed(*b->constant(), fy, op);
      if (!bq)
        return bq.takeError();
      operands.push_back(constant(b->name() + ".q", std::move(*bq)));
    }
    Op *lin = emit("q.Linear", operands, {i32({xs[0], xs[1], n})});
    lin->setAttr("wfmt", std::string(fmt == "apot4" ? "apot4" : "int8"));
    lin->setAttr("block", block);
    lin->setAttr("shift", shift);
    lin->setAttr("frac", fy);
    lin->setAttr("act", std::string("none"));
    define(op.result(), lin->result(), fy);
    return llvm::Error::success();
  }

  llvm::Error lowerConv(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    const Tensor *codesP = packedAttr(op, attrs::kWCodes, 2);
    const Tensor *scalesP = packedAttr(op, attrs::kWScales, 2);
    if (!codesP || !scalesP || scalesP->dtype() != DType::F64 ||
        scalesP->dim(0) != codesP->dim(0))
      return unsupported(op, "its weight was not quantized (run quantize-weights first)");
    const Tensor &codes = *codesP;
    const Tensor &scales = *scalesP;
    if (codes.dim(1) > 4)
      return unsupported(op, "CONV1D takes kernels of at most 4 taps");
    int64_t c = codes.dim(0);
    // With a following SiLU (fused later) the conv's format is the SiLU's, so both agree.
    int64_t fy = fracOf(op.result());
    double maxScale = 0;
    for (int64_t i = 0; i < c; ++i)
      maxScale = std::fmax(maxScale, scales.data<double>()[i]);
    auto mant = [&](double s, int64_t f) { return s * std::ldexp(1.0, int(f - x->frac)); };
    while (fy > 0 && mant(maxScale, fy) > 65535)
      --fy;
    double maxM = mant(maxScale, fy);
    int64_t shift =
        std::clamp<int64_t>(maxM > 0 ? int64_t(std::floor(std::log2(65535 / maxM))) : 0, 0,
                            kMaxShift);
    Tensor ws(DType::I32, {c});
    for (int64_t i = 0; i < c; ++i)
      ws.data<int32_t>()[i] =
          int32_t(std::nearbyint(std::ldexp(mant(scales.data<double>()[i], fy), int(shift))));
    llvm::SmallVector<Value *, 4> operands = {
        x->v, constant(op.operand(1)->name() + ".codes", codes),
        constant(op.operand(1)->name() + ".ws", std::move(ws))};
    if (Value *b = op.operand(2)) {
      auto bq = toFixed(*b->constant(), fy, op);
      if (!bq)
        return bq.takeError();
      operands.push_back(constant(b->name() + ".q", std::move(*bq)));
    }
    Op *conv = emit("q.Conv1d", operands, {x->v->type()});
    conv->setAttr("wfmt", std::string("apot5"));
    conv->setAttr("shift", shift);
    conv->setAttr("frac", fy);
    conv->setAttr("silu", int64_t(op.getString("activation", "none") == "silu"));
    define(op.result(), conv->result(), fy);
    return llvm::Error::success();
  }

  llvm::Error lowerActivation(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    QVal in = *x;
    // A SiLU that gates a scan works in the scan's format (see lowerScan), so that fuse-q-ops
    // can move it into the SSM instruction without changing a bit.
    auto gate = gateFrac.find(op.result());
    if (gate != gateFrac.end())
      in = rescale(in, gate->second);
    Op *a = emit(op.is("vimq.SiLU") ? "q.SiLU" : "q.Softplus", {in.v}, {in.v->type()});
    a->setAttr("frac", in.frac);
    define(op.result(), a->result(), in.frac);
    return llvm::Error::success();
  }

  llvm::Error lowerNorm(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    Value *w = op.operand(1);
    if (!w->isConstant())
      return unsupported(op, "the norm weight must be a constant");
    // The result's format is the weight's (y = t·rq·w / 2^(24+f), docs/numerics.md).
    int64_t fy = std::min(fracOf(op.result()), fracFor(tensorAbsMax(*w->constant()), 30));
    auto wq = toFixed(*w->constant(), fy, op);
    if (!wq)
      return wq.takeError();
    Op *n = emit("q.RMSNorm", {x->v, constant(w->name() + ".q", std::move(*wq))},
                 {x->v->type()});
    n->setAttr("frac", x->frac);
    n->setAttr("eps", double(float(op.getFloat("eps", 1e-5))));
    define(op.result(), n->result(), fy);
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

  llvm::Error lowerScan(Op &op) {
    if (op.numOperands() < 5)
      return unsupported(op, "a scan needs u, delta, A, B and C");
    Value *A = op.operand(2), *D = op.operand(5);
    if (!A->isConstant() || (D && !D->isConstant()))
      return unsupported(op, "A and D must be constants");
    // ISA v1: one format for every operand, the state and the result.
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
    auto aq = toFixed(*A->constant(), f, op);
    if (!aq)
      return aq.takeError();
    llvm::SmallVector<Value *, 6> operands = {acts[0].v, acts[1].v,
                                              constant(A->name() + ".q", std::move(*aq)),
                                              acts[2].v, acts[3].v};
    if (D) {
      auto dq = toFixed(*D->constant(), f, op);
      if (!dq)
        return dq.takeError();
      operands.push_back(constant(D->name() + ".q", std::move(*dq)));
    }
    Op *scan = emit("q.SelectiveScan", operands, {acts[0].v->type()});
    scan->setAttr("frac", f);
    define(op.result(), scan->result(), f);
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
    int64_t shift = p + a.frac - fy;
    if (shift < 0) {
      fy = p + a.frac;
      shift = 0;
    }
    Op *m = emit("q.MulImm", {a.v}, {a.v->type()});
    m->setAttr("imm", imm);
    m->setAttr("shift", shift);
    m->setAttr("frac", fy);
    define(op.result(), m->result(), fy);
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
    int64_t shift = a->frac + b->frac - fy;
    if (shift < 0) {
      fy = a->frac + b->frac;
      shift = 0;
    }
    Op *m = emit("q.Mul", {a->v, b->v}, {a->v->type()});
    m->setAttr("shift", shift);
    m->setAttr("frac", fy);
    define(op.result(), m->result(), fy);
    return llvm::Error::success();
  }

  /// x · c[channel]: VECTOR scale (the smoothing factor that could not be folded).
  llvm::Error emitScale(Op &op, Value *xfp, const Tensor &c) {
    auto x = get(xfp);
    if (!x)
      return x.takeError();
    int64_t fc = fracFor(tensorAbsMax(c), kMaxParamFrac);
    auto cq = toFixed(c.reshaped({c.numel()}), fc, op);
    if (!cq)
      return cq.takeError();
    int64_t fy = fracOf(op.result());
    int64_t shift = fc + x->frac - fy;
    if (shift < 0) {
      fy = fc + x->frac;
      shift = 0;
    }
    Op *s = emit("q.Scale", {x->v, constant(op.name() + ".c", std::move(*cq))}, {x->v->type()});
    s->setAttr("shift", shift);
    s->setAttr("frac", fy);
    define(op.result(), s->result(), fy);
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
    Value *qb = nullptr;
    if (b->isConstant()) {
      // A constant addend (position embedding) is stored as [1, L, C] in the sum's format.
      llvm::ArrayRef<int64_t> s = qa->v->shape();
      const Tensor &c = *b->constant();
      if (c.numel() != s[1] * s[2] && c.numel() != s[2])
        return unsupported(op, "a constant addend must be [1, L, C] or [C]");
      f = std::min(f, fracFor(tensorAbsMax(c)));
      Tensor full(DType::F32, {1, s[1], s[2]});
      for (int64_t i = 0; i < s[1] * s[2]; ++i)
        full.data<float>()[i] = float(c.getDouble(i % c.numel()));
      auto cq = toFixed(full, f, op);
      if (!cq)
        return cq.takeError();
      qb = constant(b->name() + ".q", std::move(*cq));
    } else {
      auto q = get(b);
      if (!q)
        return q.takeError();
      if (q->v->shape() != qa->v->shape())
        return unsupported(op, "q.Add adds tensors of one shape");
      f = std::min(f, q->frac);
      qb = rescale(*q, f).v;
    }
    QVal ra = rescale(*qa, f);
    Op *add = emit("q.Add", {ra.v, qb}, {ra.v->type()});
    add->setAttr("frac", f);
    define(op.result(), add->result(), f);
    return llvm::Error::success();
  }

  llvm::Error lowerFlip(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    int64_t axis = op.getInt("axis", 0), rank = op.operand(0)->rank();
    if (rank != 3 || (axis != 1 && axis != -2))
      return unsupported(op, "only the token axis of [B, L, C] can be reversed");
    Op *f = emit("q.Flip", {x->v}, {x->v->type()});
    define(op.result(), f->result(), x->frac);
    return llvm::Error::success();
  }

  llvm::Error emitSlice(QVal x, int64_t begin, int64_t end, Value *result) {
    llvm::ArrayRef<int64_t> s = x.v->shape();
    Op *sl = emit("q.Slice", {x.v}, {i32({s[0], s[1], end - begin})});
    sl->setAttr("begin", begin);
    sl->setAttr("end", end);
    define(result, sl->result(), x.frac);
    return llvm::Error::success();
  }

  llvm::Error lowerSlice(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
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
    return emitSlice(*x, b, e, op.result());
  }

  llvm::Error lowerSplit(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    int64_t off = 0;
    unsigned idx = 0;
    if (!matchLastAxisSplit(op.result(0), off, idx))
      return unsupported(op, "only splits of the last axis are column ranges");
    for (unsigned i = 0; i < op.numResults(); ++i) {
      int64_t w = op.result(i)->shape().back();
      if (llvm::Error e = emitSlice(*x, off, off + w, op.result(i)))
        return e;
      off += w;
    }
    return llvm::Error::success();
  }

  llvm::Error lowerInsertToken(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    Value *tok = op.operand(1);
    int64_t f = std::min(x->frac, fracOf(op.result()));
    Value *qt = nullptr;
    if (tok->isConstant()) {
      f = std::min(f, fracFor(tensorAbsMax(*tok->constant())));
      auto tq = toFixed(*tok->constant(), f, op);
      if (!tq)
        return tq.takeError();
      qt = constant(tok->name() + ".q", std::move(*tq));
    } else {
      auto t = get(tok);
      if (!t)
        return t.takeError();
      f = std::min(f, t->frac);
      qt = rescale(*t, f).v;
    }
    QVal rx = rescale(*x, f);
    llvm::ArrayRef<int64_t> s = rx.v->shape();
    Op *ins = emit("q.InsertToken", {rx.v, qt}, {i32({s[0], s[1] + 1, s[2]})});
    ins->setAttr("index", op.getInt("index", 0));
    define(op.result(), ins->result(), f);
    return llvm::Error::success();
  }

  llvm::Error lowerTakeToken(Op &op) {
    auto x = get(op.operand(0));
    if (!x)
      return x.takeError();
    llvm::ArrayRef<int64_t> s = x->v->shape();
    Op *t = emit("q.TakeToken", {x->v}, {i32({s[0], 1, s[2]})});
    t->setAttr("index", op.getInt("index", 0));
    define(op.result(), t->result(), x->frac);
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
    return "turn every FP32 op of a ViM into q ops with Q formats from the calibrated ranges";
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
