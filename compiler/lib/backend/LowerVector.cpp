//===- LowerVector.cpp - row-wise q ops (VECTOR unit) as one tiled loop per row chain ----------===//
//
// A row chain (RowChains.h) — one VECTOR op, one q.QuantizeTokens, or a run of them feeding
// one another — is lowered as token tiles of whole rows (the norms and the quantizer reduce
// over a row): per tile, LOAD the chain's external row inputs and per-channel vectors into the
// tile's vec half, one VECTOR instruction per op on the slots RowChains.cpp assigned, and a
// STORE after each op whose result is needed outside the chain. The quantizer writes its codes
// into the act half of the tile and the absmax into vec; a linear in the chain runs its output
// tiles on them right there (LowerLinear.cpp emitLinearRows). An operand broadcast over the batch
// ([1, L, C], e.g. the position embedding) makes the tiles run per batch element so that the
// same rows of it are loaded for each.
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"
#include "RowChains.h"

#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace vimq;

static_assert(quant::kMaxNormFrac == int64_t(isa::kMaxNormFrac),
              "the q verifier and the ISA verifier accept the same norm frac");
using namespace vimq::backend;
namespace fld = vimq::isa::fld;

namespace {

/// One token tile of a chain: where its rows live on chip and in DDR. `act` and `absmax` are
/// where its quantizer writes its rows of codes and absmax; `actPitch` is their row pitch (the
/// banking pitch when a LINEAR reads them on chip, docs/isa.md).
struct ChainTile {
  const RowChain &ch;
  int64_t rows, row0, t0, base, act, absmax, actPitch;
  int64_t at(const ir::Value *v) const { return base + ch.vecAt.lookup(v); }
  /// First row of `v` in DDR for this tile (a broadcast operand restarts per batch element).
  int64_t ddrRow(const ir::Value *v) const { return ch.broadcast(v) ? t0 : row0; }
};

llvm::Error emitRowOp(LowerCtx &c, const ChainTile &t, const ir::Op &op) {
  const std::string origin = op.describe();
  const RowForm form = *rowFormOf(op);
  const int64_t C = t.ch.cols, rows = t.rows;
  const ir::Value *a = op.operand(0);
  const int64_t va = t.at(a);
  InstrBuilder ib(isa::Opcode::VECTOR);
  ib.setEnum(fld::VECTOR_op, form.vop)
      .set(fld::VECTOR_rows, rows)
      .set(fld::VECTOR_cols, C)
      .set(fld::VECTOR_a_addr, va)
      .set(fld::VECTOR_a_pitch, C);

  if (form.vop == isa::VOp::quant) {
    const ir::Value *codes = op.result(0), *absmax = op.result(1);
    const int64_t vs = t.absmax;
    ib.set(fld::VECTOR_c_addr, vs)
        .set(fld::VECTOR_o_addr, t.act)
        .set(fld::VECTOR_o_pitch, t.actPitch);
    if (auto e = c.emit(origin, ib, {onChipBlock(isa::Buf::vec, va, C, rows, C)},
                        {Region::onChip(isa::Buf::vec, vs, rows),
                         onChipBlock(isa::Buf::act, t.act, t.actPitch, rows, C)}))
      return e;
    if (t.ch.stored.count(codes))
      if (auto e = c.store(origin, {isa::Buf::act, isa::DType::i8, t.act, t.actPitch, rows, C,
                                    at(c.ref(codes), t.row0 * C), C}))
        return e;
    if (t.ch.stored.count(absmax))
      if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, vs, rows, 1, rows,
                                    at(c.ref(absmax), t.row0 * 4), rows * 4}))
        return e;
    return llvm::Error::success();
  }

  const ir::Value *bv = form.rowB ? op.operand(1) : nullptr;
  const ir::Value *cv = form.chanC ? op.operand(form.rowB ? 2 : 1) : nullptr;
  const ir::Value *y = op.result();
  int64_t imm = 0;
  if (form.vop == isa::VOp::rmsnorm || form.vop == isa::VOp::grmsnorm)
    imm = int64_t(llvm::bit_cast<int32_t>(quant::getEps(op)));
  else if (form.vop == isa::VOp::muli || form.vop == isa::VOp::fwht)
    imm = quant::getImm(op);
  const bool usesShift = form.vop == isa::VOp::mul || form.vop == isa::VOp::scale ||
                         form.vop == isa::VOp::muli || form.vop == isa::VOp::fwht;
  // q.GatedRMSNorm per group: a power-of-two group is the instruction's log2g; any other (the
  // d_inner/ngroups of Mamba2, e.g. 96) runs as one VECTOR per group over its column window
  // (cols = group, the pitches still the whole row), the row norm of each window being the
  // group's norm.
  int64_t log2g = form.vop == isa::VOp::fwht ? quant::getLog2Group(op) : 0, window = C;
  if (form.vop == isa::VOp::grmsnorm) {
    const int64_t g = quant::getNormGroup(op);
    if (g > 0 && g < C) {
      if (llvm::isPowerOf2_64(uint64_t(g)) &&
          llvm::Log2_64(uint64_t(g)) <= isa::fieldMask(fld::VECTOR_log2g.width))
        log2g = int64_t(llvm::Log2_64(uint64_t(g)));
      else
        window = g;
    }
  }
  const int64_t vo = t.at(y);
  ib.set(fld::VECTOR_approx, form.approx)
      .set(fld::VECTOR_b_pitch, bv ? C : 0)
      .set(fld::VECTOR_o_pitch, C)
      .setSigned(fld::VECTOR_imm, imm)
      .set(fld::VECTOR_frac, quant::getFrac(op))
      .set(fld::VECTOR_shift, usesShift ? quant::getShift(op) : 0)
      .set(fld::VECTOR_log2g, log2g);
  for (int64_t c0 = 0; c0 < C; c0 += window) {
    llvm::SmallVector<Region, 3> reads = {onChipBlock(isa::Buf::vec, va + c0, C, rows, window)};
    if (bv)
      reads.push_back(onChipBlock(isa::Buf::vec, t.at(bv) + c0, C, rows, window));
    if (cv)
      reads.push_back(Region::onChip(isa::Buf::vec, t.at(cv) + c0, window));
    InstrBuilder wb = ib;
    wb.set(fld::VECTOR_cols, window)
        .set(fld::VECTOR_a_addr, va + c0)
        .set(fld::VECTOR_b_addr, bv ? t.at(bv) + c0 : 0)
        .set(fld::VECTOR_c_addr, cv ? t.at(cv) + c0 : 0)
        .set(fld::VECTOR_o_addr, vo + c0);
    if (auto e = c.emit(origin, wb, reads, {onChipBlock(isa::Buf::vec, vo + c0, C, rows, window)}))
      return e;
  }
  if (!t.ch.stored.count(y))
    return llvm::Error::success();
  return c.store(origin, {isa::Buf::vec, isa::DType::i32, vo, C, rows, C,
                          at(c.ref(y), t.row0 * C * 4), C * 4});
}

/// The chain's first op reading `v` (the origin of its LOAD).
const ir::Op &firstReader(const RowChain &ch, const ir::Value *v);

/// LOAD the tile's inputs, then its row ops back to back (not the linear).
llvm::Error emitChainTile(LowerCtx &c, const ChainTile &t) {
  const RowChain &ch = t.ch;
  const int64_t C = ch.cols;
  for (const ir::Value *v : ch.rowInputs)
    if (auto e = c.load(firstReader(ch, v).describe(),
                        {isa::Buf::vec, isa::DType::i32, t.at(v), C, t.rows, C,
                         at(c.ref(v), t.ddrRow(v) * C * 4), C * 4}))
      return e;
  for (const ir::Value *v : ch.chanInputs)
    if (auto e = c.load(firstReader(ch, v).describe(),
                        {isa::Buf::vec, isa::DType::i32, t.at(v), C, 1, C, c.ref(v), C * 4}))
      return e;
  for (const ir::Op *op : ch.ops)
    if (op != ch.linear)
      if (auto e = emitRowOp(c, t, *op))
        return e;
  return llvm::Error::success();
}


const ir::Op &firstReader(const RowChain &ch, const ir::Value *v) {
  for (const ir::Op *op : ch.ops)
    if (llvm::is_contained(op->operands(), v))
      return *op;
  return *ch.ops.front();
}

} // namespace

llvm::Error backend::lowerRowChain(LowerCtx &c, const RowChain &ch) {
  const ir::Op &head = *ch.ops.front();
  const int64_t C = ch.cols, mt = ch.tokenTile, L = ch.period, B = ch.rows / L;
  if (mt < 1) {
    if (head.is("q.QuantizeTokens"))
      return makeError("{0}: a token of {1} channels does not fit half of the on-chip "
                       "buffers of target {2}",
                       head.describe(), C, c.target.name());
    return makeError("{0}: a row of {1} channels does not fit half of the vector buffer of "
                     "target {2}",
                     head.describe(), C, c.target.name());
  }
  const char *kind = ch.ops.size() > 1 ? "row-chain" : ch.quantize ? "quantize" : "vector";
  TileInfo info{ch.ops.size() > 1 ? ch.describe() : head.describe(), kind, mt, C, 0};
  const int64_t actHalf = c.target.half(isa::Buf::act);
  if (!ch.linear) {
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t0 = 0; t0 < L; t0 += mt, ++info.tiles) {
        const int64_t h = c.nextHalf();
        const int64_t base = c.vecBase(h);
        // A quantizer's absmax is at the start of the half.
        const ChainTile t{ch, std::min(mt, L - t0), b * L + t0, t0, base, h * actHalf, base, C};
        if (auto e = emitChainTile(c, t))
          return e;
      }
    }
    c.tiles.push_back(info);
    return llvm::Error::success();
  }

  // With a linear: per linear token tile, the chain's sub-tiles write its codes and absmax
  // rows where the LINEARs then read them (no broadcast operand here: B = 1).
  auto lin = planLinear(c.target, *ch.linear);
  if (!lin)
    return lin.takeError();
  TileInfo linInfo{ch.linear->describe(), "linear", lin->mt, lin->nt, 0};
  const int64_t pitch = int64_t(isa::bankPitch(uint64_t(C))); // the LINEAR's a_pitch
  for (int64_t T0 = 0; T0 < ch.rows; T0 += lin->mt) {
    const int64_t rowsL = std::min(lin->mt, ch.rows - T0), hL = c.nextHalf();
    const int64_t aq = hL * actHalf, va = c.vecBase(hL);
    for (int64_t t0 = T0; t0 < T0 + rowsL; t0 += mt, ++info.tiles) {
      const int64_t h = c.nextHalf();
      const ChainTile t{ch, std::min(mt, T0 + rowsL - t0), t0, t0, c.vecBase(h),
                        aq + (t0 - T0) * pitch, va + (t0 - T0), pitch};
      if (auto e = emitChainTile(c, t))
        return e;
    }
    if (auto e = emitLinearRows(c, *lin, T0, rowsL, aq, va, linInfo))
      return e;
  }
  c.tiles.push_back(info);
  c.tiles.push_back(linInfo);
  return llvm::Error::success();
}
