//===- Smooth.cpp - SmoothQuant-style migration of activation outliers into weights ----------===//
//
// For every vimq.Linear y = x·Wᵀ with calibrated per-channel input maxima X_j (calibrate):
//   s_j = X_j^α / W_j^(1−α),  W_j = max_n |W[n, j]|,   y = (x / s)·(W·diag(s))ᵀ
// so the per-token int8 quantizer sees flattened channels and the weights take the outliers.
// Where 1/s goes (attribute smooth.fold):
//   * "norm":   x = RMSNorm(., w) or GatedRMSNorm(., z, w) used only here (in_proj, Mamba2's
//               out_proj, the head): w_j /= s_j;
//   * "linear": x = Split(Linear P) column block (dt_proj from x_proj): P's rows /= s;
//   * "scale":  anything else (x_proj after SiLU, ViM's out_proj and head): an explicit per-channel
//               onnx.Mul by 1/s, which lower-to-fixed-point turns into q.Scale (VECTOR scale).
// Conv1d needs none: its input stays int32 fixed point (docs/numerics.md). The calibrated
// ranges of the values that changed are updated in place (see foldInverse).
//
//===----------------------------------------------------------------------------------------===//
#include "QuantAttrs.h"
#include "QuantUtil.h"

#include "vimq/quant/Passes.h"
#include "vimq/support/Error.h"

#include <cmath>

namespace vimq::quant {

using ir::Op;
using ir::Value;

namespace {

/// Factors are kept within [2^-16, 2^16]: beyond that one side's range collapses, and a zero
/// channel (X_j or W_j = 0) keeps s_j = 1.
double clampFactor(double s) {
  if (!std::isfinite(s) || s <= 0)
    return 1;
  return std::fmin(std::fmax(s, 0x1p-16), 0x1p16);
}

Tensor scaleColumns(const Tensor &w, llvm::ArrayRef<double> s) {
  Tensor out(DType::F32, w.shape(), Tensor::Uninitialized); // every element is written
  int64_t n = w.dim(0), k = w.dim(1);
  const float *src = w.data<float>();
  float *dst = out.data<float>();
  const double *sp = s.data();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      dst[r * k + c] = float(double(src[r * k + c]) * sp[c]);
  return out;
}

/// max_n |W[n, j]| per column j, as double (exact in float). Row-major sweep: a column walk
/// would stride through the whole weight once per column. NaNs are skipped, as std::fmax does.
std::vector<double> columnAbsMax(const Tensor &w) {
  int64_t n = w.dim(0), k = w.dim(1);
  const float *src = w.data<float>();
  std::vector<float> m(size_t(k), 0.0f);
  float *mp = m.data();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k; ++j) {
      float a = std::fabs(src[r * k + j]);
      mp[j] = a > mp[j] ? a : mp[j];
    }
  return std::vector<double>(m.begin(), m.end());
}

class Smooth : public Pass {
public:
  explicit Smooth(QuantOptions opts) : opts_(std::move(opts)) {}
  llvm::StringRef name() const override { return "smooth"; }
  llvm::StringRef description() const override {
    return "migrate activation outliers of every linear into its weights (alpha), folding 1/s "
           "into the norm / producing linear or an explicit scale";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    Uses uses(g);
    bool changed = false;
    for (Op *op : g.opSnapshot()) {
      if (!op->is("vimq.Linear"))
        continue;
      std::vector<double> xmax = getDoubles(*op, attrs::kChannelMax);
      Value *x = op->operand(0), *w = op->operand(1);
      if (xmax.empty() || !w->isConstant() || w->dtype() != DType::F32)
        continue;
      int64_t k = w->shape()[1];
      if (int64_t(xmax.size()) != k)
        return makeError("{0}: calibration has {1} channels, the weight {2}",
                         op->describe(), xmax.size(), k);
      std::vector<double> wmax = columnAbsMax(*w->constant());
      std::vector<double> s(static_cast<size_t>(k));
      for (int64_t j = 0; j < k; ++j)
        s[size_t(j)] = clampFactor(std::pow(xmax[size_t(j)], opts_.smoothAlpha) /
                                   std::pow(wmax[size_t(j)], 1 - opts_.smoothAlpha));
      for (int64_t j = 0; j < k; ++j)
        xmax[size_t(j)] /= s[size_t(j)];
      std::string fold = foldInverse(g, uses, *op, x, s, xmax);
      op->setOperand(1, addF32Constant(g, w->name() + ".smooth", scaleColumns(*w->constant(), s)));
      op->setAttr(attrs::kChannelMax, xmax);
      op->setAttr(attrs::kSmoothAlpha, opts_.smoothAlpha);
      op->setAttr(attrs::kSmoothFold, fold);
      changed = true;
    }
    g.removeDeadCode();
    return changed;
  }

private:
  /// Divides x by s where x is made, or inserts an explicit multiply; returns the fold kind.
  /// The calibrated ranges of what changed are updated from the smoothed per-channel maxima
  /// `xmax` (exact: each changed value is, or is a column block of, the linear's input), so no
  /// second interpreter run is needed.
  std::string foldInverse(ir::Graph &g, const Uses &uses, Op &linear, Value *x,
                          llvm::ArrayRef<double> s, llvm::ArrayRef<double> xmax) {
    double newMax = 0;
    for (double v : xmax)
      newMax = std::fmax(newMax, v);
    Op *def = x->definingOp();
    bool single = uses.users(x).size() == 1 && !g.isOutput(x);
    // RMSNorm(x, w) or Mamba2's GatedRMSNorm(x, z, w): the weight is the last operand and
    // scales each output channel, so w_j / s_j divides channel j.
    const bool norm = def && (def->is("vimq.RMSNorm") || def->is("vimq.GatedRMSNorm"));
    const unsigned wi = def && def->is("vimq.GatedRMSNorm") ? 2 : 1;
    if (single && norm && def->operand(wi) && def->operand(wi)->isConstant() &&
        def->operand(wi)->type().numel() == int64_t(s.size())) {
      const Tensor &nw = *def->operand(wi)->constant();
      Tensor out(DType::F32, nw.shape());
      for (int64_t j = 0; j < nw.numel(); ++j)
        out.data<float>()[j] = float(nw.getDouble(j) / s[size_t(j)]);
      def->setOperand(wi, addF32Constant(g, def->operand(wi)->name() + ".smooth", std::move(out)));
      def->setAttr(attrs::kAbsMax, std::vector<double>{newMax});
      return "norm";
    }
    int64_t offset = 0;
    unsigned index = 0;
    Op *split = single ? matchLastAxisSplit(x, offset, index) : nullptr;
    Op *producer = split ? split->operand(0)->definingOp() : nullptr;
    if (producer && producer->is("vimq.Linear") && producer->operand(1)->isConstant() &&
        uses.users(split->operand(0)).size() == 1 && !g.isOutput(split->operand(0))) {
      Tensor pw = *producer->operand(1)->constant();
      int64_t pk = pw.dim(1);
      for (size_t j = 0; j < s.size(); ++j)
        for (int64_t c = 0; c < pk; ++c)
          pw.data<float>()[(offset + int64_t(j)) * pk + c] =
              float(double(pw.data<float>()[(offset + int64_t(j)) * pk + c]) / s[j]);
      producer->setOperand(1, addF32Constant(g, producer->operand(1)->name() + ".smooth",
                                             std::move(pw)));
      if (Value *b = producer->operand(2)) {
        Tensor pb = *b->constant();
        for (size_t j = 0; j < s.size(); ++j)
          pb.data<float>()[offset + int64_t(j)] =
              float(double(pb.data<float>()[offset + int64_t(j)]) / s[j]);
        producer->setOperand(2, addF32Constant(g, b->name() + ".smooth", std::move(pb)));
      }
      std::vector<double> parts = getDoubles(*split, attrs::kAbsMax);
      if (index < parts.size()) {
        parts[index] = newMax;
        split->setAttr(attrs::kAbsMax, parts);
        double whole = 0;
        for (double v : parts)
          whole = std::fmax(whole, v);
        producer->setAttr(attrs::kAbsMax, std::vector<double>{whole});
      }
      return "linear";
    }
    Tensor inv(DType::F32, {int64_t(s.size())});
    for (size_t j = 0; j < s.size(); ++j)
      inv.data<float>()[j] = float(1 / s[j]);
    Value *c = addF32Constant(g, linear.name() + ".smooth_inv", std::move(inv));
    Op *mul = g.createOp("onnx.Mul", linear.name() + ".smooth", {x, c}, {x->type()}, &linear);
    mul->setAttr(attrs::kAbsMax, std::vector<double>{newMax});
    linear.setOperand(0, mul->result());
    return "scale";
  }

  QuantOptions opts_;
};

} // namespace

std::unique_ptr<Pass> createSmoothPass(const QuantOptions &opts) {
  return std::make_unique<Smooth>(opts);
}

} // namespace vimq::quant
