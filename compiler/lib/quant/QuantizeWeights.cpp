//===- QuantizeWeights.cpp - pack the weights of the ViM-Q layers ----------------------------===//
//
//   vimq.Linear        APoT-4, one scale per block of 32 along K (ablation: uniform int4)
//   vimq.CausalConv1d  APoT-5, one scale per channel
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
    for (Op *op : g.opSnapshot()) {
      if (op->is("vimq.Linear")) {
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
