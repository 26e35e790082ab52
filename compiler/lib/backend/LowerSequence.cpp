//===- LowerSequence.cpp - q.Conv1d (CONV1D) and q.SelectiveScan (SSM) over token tiles ------===//
//
// Both recur over the tokens of each batch element, so tiles run batch → channel tile → token
// tile, and consecutive token tiles of one (batch, channel tile) chain through carried state:
// CONV1D's K-1 history rows in a fixed vec region (the end of half 0, kept out of every conv
// tile), the SSM state h [ch][n] in one half of the state buffer (alternating per channel tile).
//
// SSM operand layout per tile (the ISA ties pitches together): Δ | B | C side by side in rows
// of t_pitch = ct + 2n; u | z | y side by side in rows of x_pitch = 3ct; A [ct][n] then D [ct].
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"

#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::backend;
namespace fld = vimq::isa::fld;

/// Channels per tile: all of them when a tile of `minTokens` tokens fits, else the largest
/// multiple of 16 that does (the engines' lane counts are powers of two up to 64).
static int64_t channelTile(int64_t C, int64_t budget, int64_t fixedPerCh, int64_t perTokenCh,
                           int64_t perTokenFixed, int64_t minTokens) {
  for (int64_t ct = C; ct >= 1; ct = ct > 16 ? roundDownTo(ct - 1, 16) : ct - 1)
    if (ct * fixedPerCh + minTokens * (ct * perTokenCh + perTokenFixed) <= budget)
      return ct;
  return 0;
}

llvm::Error backend::lowerConv1d(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  const ir::Value *x = op.operand(0), *w = op.operand(1), *ws = op.operand(2);
  const ir::Value *bias = op.numOperands() > 3 ? op.operand(3) : nullptr;
  const int64_t B = x->shape()[0], L = x->shape()[1], C = x->shape()[2], K = w->shape()[1];
  auto wfmt = quant::getWeightFormat(op);
  if (!wfmt)
    return wfmt.takeError();
  if (*wfmt == quant::WeightFormat::APoT4)
    return makeError("{0}: CONV1D takes apot5 or int8 weights, not apot4", origin);
  if (K < 1 || K > 4)
    return makeError("{0}: kernel size {1} is outside CONV1D's 1..4", origin, K);
  const bool int8 = *wfmt == quant::WeightFormat::Int8;
  const int64_t wgtHalf = c.target.half(isa::Buf::wgt);
  // History of every channel tile at the end of half 0; tiles use the rest of each half.
  const int64_t maxHist = (K - 1) * C;
  const int64_t usable = c.vecHalf() - maxHist;
  int64_t ct = channelTile(C, usable, 2, 2, 0, std::min<int64_t>(L, 16));
  ct = std::min(ct, wgtHalf / K);
  if (ct < 1)
    return makeError("{0}: {1} channels do not fit the vector buffer of target {2}", origin, C,
                     c.target.name());
  const int64_t lt = std::min(L, (usable - 2 * ct) / (2 * ct));
  const int64_t hAddr = c.vecHalf() - maxHist;
  DdrRef xr = c.ref(x), yr = c.ref(op.result()), wr = c.ref(w), sr = c.ref(ws);
  TileInfo info{origin, "conv1d", lt, ct, 0};
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c0 = 0; c0 < C; c0 += ct) {
      const int64_t ch = std::min(ct, C - c0);
      for (int64_t t0 = 0; t0 < L; t0 += lt, ++info.tiles) {
        const int64_t len = std::min(lt, L - t0), h = c.nextHalf();
        const int64_t vs = c.vecBase(h), vb = vs + ct, vx = vb + ct, vy = vx + lt * ct;
        const int64_t wa = h * wgtHalf;
        const int64_t row0 = b * L + t0;
        if (auto e = c.load(origin, {isa::Buf::wgt, int8 ? isa::DType::i8 : isa::DType::u8, wa,
                                     K, ch, K, at(wr, c0 * K), K}))
          return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vs, ch, 1, ch,
                                     at(sr, c0 * 4), ch * 4}))
          return e;
        llvm::SmallVector<Region, 5> reads = {onChipBlock(isa::Buf::wgt, wa, K, ch, K),
                                              Region::onChip(isa::Buf::vec, vs, ch),
                                              onChipBlock(isa::Buf::vec, vx, ch, len, ch)};
        if (bias) {
          if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vb, ch, 1, ch,
                                       at(c.ref(bias), c0 * 4), ch * 4}))
            return e;
          reads.push_back(Region::onChip(isa::Buf::vec, vb, ch));
        }
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vx, ch, len, ch,
                                     at(xr, (row0 * C + c0) * 4), C * 4}))
          return e;
        const bool carryIn = t0 > 0 && K > 1, carryOut = t0 + len < L && K > 1;
        const Region hist = Region::onChip(isa::Buf::vec, hAddr, (K - 1) * ch);
        if (carryIn)
          reads.push_back(hist);
        llvm::SmallVector<Region, 2> writes = {onChipBlock(isa::Buf::vec, vy, ch, len, ch)};
        if (carryOut)
          writes.push_back(hist);
        InstrBuilder ib(isa::Opcode::CONV1D);
        ib.setEnum(fld::CONV1D_wfmt, int8 ? isa::WFmt::int8 : isa::WFmt::apot5)
            .set(fld::CONV1D_silu, quant::hasSiLU(op))
            .set(fld::CONV1D_bias, bias != nullptr)
            .set(fld::CONV1D_carry_in, carryIn)
            .set(fld::CONV1D_carry_out, carryOut)
            .set(fld::CONV1D_ksize, K)
            .set(fld::CONV1D_len, len)
            .set(fld::CONV1D_ch, ch)
            .set(fld::CONV1D_x_addr, vx)
            .set(fld::CONV1D_x_pitch, ch)
            .set(fld::CONV1D_y_addr, vy)
            .set(fld::CONV1D_y_pitch, ch)
            .set(fld::CONV1D_w_addr, wa)
            .set(fld::CONV1D_ws_addr, vs)
            .set(fld::CONV1D_b_addr, vb)
            .set(fld::CONV1D_h_addr, hAddr)
            .set(fld::CONV1D_shift, quant::getShift(op))
            .set(fld::CONV1D_frac, quant::getFrac(op));
        if (auto e = c.emit(origin, ib, reads, writes))
          return e;
        if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, vy, ch, len, ch,
                                      at(yr, (row0 * C + c0) * 4), C * 4}))
          return e;
      }
    }
  c.tiles.push_back(info);
  return llvm::Error::success();
}

llvm::Error backend::lowerSelectiveScan(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  const ir::Value *u = op.operand(0), *dt = op.operand(1), *A = op.operand(2),
                  *Bm = op.operand(3), *Cm = op.operand(4);
  const ir::Value *D = op.numOperands() > 5 ? op.operand(5) : nullptr;
  const ir::Value *z = op.numOperands() > 6 ? op.operand(6) : nullptr;
  const int64_t B = u->shape()[0], L = u->shape()[1], C = u->shape()[2], N = A->shape()[1];
  const int64_t stateHalf = c.target.half(isa::Buf::state);
  // Per channel: A row + D (N+1); per token: Δ + u + z + y per channel, B and C per token.
  int64_t ct = channelTile(C, c.vecHalf(), N + 1, z ? 4 : 3, 2 * N, std::min<int64_t>(L, 8));
  ct = std::min(ct, stateHalf / N);
  if (ct < 1)
    return makeError("{0}: the scan of {1} channels x {2} states does not fit the buffers of "
                     "target {3}",
                     origin, C, N, c.target.name());
  const int64_t xw = z ? 3 : 2; // u | z | y or u | y
  const int64_t tPitch = ct + 2 * N, xPitch = xw * ct;
  const int64_t lt = std::min(L, (c.vecHalf() - ct * (N + 1)) / (tPitch + xPitch));
  DdrRef ur = c.ref(u), dr = c.ref(dt), ar = c.ref(A), br = c.ref(Bm), cr = c.ref(Cm),
         yr = c.ref(op.result());
  TileInfo info{origin, "selective-scan", lt, ct, 0};
  unsigned channelTiles = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c0 = 0; c0 < C; c0 += ct, ++channelTiles) {
      const int64_t ch = std::min(ct, C - c0);
      const int64_t sAddr = (channelTiles % 2) * stateHalf;
      const Region state = Region::onChip(isa::Buf::state, sAddr, ch * N);
      for (int64_t t0 = 0; t0 < L; t0 += lt, ++info.tiles) {
        const int64_t len = std::min(lt, L - t0), base = c.vecBase(c.nextHalf());
        const int64_t va = base, vt = va + ct * (N + 1), vx = vt + lt * tPitch;
        const int64_t row0 = b * L + t0;
        // The A/D block is reloaded per tile: it shares the tile's half, which alternates.
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, va, N, ch, N,
                                     at(ar, c0 * N * 4), N * 4}))
          return e;
        if (D)
          if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, va + ch * N, ch, 1, ch,
                                       at(c.ref(D), c0 * 4), ch * 4}))
            return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vt, tPitch, len, ch,
                                     at(dr, (row0 * C + c0) * 4), C * 4}))
          return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vt + ct, tPitch, len, N,
                                     at(br, row0 * N * 4), N * 4}))
          return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vt + ct + N, tPitch, len, N,
                                     at(cr, row0 * N * 4), N * 4}))
          return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vx, xPitch, len, ch,
                                     at(ur, (row0 * C + c0) * 4), C * 4}))
          return e;
        if (z)
          if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vx + ct, xPitch, len, ch,
                                       at(c.ref(z), (row0 * C + c0) * 4), C * 4}))
            return e;
        const int64_t vy = vx + (xw - 1) * ct;
        const bool carryIn = t0 > 0, carryOut = t0 + len < L;
        llvm::SmallVector<Region, 4> reads = {
            Region::onChip(isa::Buf::vec, va, ch * N + ch),
            onChipBlock(isa::Buf::vec, vt, tPitch, len, tPitch),
            onChipBlock(isa::Buf::vec, vx, xPitch, len, (xw - 1) * ct)};
        if (carryIn)
          reads.push_back(state);
        llvm::SmallVector<Region, 2> writes = {onChipBlock(isa::Buf::vec, vy, xPitch, len, ch)};
        // The state is scratch even without carry_out: a later tile must not overtake it.
        writes.push_back(state);
        InstrBuilder ib(isa::Opcode::SSM);
        ib.setEnum(fld::SSM_mode, isa::SsmMode::selective)
            .set(fld::SSM_gate, z != nullptr)
            .set(fld::SSM_dskip, D != nullptr)
            .set(fld::SSM_carry_in, carryIn)
            .set(fld::SSM_carry_out, carryOut)
            .set(fld::SSM_approx, 1)
            .set(fld::SSM_len, len)
            .set(fld::SSM_ch, ch)
            .set(fld::SSM_heads, 1)
            .set(fld::SSM_n, N)
            .set(fld::SSM_groups, 1)
            .set(fld::SSM_u_addr, vx)
            .set(fld::SSM_x_pitch, xPitch)
            .set(fld::SSM_dt_addr, vt)
            .set(fld::SSM_bc_addr, vt + ct)
            .set(fld::SSM_t_pitch, tPitch)
            .set(fld::SSM_a_addr, va)
            .set(fld::SSM_z_addr, z ? vx + ct : 0)
            .set(fld::SSM_y_addr, vy)
            .set(fld::SSM_s_addr, sAddr)
            .set(fld::SSM_frac, quant::getFrac(op));
        if (auto e = c.emit(origin, ib, reads, writes))
          return e;
        if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, vy, xPitch, len, ch,
                                      at(yr, (row0 * C + c0) * 4), C * 4}))
          return e;
      }
    }
  c.tiles.push_back(info);
  return llvm::Error::success();
}
