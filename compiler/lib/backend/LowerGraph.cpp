//===- LowerGraph.cpp - DDR tensors, liveness, and per-op dispatch ----------------------------===//
#include "LowerCtx.h"
#include "RowChains.h"

#include "vimq/backend/Emit.h"

#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

using namespace vimq;
using namespace vimq::backend;

static llvm::Expected<isa::DType> ddrType(const ir::Value *v) {
  switch (v->dtype()) {
  case DType::I32:
    return isa::DType::i32;
  case DType::I8:
    return isa::DType::i8;
  case DType::U8:
    return isa::DType::u8;
  case DType::I16:
    return isa::DType::i16;
  default:
    return makeError("value '{0}' of type {1} has no overlay representation", v->name(),
                     v->type().str());
  }
}

static bool isPatchGather(const ir::Op &op) {
  return op.is("q.FromFloat") && quant::isPatchLayout(op);
}

/// A host conversion whose result is the input tensor in DDR (no instruction runs for it).
static bool isHostConversion(const ir::Op &op) {
  return (op.is("q.FromFloat") && !isPatchGather(op)) || op.is("q.FromIndex");
}

/// Every op but the row-wise ones (those are lowered per row chain).
static llvm::Error lowerOp(LowerCtx &c, const ir::Op &op) {
  llvm::StringRef k = op.kind();
  if (k == "q.Linear")
    return lowerQLinear(c, op);
  if (k == "q.Conv1d")
    return lowerConv1d(c, op);
  if (k == "q.SelectiveScan")
    return lowerSelectiveScan(c, op);
  if (k == "q.SSDScan")
    return lowerSSDScan(c, op);
  if (k == "q.Embedding")
    return lowerEmbedding(c, op);
  if (k == "q.Flip" || k == "q.Slice" || k == "q.Concat" || k == "q.InsertToken" ||
      k == "q.TakeToken" || k == "q.ToFloat")
    return lowerDataMovement(c, op);
  if (isPatchGather(op))
    return lowerPatchGather(c, op);
  if (isHostConversion(op))
    return llvm::Error::success(); // the runtime converts on the host (the input descriptor)
  return makeError("{0}: the overlay has no instruction for this op", op.describe());
}

llvm::Expected<Lowered> backend::lowerGraph(const ir::Graph &g, const TargetInfo &target,
                                            const LowerOptions &opts) {
  if (llvm::Error e = quant::verifyQuantizedGraph(g))
    return e;
  // The overlay's quantizer always computes the per-token absmax at run time; a fixed
  // calibrated absmax (the --static-act-scales ablation) exists only in the golden model.
  // Lowering such a graph would run dynamic scales on the sim while the golden model uses
  // static ones: a silent disagreement, so it is refused here for every backend caller.
  for (const auto &op : g.ops())
    if (op->is("q.QuantizeTokens") && op->getInt("static_absmax", 0) > 0)
      return makeError("node '{0}' (q.QuantizeTokens): static activation scales "
                       "(--static-act-scales) are a golden-model ablation; the overlay computes "
                       "per-token scales at run time, so this graph cannot be compiled for a target",
                       op->name());
  for (const auto &op : g.ops())
    if (op->getInt("exact_exp", 0))
      return makeError("{0}: the exact exp (--exact-exp) is a golden-model ablation; the SSM "
                       "engine computes exp with the PWL unit, so this graph cannot be compiled "
                       "for a target",
                       op->describe());
  Lowered out;
  out.plan.setReuse(opts.reuseScratch && !opts.checkpointOutputs);
  const DdrKind scratchKind = opts.checkpointOutputs ? DdrKind::output : DdrKind::scratch;
  LowerCtx c(target, out.plan, out.prog);

  // Row chains: consecutive row-wise ops sharing one tiled loop. Debug mode keeps them, so
  // that it checks the program that really runs; a value a chain keeps on chip is not
  // compared there.
  const UseMap uses = collectUses(g);
  const std::vector<RowChain> chains =
      findRowChains(g, uses, target, opts.fuseRowChains);
  llvm::DenseMap<const ir::Op *, const RowChain *> chainOf;
  for (const RowChain &ch : chains)
    for (const ir::Op *op : ch.ops)
      chainOf[op] = &ch;

  // Op positions and last uses (graph order is topological). A chain runs from its first op's
  // position to its last one's: its results are written from the first tile on and its
  // inputs read until the last tile, so their DDR live intervals must cover all of it.
  llvm::DenseMap<const ir::Value *, unsigned> lastUse, defAt;
  llvm::DenseMap<const ir::Op *, unsigned> posOf;
  unsigned pos = 0;
  for (const auto &op : g.ops())
    posOf[op.get()] = ++pos;
  for (const auto &op : g.ops()) {
    const RowChain *ch = chainOf.lookup(op.get());
    unsigned begin = ch ? posOf.lookup(ch->ops.front()) : posOf.lookup(op.get());
    unsigned end = ch ? posOf.lookup(ch->ops.back()) : posOf.lookup(op.get());
    for (ir::Value *v : op->operands())
      if (v)
        lastUse[v] = std::max(lastUse.lookup(v), end);
    for (ir::Value *v : op->results())
      defAt[v] = begin;
  }
  // Values a chain passes on chip only have no DDR tensor.
  auto onChipOnly = [&](const ir::Value *v) {
    const RowChain *ch = v->definingOp() ? chainOf.lookup(v->definingOp()) : nullptr;
    return ch && !ch->stored.count(v);
  };
  for (const ir::Value *v : g.outputs())
    if (!v->definingOp() || !v->definingOp()->is("q.ToFloat"))
      return makeError("graph output '{0}' is not produced by q.ToFloat", v->name());

  auto addTensor = [&](const ir::Value *v, DdrKind kind) -> llvm::Error {
    if (c.tensorOf.count(v))
      return llvm::Error::success();
    DdrTensor t;
    t.name = v->name();
    t.kind = kind;
    t.bytes = uint64_t(v->type().numel()) * dtypeSize(v->dtype());
    if (v->dtype() == DType::F32) // ToFloat results: the device writes int32
      t.bytes = uint64_t(v->type().numel()) * 4;
    if (kind == DdrKind::scratch) {
      t.first = defAt.lookup(v);
      t.last = std::max(t.first, lastUse.lookup(v));
    }
    if (kind == DdrKind::weights) {
      auto dt = ddrType(v);
      if (!dt)
        return dt.takeError();
      const Tensor *ct = v->constant();
      t.init.assign(ct->raw(), ct->raw() + ct->nbytes());
    }
    c.tensorOf[v] = out.plan.add(std::move(t));
    return llvm::Error::success();
  };

  for (const auto &op : g.ops()) {
    for (ir::Value *v : op->operands()) {
      if (!v)
        continue;
      if (v->isConstant()) {
        if (auto e = addTensor(v, DdrKind::weights))
          return e;
      } else if (!v->definingOp()) {
        if (!op->is("q.FromFloat") && !op->is("q.FromIndex"))
          return makeError("{0}: graph input '{1}' must be converted by q.FromFloat or "
                           "q.FromIndex",
                           op->describe(), v->name());
        if (isPatchGather(*op))
          if (auto e = addTensor(v, DdrKind::input))
            return e;
      }
    }
    if (isHostConversion(*op)) {
      if (auto e = addTensor(op->result(), DdrKind::input))
        return e;
    } else if (op->is("q.ToFloat")) {
      if (auto e = addTensor(op->result(), DdrKind::output))
        return e;
    } else {
      for (ir::Value *v : op->results())
        if (!onChipOnly(v))
          if (auto e = addTensor(v, scratchKind))
            return e;
    }
  }
  if (llvm::Error e = out.plan.plan())
    return e;

  // I/O descriptors: inputs in the graph's input order, outputs in its output order.
  for (const ir::Value *in : g.inputs()) {
    std::vector<ir::Op *> users = g.users(in);
    if (users.size() != 1)
      return makeError("graph input '{0}' must have exactly one user (q.FromFloat or "
                       "q.FromIndex)",
                       in->name());
    const ir::Op &ff = *users.front();
    const ir::Value *dev = isPatchGather(ff) ? in : ff.result();
    if (ff.is("q.FromIndex")) {
      // Token ids: the runtime checks each against the embedding table's rows.
      isa::IoDesc d = ioDesc(out.plan, c.tensorOf.lookup(dev), in->name(), isa::DType::i32,
                             isa::HostFormat::index, 0, in->shape());
      d.limit = uint32_t(quant::getLimit(ff));
      out.inputs.push_back(std::move(d));
      continue;
    }
    out.inputs.push_back(ioDesc(out.plan, c.tensorOf.lookup(dev), in->name(), isa::DType::i32,
                                isa::HostFormat::fixed, unsigned(quant::getFrac(ff)),
                                in->shape()));
  }
  for (const ir::Value *o : g.outputs())
    out.outputs.push_back(ioDesc(out.plan, c.tensorOf.lookup(o), o->name(), isa::DType::i32,
                                 isa::HostFormat::fixed,
                                 unsigned(quant::getFrac(*o->definingOp())), o->shape()));

  // Lowering in graph order; a chain at its first op. Every op of a chain gets the chain's
  // instruction range (its instructions interleave with the others' tile by tile).
  unsigned first = 0;
  for (const auto &op : g.ops()) {
    const RowChain *ch = chainOf.lookup(op.get());
    if (!ch || ch->ops.front() == op.get()) {
      first = unsigned(out.prog.instrs().size());
      if (llvm::Error e = ch ? lowerRowChain(c, *ch) : lowerOp(c, *op))
        return e;
    }
    if (isHostConversion(*op))
      continue;
    for (const ir::Value *v : op->results()) {
      Checkpoint cp;
      cp.value = v->name();
      cp.origin = op->describe();
      cp.firstInstr = first;
      cp.endInstr = unsigned(out.prog.instrs().size());
      cp.dtype = v->dtype() == DType::I8 ? "i8" : "i32";
      cp.shape.assign(v->shape().begin(), v->shape().end());
      cp.frac = quant::getFrac(*op);
      cp.onChip = onChipOnly(v);
      if (cp.onChip) {
        out.checkpoints.push_back(std::move(cp));
        continue;
      }
      const DdrTensor &t = out.plan.tensor(c.tensorOf.lookup(v));
      cp.buffer = uint32_t(t.kind);
      cp.offset = t.offset;
      cp.scratch = t.kind == DdrKind::scratch;
      if (opts.checkpointOutputs && !op->is("q.ToFloat")) {
        cp.output = "cp" + std::to_string(out.checkpoints.size());
        out.outputs.push_back(ioDesc(out.plan, c.tensorOf.lookup(v), cp.output,
                                     cp.dtype == "i8" ? isa::DType::i8 : isa::DType::i32,
                                     isa::HostFormat::raw, 0, v->shape()));
      }
      out.checkpoints.push_back(std::move(cp));
    }
  }
  out.tiles = std::move(c.tiles);
  return out;
}

isa::IoDesc backend::ioDesc(const DdrPlan &plan, unsigned tensor, llvm::StringRef name,
                            isa::DType dtype, isa::HostFormat host, unsigned frac,
                            llvm::ArrayRef<int64_t> shape) {
  const DdrTensor &t = plan.tensor(tensor);
  isa::IoDesc d;
  d.name = name.str();
  d.dtype = dtype;
  d.host = host;
  d.frac = uint8_t(frac);
  d.shape.assign(shape.begin(), shape.end());
  d.buffer = uint32_t(t.kind);
  d.offset = t.offset;
  return d;
}
