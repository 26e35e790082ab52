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

llvm::Expected<LinearTiling> backend::planLinear(const TargetInfo &target, const ir::Op &op) {
  const std::string origin = op.describe();
  LinearTiling l;
  l.op = &op;
  const ir::Value *q = op.operand(0), *w = op.operand(2), *ws = op.operand(3);
  l.m = tokenRows(q), l.k = q->shape().back(), l.n = w->shape()[0];
  // A block longer than K is one block of all K (ISA: block <= k).
  l.nb = ws->shape()[1], l.block = std::min(quant::getBlock(op), l.k);
  auto wfmt = quant::getWeightFormat(op);
  if (!wfmt)
    return wfmt.takeError();
  auto act = quant::getLinearAct(op);
  if (!act)
    return act.takeError();
  if (*wfmt == quant::WeightFormat::APoT5)
    return makeError("{0}: LINEAR takes apot4 or int8 weights, not apot5", origin);
  l.int8 = *wfmt == quant::WeightFormat::Int8;
  l.act = linearAct(*act);

  // On chip, activation and weight rows sit at the banking pitch (docs/isa.md, "Banking").
  const int64_t k = l.k, pitch = int64_t(isa::bankPitch(uint64_t(k)));
  const int64_t actHalf = target.half(isa::Buf::act);
  const int64_t wgtHalf = target.half(isa::Buf::wgt), vecHalf = target.half(isa::Buf::vec);
  l.nt = tileSize(std::min(wgtHalf / pitch, 4 * target.linearCols()), l.n, target.linearCols());
  if (l.nt < 1)
    return makeError("{0}: a weight row of K={1} codes does not fit half of the weight buffer "
                     "({2} bytes) of target {3}",
                     origin, k, wgtHalf, target.name());
  l.mt = tileSize(std::min(actHalf / pitch, (vecHalf - l.nt * l.nb - l.nt) / (1 + l.nt)), l.m,
                  target.linearRows());
  if (l.mt < 1)
    return makeError("{0}: one token of K={1} codes does not fit half of the activation "
                     "buffer ({2} bytes) of target {3}",
                     origin, k, actHalf, target.name());
  return l;
}

llvm::Error backend::emitLinearRows(LowerCtx &c, const LinearTiling &l, int64_t t0,
                                    int64_t rows, int64_t aq, int64_t va, TileInfo &info) {
  const ir::Op &op = *l.op;
  const std::string origin = op.describe();
  const ir::Value *bias = op.numOperands() > 4 ? op.operand(4) : nullptr;
  const int64_t k = l.k, n = l.n, nt = l.nt, nb = l.nb;
  const int64_t pitch = int64_t(isa::bankPitch(uint64_t(k))); // act and wgt rows (banking)
  const isa::DType wtype = l.int8 ? isa::DType::i8 : isa::DType::u8;
  const int64_t wgtHalf = c.target.half(isa::Buf::wgt);
  DdrRef wr = c.ref(op.operand(2)), sr = c.ref(op.operand(3)), yr = c.ref(op.result());
  for (int64_t n0 = 0; n0 < n; n0 += nt, ++info.tiles) {
    // Past the token tile's absmax ([0, mt) of each half) in alternating halves.
    const int64_t cols = std::min(nt, n - n0), g = c.nextHalf();
    const int64_t vs = c.vecBase(g) + l.mt, vb = vs + nt * nb, vy = vb + nt, wa = g * wgtHalf;
    if (auto e = c.load(origin, {isa::Buf::wgt, wtype, wa, pitch, cols, k, at(wr, n0 * k), k}))
      return e;
    if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vs, nb, cols, nb,
                                 at(sr, n0 * nb * 4), nb * 4}))
      return e;
    llvm::SmallVector<Region, 6> reads = {onChipBlock(isa::Buf::act, aq, pitch, rows, k),
                                          Region::onChip(isa::Buf::vec, va, rows),
                                          onChipBlock(isa::Buf::wgt, wa, pitch, cols, k),
                                          onChipBlock(isa::Buf::vec, vs, nb, cols, nb)};
    if (bias) {
      if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vb, cols, 1, cols,
                                   at(c.ref(bias), n0 * 4), cols * 4}))
        return e;
      reads.push_back(Region::onChip(isa::Buf::vec, vb, cols));
    }
    InstrBuilder b(isa::Opcode::LINEAR);
    b.setEnum(fld::LINEAR_wfmt, l.int8 ? isa::WFmt::int8 : isa::WFmt::apot4)
        .setEnum(fld::LINEAR_act, l.act)
        .set(fld::LINEAR_bias, bias != nullptr)
        .set(fld::LINEAR_m, rows)
        .set(fld::LINEAR_k, k)
        .set(fld::LINEAR_n, cols)
        .set(fld::LINEAR_block, l.block)
        .set(fld::LINEAR_a_addr, aq)
        .set(fld::LINEAR_a_pitch, pitch)
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
  return llvm::Error::success();
}

llvm::Error backend::lowerQLinear(LowerCtx &c, const ir::Op &op) {
  auto l = planLinear(c.target, op);
  if (!l)
    return l.takeError();
  const std::string origin = op.describe();
  const int64_t k = l->k, actHalf = c.target.half(isa::Buf::act);
  const int64_t pitch = int64_t(isa::bankPitch(uint64_t(k)));
  DdrRef qr = c.ref(op.operand(0)), ar = c.ref(op.operand(1));
  TileInfo info{origin, "linear", l->mt, l->nt, 0};
  for (int64_t t0 = 0; t0 < l->m; t0 += l->mt) {
    const int64_t rows = std::min(l->mt, l->m - t0), h = c.nextHalf();
    const int64_t aq = h * actHalf, va = c.vecBase(h);
    if (auto e = c.load(origin, {isa::Buf::act, isa::DType::i8, aq, pitch, rows, k,
                                 at(qr, t0 * k), k}))
      return e;
    if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, va, rows, 1, rows,
                                 at(ar, t0 * 4), rows * 4}))
      return e;
    if (auto e = emitLinearRows(c, *l, t0, rows, aq, va, info))
      return e;
  }
  c.tiles.push_back(info);
  return llvm::Error::success();
}
