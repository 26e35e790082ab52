//===- LowerLinear.cpp - q.Linear (tiled LINEAR) -----------------------------------------------===//
//
// (q.QuantizeTokens, which produces the codes and absmax, is a row-wise VECTOR op: its tiling
// is in LowerVector.cpp with the other row chains.)
//
// q.Linear: token tiles of `mt` rows of K codes, each multiplied by output tiles of `nt` weight
// rows. The whole row of K stays on chip: splitting K into `acc` passes would round each
// partial sum separately and change the result, so K is limited by the buffers (an error
// naming the op otherwise).
//   nt = up to 4 engine tiles (multiple of linear_cols) such that nt·K codes fit a half of the
//        weight buffer (larger tiles only lengthen one LOAD);
//   mt = the largest multiple of linear_rows (or all rows) such that mt·K codes fit a half of
//        the activation buffer and the per-tile words (mt absmax, nt·nb scales, nt bias,
//        mt·nt outputs) a half of the vector buffer.
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"

#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::backend;
namespace fld = vimq::isa::fld;

void TileInfo::print(llvm::raw_ostream &os) const {
  os << llvm::formatv("{0,-14} tokens={1} channels={2} tiles={3}  {4}\n", kind, tokenTile,
                      channelTile, tiles, origin);
}

static int64_t tokenRows(const ir::Value *v) { return v->type().numel() / v->shape().back(); }

static isa::Act linearAct(quant::LinearAct a) {
  switch (a) {
  case quant::LinearAct::None:
    return isa::Act::none;
  case quant::LinearAct::SiLU:
    return isa::Act::silu;
  case quant::LinearAct::Softplus:
    return isa::Act::softplus;
  }
  return isa::Act::none;
}

llvm::Error backend::lowerQLinear(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  const ir::Value *q = op.operand(0), *a = op.operand(1), *w = op.operand(2), *ws = op.operand(3);
  const ir::Value *bias = op.numOperands() > 4 ? op.operand(4) : nullptr;
  const int64_t m = tokenRows(q), k = q->shape().back(), n = w->shape()[0];
  // A block longer than K is one block of all K (ISA: block <= k).
  const int64_t nb = ws->shape()[1], block = std::min(quant::getBlock(op), k);
  auto wfmt = quant::getWeightFormat(op);
  if (!wfmt)
    return wfmt.takeError();
  auto act = quant::getLinearAct(op);
  if (!act)
    return act.takeError();
  if (*wfmt == quant::WeightFormat::APoT5)
    return makeError("{0}: LINEAR takes apot4 or int8 weights, not apot5", origin);
  const bool int8 = *wfmt == quant::WeightFormat::Int8;

  const int64_t actHalf = c.target.half(isa::Buf::act), wgtHalf = c.target.half(isa::Buf::wgt);
  const int64_t nt =
      tileSize(std::min(wgtHalf / k, 4 * c.target.linearCols()), n, c.target.linearCols());
  if (nt < 1)
    return makeError("{0}: a weight row of K={1} codes does not fit half of the weight buffer "
                     "({2} bytes) of target {3}",
                     origin, k, wgtHalf, c.target.name());
  const int64_t mt = tileSize(std::min(actHalf / k, (c.vecHalf() - nt * nb - nt) / (1 + nt)), m,
                              c.target.linearRows());
  if (mt < 1)
    return makeError("{0}: one token of K={1} codes does not fit half of the activation "
                     "buffer ({2} bytes) of target {3}",
                     origin, k, actHalf, c.target.name());

  DdrRef qr = c.ref(q), ar = c.ref(a), wr = c.ref(w), sr = c.ref(ws), yr = c.ref(op.result());
  TileInfo info{origin, "linear", mt, nt, 0};
  for (int64_t t0 = 0; t0 < m; t0 += mt) {
    const int64_t rows = std::min(mt, m - t0), h = c.nextHalf();
    const int64_t aq = h * actHalf, va = c.vecBase(h);
    if (auto e = c.load(origin, {isa::Buf::act, isa::DType::i8, aq, k, rows, k, at(qr, t0 * k),
                                 k}))
      return e;
    if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, va, rows, 1, rows,
                                 at(ar, t0 * 4), rows * 4}))
      return e;
    for (int64_t n0 = 0; n0 < n; n0 += nt, ++info.tiles) {
      const int64_t cols = std::min(nt, n - n0), g = c.nextHalf();
      const int64_t vs = c.vecBase(g) + mt, vb = vs + nt * nb, vy = vb + nt, wa = g * wgtHalf;
      if (auto e = c.load(origin, {isa::Buf::wgt, int8 ? isa::DType::i8 : isa::DType::u8, wa, k,
                                   cols, k, at(wr, n0 * k), k}))
        return e;
      if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vs, nb, cols, nb,
                                   at(sr, n0 * nb * 4), nb * 4}))
        return e;
      llvm::SmallVector<Region, 6> reads = {onChipBlock(isa::Buf::act, aq, k, rows, k),
                                            Region::onChip(isa::Buf::vec, va, rows),
                                            onChipBlock(isa::Buf::wgt, wa, k, cols, k),
                                            onChipBlock(isa::Buf::vec, vs, nb, cols, nb)};
      if (bias) {
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vb, cols, 1, cols,
                                     at(c.ref(bias), n0 * 4), cols * 4}))
          return e;
        reads.push_back(Region::onChip(isa::Buf::vec, vb, cols));
      }
      InstrBuilder b(isa::Opcode::LINEAR);
      b.setEnum(fld::LINEAR_wfmt, int8 ? isa::WFmt::int8 : isa::WFmt::apot4)
          .setEnum(fld::LINEAR_act, linearAct(*act))
          .set(fld::LINEAR_bias, bias != nullptr)
          .set(fld::LINEAR_m, rows)
          .set(fld::LINEAR_k, k)
          .set(fld::LINEAR_n, cols)
          .set(fld::LINEAR_block, block)
          .set(fld::LINEAR_a_addr, aq)
          .set(fld::LINEAR_a_pitch, k)
          .set(fld::LINEAR_as_addr, va)
          .set(fld::LINEAR_w_addr, wa)
          .set(fld::LINEAR_ws_addr, vs)
          .set(fld::LINEAR_b_addr, vb)
          .set(fld::LINEAR_o_addr, vy)
          .set(fld::LINEAR_o_pitch, nt)
          .set(fld::LINEAR_shift, quant::getShift(op))
          .set(fld::LINEAR_frac, quant::getFrac(op));
      if (auto e = c.emit(origin, b, reads, {onChipBlock(isa::Buf::vec, vy, nt, rows, cols)}))
        return e;
      if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, vy, nt, rows, cols,
                                    at(yr, (t0 * n + n0) * 4), n * 4}))
        return e;
    }
  }
  c.tiles.push_back(info);
  return llvm::Error::success();
}
