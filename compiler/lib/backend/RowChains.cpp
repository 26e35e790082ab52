//===- RowChains.cpp - which row-wise ops share one tiled loop, and its on-chip layout --------===//
//
// The rule is in RowChains.h. Layout of one tile in its vec half: absmax, per-channel vectors,
// then row slots. External row inputs take a slot each for the whole tile (they are loaded up
// front); each op's result takes the lowest free slot, and a slot is freed after the last
// in-chain read of its value (an op never writes over its own operands). A freed slot that is
// still being stored is reused only after its STORE: the scheduler sees the overlap.
//
//===----------------------------------------------------------------------------------------===//
#include "RowChains.h"

#include "LowerCtx.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::backend;

std::optional<RowForm> backend::rowFormOf(const ir::Op &op) {
  struct Entry {
    llvm::StringLiteral kind;
    RowForm form; // vop, rowB, chanC, approx
  };
  static const Entry kForms[] = {
      {"q.Add", {isa::VOp::add, true, false, false}},
      {"q.Mul", {isa::VOp::mul, true, false, false}},
      {"q.Scale", {isa::VOp::scale, false, true, false}},
      {"q.MulImm", {isa::VOp::muli, false, false, false}},
      {"q.RMSNorm", {isa::VOp::rmsnorm, false, true, false}},
      {"q.GatedRMSNorm", {isa::VOp::grmsnorm, true, true, false}},
      {"q.Exp", {isa::VOp::exp, false, false, true}},
      {"q.Softplus", {isa::VOp::softplus, false, false, true}},
      {"q.SiLU", {isa::VOp::silu, false, false, true}},
      {"q.FWHT", {isa::VOp::fwht, false, false, false}},
      {"q.QuantizeTokens", {isa::VOp::quant, false, false, false}},
  };
  for (const Entry &e : kForms)
    if (op.kind() == e.kind)
      return e.form;
  return std::nullopt;
}

namespace {

llvm::SmallVector<const ir::Value *, 2> rowOperands(const ir::Op &op, const RowForm &f) {
  llvm::SmallVector<const ir::Value *, 2> vs = {op.operand(0)};
  if (f.rowB)
    vs.push_back(op.operand(1));
  return vs;
}

const ir::Value *chanOperand(const ir::Op &op, const RowForm &f) {
  return f.chanC ? op.operand(f.rowB ? 2 : 1) : nullptr;
}

/// Rows of a broadcast row operand of `op` (0 without one).
int64_t broadcastPeriod(const ir::Op &op, const RowForm &f, int64_t rows, int64_t cols) {
  for (const ir::Value *v : rowOperands(op, f))
    if (v->type().numel() != rows * cols)
      return v->type().numel() / cols;
  return 0;
}

} // namespace

bool RowChain::defines(const ir::Value *v) const {
  return v->definingOp() && llvm::is_contained(ops, v->definingOp());
}

std::string RowChain::describe() const {
  std::string s;
  for (const ir::Op *op : ops)
    s += (s.empty() ? "" : " + ") + op->describe();
  return s;
}

UseMap backend::collectUses(const ir::Graph &g) {
  UseMap uses;
  for (const auto &op : g.ops())
    for (const ir::Value *v : op->operands())
      if (v && !llvm::is_contained(uses[v], op.get()))
        uses[v].push_back(op.get());
  return uses;
}

RowChain backend::planRowChain(llvm::ArrayRef<const ir::Op *> ops, const ir::Graph &g,
                               const UseMap &uses, const TargetInfo &target) {
  RowChain ch;
  ch.ops.assign(ops.begin(), ops.end());
  if (ops.back()->is("q.Linear")) {
    ch.linear = ops.back();
    ops = ops.drop_back();
  }
  const ir::Value *first = ops.front()->operand(0);
  ch.cols = first->shape().back();
  ch.rows = first->type().numel() / ch.cols;
  ch.period = ch.rows;

  // Inputs, last in-chain reads, broadcast period.
  llvm::DenseMap<const ir::Value *, size_t> lastRead;
  for (size_t i = 0; i < ops.size(); ++i) {
    const RowForm f = *rowFormOf(*ops[i]);
    ch.quantize |= f.vop == isa::VOp::quant;
    for (const ir::Value *v : rowOperands(*ops[i], f)) {
      lastRead[v] = i;
      if (!ch.defines(v) && !llvm::is_contained(ch.rowInputs, v))
        ch.rowInputs.push_back(v);
    }
    if (const ir::Value *cv = chanOperand(*ops[i], f))
      if (!llvm::is_contained(ch.chanInputs, cv))
        ch.chanInputs.push_back(cv);
    if (int64_t p = broadcastPeriod(*ops[i], f, ch.rows, ch.cols))
      ch.period = p;
  }

  // Stored: some user outside the chain, a graph output, or no user at all (as unfused).
  for (const ir::Op *op : ch.ops)
    for (const ir::Value *v : op->results()) {
      auto it = uses.find(v);
      bool outside = it == uses.end() || it->second.empty() || g.isOutput(v) ||
                     llvm::any_of(it->second, [&](const ir::Op *u) {
                       return !llvm::is_contained(ch.ops, u);
                     });
      if (outside)
        ch.stored.insert(v);
    }

  // Row slots.
  std::vector<bool> busy;
  llvm::DenseMap<const ir::Value *, size_t> slot;
  auto take = [&](const ir::Value *v) {
    auto free = std::find(busy.begin(), busy.end(), false);
    size_t s = size_t(free - busy.begin());
    if (free == busy.end())
      busy.push_back(true);
    else
      *free = true;
    slot[v] = s;
  };
  for (const ir::Value *v : ch.rowInputs)
    take(v);
  for (size_t i = 0; i < ops.size(); ++i) {
    const RowForm f = *rowFormOf(*ops[i]);
    const ir::Value *y = f.vop == isa::VOp::quant ? nullptr : ops[i]->result(0);
    if (y)
      take(y);
    for (const ir::Value *v : rowOperands(*ops[i], f))
      if (lastRead.lookup(v) == i)
        busy[slot.lookup(v)] = false;
    if (y && !lastRead.count(y))
      busy[slot.lookup(y)] = false;
  }

  // The largest token tile that fits. The absmax region starts every vec half: the chain
  // tile's own, or with a linear the linear's token tile, whose chain sub-tiles each write
  // their rows of it (and of the codes in act).
  const int64_t C = ch.cols, vecHalf = target.half(isa::Buf::vec);
  int64_t absmaxWords = 0; // fixed part of the region; or 1 per token of the chain tile
  if (ch.linear) {
    auto l = planLinear(target, *ch.linear);
    if (!l || ch.period != ch.rows) {
      if (!l)
        llvm::consumeError(l.takeError()); // not fused; lowering it alone reports the error
      return ch;                           // tokenTile 0: not a legal chain
    }
    ch.linearTile = absmaxWords = l->mt;
  }
  const int64_t fixed = absmaxWords + int64_t(ch.chanInputs.size()) * C;
  const int64_t perRow = int64_t(busy.size()) * C + (ch.quantize && !ch.linear ? 1 : 0);
  int64_t mt = vecHalf > fixed ? std::min(ch.period, (vecHalf - fixed) / perRow) : 0;
  if (ch.quantize)
    mt = tileSize(std::min(mt, target.half(isa::Buf::act) / C), ch.period,
                  target.linearRows());
  if (ch.linear)
    mt = std::min(mt, ch.linearTile);
  ch.tokenTile = mt;

  const int64_t chanBase = ch.linear ? absmaxWords : ch.quantize ? mt : 0;
  const int64_t slotBase = chanBase + int64_t(ch.chanInputs.size()) * C;
  if (ch.quantize)
    ch.vecAt[ops.back()->result(1)] = 0;
  for (size_t j = 0; j < ch.chanInputs.size(); ++j)
    ch.vecAt[ch.chanInputs[j]] = chanBase + int64_t(j) * C;
  for (auto &[v, s] : slot)
    ch.vecAt[v] = slotBase + int64_t(s) * mt * C;
  return ch;
}

std::vector<RowChain> backend::findRowChains(const ir::Graph &g, const UseMap &uses,
                                             const TargetInfo &target, bool fuse) {
  std::vector<RowChain> chains;
  std::vector<const ir::Op *> cur;
  int64_t rows = 0, cols = 0, period = 0; // of `cur`
  auto flush = [&] {
    if (!cur.empty())
      chains.push_back(planRowChain(cur, g, uses, target));
    cur.clear();
    period = 0;
  };
  auto joins = [&](const ir::Op &op, const RowForm &f) {
    if (cur.empty() || cur.back()->is("q.QuantizeTokens") || cur.back()->is("q.Linear"))
      return false;
    const ir::Value *a = op.operand(0);
    if (a->shape().back() != cols || a->type().numel() != rows * cols)
      return false;
    auto inChain = [&](const ir::Value *v) {
      return v->definingOp() && llvm::is_contained(cur, v->definingOp());
    };
    if (!llvm::any_of(rowOperands(op, f), inChain))
      return false;
    if (const ir::Value *cv = chanOperand(op, f); cv && inChain(cv))
      return false;
    int64_t p = broadcastPeriod(op, f, rows, cols);
    return !p || !period || p == period;
  };
  // The linear right after a quantizer, reading nothing else of it.
  auto feeds = [&](const ir::Op &op) {
    if (!fuse || cur.empty() || !cur.back()->is("q.QuantizeTokens") || !op.is("q.Linear"))
      return false;
    for (unsigned i = 0; i < 2; ++i) {
      const ir::Value *v = cur.back()->result(i);
      auto it = uses.find(v);
      if (op.operand(i) != v || g.isOutput(v) || it == uses.end() || it->second.size() != 1)
        return false;
    }
    return true;
  };
  for (const auto &opPtr : g.ops()) {
    const ir::Op &op = *opPtr;
    auto f = rowFormOf(op);
    if (!f) {
      if (feeds(op)) {
        cur.push_back(&op);
        if (planRowChain(cur, g, uses, target).tokenTile < 1)
          cur.pop_back();
      }
      flush();
      continue;
    }
    if (fuse && joins(op, *f)) {
      cur.push_back(&op);
      RowChain ch = planRowChain(cur, g, uses, target);
      if (ch.tokenTile >= std::min(ch.period, target.linearRows())) {
        period = ch.period == rows ? 0 : ch.period;
        continue;
      }
      cur.pop_back();
    }
    flush();
    cur.push_back(&op);
    cols = op.operand(0)->shape().back();
    rows = op.operand(0)->type().numel() / cols;
    period = broadcastPeriod(op, *f, rows, cols);
  }
  flush();
  return chains;
}
