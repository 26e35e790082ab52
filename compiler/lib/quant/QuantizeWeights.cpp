//===- QuantizeWeights.cpp - pack the weights of the quantized layers ------------------------===//
//
// ViM-Q:
//   vimq.Linear        APoT-4, one scale per block of 32 along K (ablation: uniform int4)
//   vimq.CausalConv1d  APoT-5, one scale per channel
// FastMamba:
//   vimq.Linear        int8 codes of W·H (H: Walsh–Hadamard of order 2^k per group of K, 2^k
//                      the largest power of two dividing K, at most 2^12), one scale per
//                      output channel; the input is rotated online (q.FWHT). Ablations: no
//                      rotation (naive W8A8), or SmoothQuant smoothing instead.
//   vimq.CausalConv1d  int8, one power-of-two scale per channel (the rescale is a shift)
// Both:
//   vimq.PatchEmbed    int8, one scale per block of 32 along C·ph·pw (the first layer sees raw
//                      pixels; it stays at 8 bits, docs/numerics.md)
// The packed form goes into attributes (wq.*, QuantAttrs.h) for lower-to-fixed-point, and the
// weight operand is replaced by its dequantized value, so the FP32 graph after this pass is
// the fake-quantized model (the interpreter can run it; tests compare it with the golden).
//
// Before packing, a linear whose K is not a multiple of the engine tile and whose input is a
// column block of another linear's output (dt_proj reading x_proj's first dt_rank columns) is
// padded: zero rows in the producer, zero columns in the consumer, the split widened. The padded
// channels are exactly zero, so the per-token absmax and the result do not change.
//
//===----------------------------------------------------------------------------------------===//
#include "QuantAttrs.h"
#include "QuantUtil.h"

#include "vimq/quant/Passes.h"
#include "vimq/quant/WeightPacking.h"
#include "vimq/support/Error.h"

#include <optional>

namespace vimq::quant {

using ir::Op;
using ir::Value;

namespace {

llvm::StringRef kindName(CodeKind k) {
  switch (k) {
  case CodeKind::APoT4:
    return "apot4";
  case CodeKind::APoT5:
    return "apot5";
  case CodeKind::Int4:
    return "int4";
  case CodeKind::Int8:
    return "int8";
  }
  return "?";
}

/// Inserts `pad` zero rows (dim 0) after row `at` of a [R, C] or [R] f32 tensor.
Tensor insertZeroRows(const Tensor &t, int64_t at, int64_t pad) {
  Shape shape(t.shape().begin(), t.shape().end());
  int64_t rowElems = t.numel() / shape[0];
  shape[0] += pad;
  Tensor out(DType::F32, shape); // zero-initialised
  const float *src = t.data<float>();
  float *dst = out.data<float>();
  std::copy(src, src + at * rowElems, dst);
  std::copy(src + at * rowElems, src + t.numel(), dst + (at + pad) * rowElems);
  return out;
}

Tensor padColumns(const Tensor &t, int64_t newK) {
  int64_t n = t.dim(0), k = t.dim(1);
  Tensor out(DType::F32, {n, newK});
  for (int64_t r = 0; r < n; ++r)
    std::copy(t.data<float>() + r * k, t.data<float>() + (r + 1) * k,
              out.data<float>() + r * newK);
  return out;
}

class QuantizeWeights : public Pass {
public:
  explicit QuantizeWeights(QuantOptions opts) : opts_(std::move(opts)) {}
  llvm::StringRef name() const override { return "quantize-weights"; }
  llvm::StringRef description() const override {
    return "pack linear (APoT-4 / block 32), conv1d (APoT-5) and patch-embedding (int8) "
           "weights; pad dt_rank to the engine tile";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    bool changed = false;
    // Padding first: it rewrites the producing linear, which must then be packed padded. It
    // adds constants only, so one use map serves every padding.
    Uses uses(g);
    for (Op *op : g.opSnapshot())
      if (op->is("vimq.Linear"))
        if (llvm::Error e = padLowRank(g, uses, *op))
          return e;
    const bool fast = opts_.scheme == Scheme::FastMamba;
    for (Op *op : g.opSnapshot()) {
      if (op->is("vimq.Linear") && fast) {
        if (llvm::Error e = packRotated(g, *op))
          return e;
      } else if (op->is("vimq.CausalConv1d") && fast) {
        if (llvm::Error e = packPowerOfTwo(g, *op))
          return e;
      } else if (op->is("vimq.Linear")) {
        CodeKind kind = opts_.weights == LinearWeightScheme::APoT4 ? CodeKind::APoT4
                                                                   : CodeKind::Int4;
        if (llvm::Error e = pack(g, *op, kind, kDefaultBlockSize, /*reshape=*/false))
          return e;
      } else if (op->is("vimq.CausalConv1d")) {
        if (llvm::Error e = pack(g, *op, CodeKind::APoT5, /*block=*/0, false))
          return e;
      } else if (op->is("vimq.PatchEmbed")) {
        if (llvm::Error e = pack(g, *op, CodeKind::Int8, kDefaultBlockSize, /*reshape=*/true))
          return e;
      } else {
        continue;
      }
      changed = true;
    }
    g.removeDeadCode();
    return changed;
  }

private:
  static constexpr int64_t kDefaultBlockSize = 32;

  llvm::Error pack(ir::Graph &g, Op &op, CodeKind kind, int64_t block, bool reshape) {
    Value *w = op.operand(1);
    if (!w || !w->isConstant() || w->dtype() != DType::F32)
      return makeError("{0}: the weight must be an f32 constant",
                       op.describe());
    // Only the (small) patch-embedding weight needs a reshaped copy; linears pack in place.
    const Tensor &wc = *w->constant();
    std::optional<Tensor> flat;
    if (reshape) // PatchEmbed [D, C, ph, pw] -> [D, C·ph·pw], the patch column order
      flat = wc.reshaped({wc.dim(0), wc.numel() / wc.dim(0)});
    PackedWeight p = packWeight(flat ? *flat : wc, kind, block);
    Tensor dq = dequantize(p, kind).reshaped(w->shape());
    op.setAttr(attrs::kWFormat, kindName(kind).str());
    op.setAttr(attrs::kWBlock, p.block);
    op.setAttr(attrs::kWCodes, std::move(p.codes));
    op.setAttr(attrs::kWScales, std::move(p.scales));
    op.setOperand(1, addF32Constant(g, w->name() + "." + kindName(kind).str(), std::move(dq)));
    return llvm::Error::success();
  }

  /// The Hadamard group of a K-long input: the largest power of two dividing K, capped (the
  /// VECTOR fwht's group field and the verifier allow 2^1..2^12); 0 when K is odd.
  static int64_t hadamardLog2(int64_t k) {
    int64_t l = 0;
    while (l < 12 && k % (int64_t(2) << l) == 0)
      ++l;
    return l;
  }

  /// Each row of w [N, K] times the block-diagonal Walsh–Hadamard matrix (Sylvester order, ±1
  /// entries, groups of 2^log2g columns), scaled by `scale`; in double, rounded once to f32.
  static Tensor rotateRows(const Tensor &w, int64_t log2g, double scale) {
    int64_t n = w.dim(0), k = w.dim(1), grp = int64_t(1) << log2g;
    Tensor out(DType::F32, {n, k});
    std::vector<double> v(static_cast<size_t>(grp));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t g0 = 0; g0 < k; g0 += grp) {
        for (int64_t j = 0; j < grp; ++j)
          v[size_t(j)] = w.getDouble(r * k + g0 + j);
        for (int64_t len = 1; len < grp; len *= 2)
          for (int64_t i = 0; i < grp; i += 2 * len)
            for (int64_t j = i; j < i + len; ++j) {
              double a = v[size_t(j)], b = v[size_t(j + len)];
              v[size_t(j)] = a + b;
              v[size_t(j + len)] = a - b;
            }
        for (int64_t j = 0; j < grp; ++j)
          out.data<float>()[r * k + g0 + j] = float(v[size_t(j)] * scale);
      }
    return out;
  }

  /// FastMamba linear: int8 per output channel of W·H. The fake-quantized FP weight is the
  /// dequantized codes rotated back, (W·H)·H / 2^k = W up to the quantization error.
  llvm::Error packRotated(ir::Graph &g, Op &op) {
    Value *w = op.operand(1);
    if (!w || !w->isConstant() || w->dtype() != DType::F32 || w->rank() != 2)
      return makeError("{0}: the weight must be an f32 [N, K] constant", op.describe());
    const Tensor &wc = *w->constant();
    int64_t k = wc.dim(1);
    int64_t log2g = opts_.rotation == LinearRotation::Hadamard ? hadamardLog2(k) : 0;
    PackedWeight p =
        packWeight(log2g ? rotateRows(wc, log2g, 1.0) : wc, CodeKind::Int8, /*block=*/k);
    Tensor dq = dequantize(p, CodeKind::Int8);
    if (log2g)
      dq = rotateRows(dq, log2g, std::ldexp(1.0, -int(log2g)));
    op.setAttr(attrs::kWFormat, std::string("int8"));
    op.setAttr(attrs::kWBlock, p.block);
    op.setAttr(attrs::kWCodes, std::move(p.codes));
    op.setAttr(attrs::kWScales, std::move(p.scales));
    op.setAttr(attrs::kHadamardLog2, log2g);
    op.setOperand(1, addF32Constant(g, w->name() + ".int8", std::move(dq)));
    return llvm::Error::success();
  }

  /// FastMamba conv1d: int8 codes per channel with the scale rounded up to a power of two
  /// (max|w_c| / 127 ≤ s_c = 2^e), codes nearbyint(w / s_c) (ties to even), so that the
  /// engine's rescale by the scale is a shift.
  llvm::Error packPowerOfTwo(ir::Graph &g, Op &op) {
    Value *w = op.operand(1);
    if (!w || !w->isConstant() || w->dtype() != DType::F32 || w->rank() != 2)
      return makeError("{0}: the weight must be an f32 [C, K] constant", op.describe());
    const Tensor &wc = *w->constant();
    int64_t c = wc.dim(0), k = wc.dim(1);
    PackedWeight p = packWeight(wc, CodeKind::Int8, /*block=*/0);
    for (int64_t r = 0; r < c; ++r) {
      double &s = p.scales.data<double>()[r];
      if (!(s > 0))
        continue;
      s = std::ldexp(1.0, int(std::ceil(std::log2(s))));
      for (int64_t j = 0; j < k; ++j) {
        double q = std::nearbyint(wc.getDouble(r * k + j) / s);
        p.codes.data<int8_t>()[r * k + j] = int8_t(std::clamp(q, -127.0, 127.0));
      }
    }
    Tensor dq = dequantize(p, CodeKind::Int8);
    op.setAttr(attrs::kWFormat, std::string("int8"));
    op.setAttr(attrs::kWBlock, p.block);
    op.setAttr(attrs::kWCodes, std::move(p.codes));
    op.setAttr(attrs::kWScales, std::move(p.scales));
    op.setOperand(1, addF32Constant(g, w->name() + ".pot8", std::move(dq)));
    return llvm::Error::success();
  }

  llvm::Error padLowRank(ir::Graph &g, const Uses &uses, Op &op) {
    Value *x = op.operand(0), *w = op.operand(1);
    int64_t k = w->shape()[1], tile = opts_.dtRankTile;
    if (tile <= 1 || k % tile == 0)
      return llvm::Error::success();
    int64_t offset = 0;
    unsigned index = 0;
    Op *split = matchLastAxisSplit(x, offset, index);
    Op *producer = split ? split->operand(0)->definingOp() : nullptr;
    if (!producer || !producer->is("vimq.Linear") || uses.users(x).size() != 1 ||
        uses.users(split->operand(0)).size() != 1 || !split->operand(1) ||
        !split->operand(1)->isConstant())
      return llvm::Error::success(); // nothing to pad through: the engine handles any K
    int64_t kp = (k + tile - 1) / tile * tile, pad = kp - k;
    // Producer: zero output rows (and bias) after the block; its result widens.
    producer->setOperand(1, addF32Constant(g, producer->operand(1)->name() + ".pad",
                                           insertZeroRows(*producer->operand(1)->constant(),
                                                          offset + k, pad)));
    if (Value *b = producer->operand(2))
      producer->setOperand(2, addF32Constant(g, b->name() + ".pad",
                                             insertZeroRows(*b->constant(), offset + k, pad)));
    auto widen = [&](Value *v) {
      ir::TensorType t = v->type();
      t.shape.back() += pad;
      v->setType(t);
    };
    widen(producer->result());
    widen(x);
    std::vector<int64_t> sizes = split->operand(1)->constant()->toInts();
    sizes[index] += pad;
    split->setOperand(1, g.addConstant(g.uniqueName(split->operand(1)->name() + ".pad"),
                                       Tensor::fromVector<int64_t>(
                                           {int64_t(sizes.size())}, sizes)));
    op.setOperand(1, addF32Constant(g, w->name() + ".pad", padColumns(*w->constant(), kp)));
    std::vector<double> xmax = getDoubles(op, attrs::kChannelMax);
    if (!xmax.empty()) {
      xmax.resize(size_t(kp), 0);
      op.setAttr(attrs::kChannelMax, xmax);
    }
    op.setAttr("wq.padded_k", kp);
    return llvm::Error::success();
  }

  QuantOptions opts_;
};

} // namespace

std::unique_ptr<Pass> createQuantizeWeightsPass(const QuantOptions &opts) {
  return std::make_unique<QuantizeWeights>(opts);
}

} // namespace vimq::quant
