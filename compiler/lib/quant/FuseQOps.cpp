//===- FuseQOps.cpp - fold activations and gates into the engine that produces them -----------===//
//
//   q.Conv1d (silu 0) -> q.SiLU, same frac            => q.Conv1d {silu = 1}
//   q.Linear (act none) -> q.Softplus | q.SiLU, same frac => q.Linear {act}
//   q.SelectiveScan -> q.Mul(y, q.SiLU(z)) {shift = frac}, one frac => scan with gate z
// Each rewrite is exact: the fused engine applies the same PWL function to the same integer in
// the same format (docs/numerics.md), so fusion never changes a bit of the result; it only
// saves a VECTOR pass over the tensor. The D-skip is part of q.SelectiveScan from the start.
// The residual add, norm, smoothing multiply and quantize stay separate q ops (ISA v1 has no
// combined VECTOR instruction); the backend lowers such a run as one row chain
// (compiler/lib/backend/RowChains.h): their VECTOR instructions run back to back on the same
// on-chip tile, only values used elsewhere (the residual stream) are stored, and the codes go
// straight into the act buffer of the linear they feed.
//
//===----------------------------------------------------------------------------------------===//
#include "QuantUtil.h"

#include "vimq/quant/Passes.h"
#include "vimq/quant/QOps.h"

#include "llvm/ADT/DenseSet.h"

namespace vimq::quant {

using ir::Op;
using ir::Value;

namespace {

class FuseQOps : public Pass {
public:
  llvm::StringRef name() const override { return "fuse-q-ops"; }
  llvm::StringRef description() const override {
    return "fuse conv1d + SiLU, linear + softplus/SiLU, scan + SiLU gate (bit-exact rewrites)";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    bool changed = false;
    erased.clear();
    Uses uses(g);
    auto singleUser = [&](Value *v) -> Op * {
      llvm::ArrayRef<Op *> us = uses.users(v);
      return us.size() == 1 && !g.isOutput(v) ? us[0] : nullptr;
    };
    for (Op *op : g.opSnapshot()) {
      if (erased.count(op))
        continue; // by an earlier rewrite
      if (op->is("q.Conv1d") && !hasSiLU(*op)) {
        Op *act = singleUser(op->result());
        if (act && act->is("q.SiLU") && getFrac(*act) == getFrac(*op)) {
          op->setAttr("silu", int64_t(1));
          replace(g, act, op->result(), erased);
          changed = true;
        }
      } else if (op->is("q.Linear") && op->getString("act", "none") == "none") {
        Op *act = singleUser(op->result());
        if (act && (act->is("q.Softplus") || act->is("q.SiLU")) &&
            getFrac(*act) == getFrac(*op)) {
          op->setAttr("act", std::string(act->is("q.SiLU") ? "silu" : "softplus"));
          replace(g, act, op->result(), erased);
          changed = true;
        }
      } else if (op->is("q.SelectiveScan") && op->numOperands() == 6) {
        Op *mul = singleUser(op->result());
        if (!mul || !mul->is("q.Mul"))
          continue;
        Value *other = mul->operand(0) == op->result() ? mul->operand(1) : mul->operand(0);
        Op *silu = other->definingOp();
        int64_t f = getFrac(*op);
        if (!silu || !silu->is("q.SiLU") || !singleUser(other) || getFrac(*silu) != f ||
            getShift(*mul) != f || getFrac(*mul) != f)
          continue;
        llvm::SmallVector<Value *, 7> operands(op->operands().begin(), op->operands().end());
        operands.push_back(silu->operand(0));
        op->setOperands(operands);
        replace(g, mul, op->result(), erased);
        erased.insert(silu);
        g.eraseOp(silu);
        changed = true;
      }
    }
    // The gate z may be computed after the scan in program order.
    if (llvm::Error e = g.topoSort())
      return e;
    return changed;
  }

private:
  static void replace(ir::Graph &g, Op *dead, Value *with, llvm::DenseSet<const Op *> &erased) {
    g.replaceAllUsesWith(dead->result(), with);
    erased.insert(dead);
    g.eraseOp(dead);
  }

  llvm::DenseSet<const Op *> erased;
};

} // namespace

std::unique_ptr<Pass> createFuseQOpsPass() { return std::make_unique<FuseQOps>(); }

} // namespace vimq::quant
