//===- LowerCtx.h - state shared by the per-op lowerings (backend-private) ---------*- C++ -*-===//
//
// The lowering of a q graph walks the ops in order; each op's lowering reads its operands from
// their DDR tensors, tiles the work through the on-chip buffers and writes its result to its
// DDR tensor — except inside a row chain (RowChains.h), whose ops share one tiled loop and
// pass their intermediates on chip. Tiles alternate between the two halves of the on-chip buffers via one running
// counter, so two consecutive tiles (of the same op or of two ops) never share on-chip memory
// and the scheduler lets the LOADs of one overlap the compute of the other.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Dma.h"
#include "InstrBuilder.h"

#include "vimq/ir/IR.h"

#include "llvm/ADT/DenseMap.h"

namespace vimq::backend {

struct RowChain;

struct LowerCtx {
  LowerCtx(const TargetInfo &t, DdrPlan &p, Program &g) : target(t), plan(p), prog(g) {}
  const TargetInfo &target;
  DdrPlan &plan;
  Program &prog;
  llvm::DenseMap<const ir::Value *, unsigned> tensorOf;
  std::vector<TileInfo> tiles;
  unsigned halfCounter = 0;

  DdrRef ref(const ir::Value *v) const { return ddrRef(plan, tensorOf.lookup(v)); }
  /// The half of every on-chip buffer the next tile uses.
  int64_t nextHalf() { return halfCounter++ % 2; }
  int64_t vecHalf() const { return target.half(isa::Buf::vec); }
  int64_t vecBase(int64_t half) const { return half * vecHalf(); }

  llvm::Error load(llvm::StringRef origin, const Dma &d) { return emitLoad(prog, origin, d); }
  llvm::Error store(llvm::StringRef origin, const Dma &d) { return emitStore(prog, origin, d); }
  llvm::Error emit(llvm::StringRef origin, const InstrBuilder &b, llvm::ArrayRef<Region> reads,
                   llvm::ArrayRef<Region> writes) {
    auto in = b.take(origin);
    if (!in)
      return in.takeError();
    prog.append(*in, reads, writes, origin);
    return llvm::Error::success();
  }
};

/// A DDR reference `bytes` further on.
inline DdrRef at(DdrRef r, int64_t bytes) { return {r.buffer, r.offset + uint64_t(bytes)}; }
inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t roundDownTo(int64_t v, int64_t q) { return v >= q ? v / q * q : v; }
/// A tile size `fit` for `total` items, in whole engine tiles of `q` unless one tile takes all
/// (197 tokens stay one tile of 197, not 192 + 5).
inline int64_t tileSize(int64_t fit, int64_t total, int64_t q) {
  return fit >= total ? total : roundDownTo(fit, q);
}

/// How a q.Linear is tiled (LowerLinear.cpp): token tiles of `mt` rows of all K codes, output
/// tiles of `nt` weight rows; each half of vec starts with a token tile's absmax [mt].
struct LinearTiling {
  const ir::Op *op = nullptr;
  int64_t m = 0, k = 0, n = 0, nb = 0, block = 0, nt = 0, mt = 0;
  bool int8 = false;
  isa::Act act = isa::Act::none;
};
llvm::Expected<LinearTiling> planLinear(const TargetInfo &target, const ir::Op &op);
/// The output tiles of token rows [t0, t0 + rows), whose codes are on chip at `aq` (act) and
/// their absmax at `va` (vec): LOAD weights/scales/bias, LINEAR, STORE per output tile.
llvm::Error emitLinearRows(LowerCtx &c, const LinearTiling &l, int64_t t0, int64_t rows,
                           int64_t aq, int64_t va, TileInfo &info);

// Per-op lowerings (one file per family). Each names `op` in its errors.
llvm::Error lowerQLinear(LowerCtx &c, const ir::Op &op);
/// A row chain (RowChains.h): its VECTOR ops and q.QuantizeTokens as one tiled loop.
llvm::Error lowerRowChain(LowerCtx &c, const RowChain &chain);
llvm::Error lowerDataMovement(LowerCtx &c, const ir::Op &op);
llvm::Error lowerConv1d(LowerCtx &c, const ir::Op &op);
llvm::Error lowerSelectiveScan(LowerCtx &c, const ir::Op &op);
/// q.SSDScan: head tiles of whole heads (whole groups, or heads inside one group) x token tiles.
llvm::Error lowerSSDScan(LowerCtx &c, const ir::Op &op);
llvm::Error lowerPatchGather(LowerCtx &c, const ir::Op &op);
llvm::Error lowerEmbedding(LowerCtx &c, const ir::Op &op);

} // namespace vimq::backend
