//===- LowerSequence.cpp - q.Conv1d (CONV1D) and the scans (SSM) over token tiles -------------===//
//
// All three recur over the tokens of each batch element, so tiles run batch → channel tile →
// token tile, and consecutive token tiles of one (batch, channel tile) chain through carried
// state: CONV1D's K-1 history rows in a fixed vec region (the end of half 0, kept out of every
// conv tile), the SSM state h [ch][n] in one half of the state buffer (alternating per channel
// tile).
//
// SSM operand layout per tile (the ISA ties pitches together): A then D first, then Δ | B | C
// side by side in rows of t_pitch, then u | z | y side by side in rows of x_pitch = 3ct:
//   q.SelectiveScan: A [ct][n], D [ct]; t_pitch = ct + 2n.
//   q.SSDScan:       channel tiles are head tiles of ht whole heads (ct = ht·headdim), either
//                    whole B/C groups or heads inside one group, so that the instruction's
//                    head → group map (h / (heads/groups)) is the op's; A [ht], D [ht];
//                    t_pitch = ht + 2·gt·n (Δ per head, the B and C rows of the tile's gt
//                    groups; gt = 1 for heads inside a group).
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"

#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <string>
#include <vector>

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

namespace {

/// The heads of one SSD tile: heads [h0, h0 + heads) and the B/C groups [g0, g0 + groups)
/// they read. Either whole groups, or heads inside one group (groups == 1).
struct HeadTile {
  int64_t h0, heads, g0, groups;
};

/// How a q.SSDScan is cut: head tiles of at most `ht` heads over at most `gt` groups (1 when
/// the tiles split a group), token tiles of `lt` tokens. Every tile uses the on-chip layout of
/// the largest one (`ht`, `gt`), so that pitches are the same for all.
struct SsdTiling {
  int64_t ht = 0, gt = 0, lt = 0;
  bool wholeGroups = false;
  std::vector<HeadTile> tiles;
};

struct SsdShape {
  int64_t L, H, P, G, N, headsPerGroup, xw; // xw: u | z | y or u | y
  int64_t tPitch(int64_t ht, int64_t gt) const { return ht + 2 * gt * N; }
  int64_t xPitch(int64_t ht) const { return xw * ht * P; }
  /// A then D, dense: one scalar each per head.
  int64_t fixedWords(int64_t ht) const { return 2 * ht; }
};

/// Why `ht` heads over `gt` groups cannot be one tile of `tokens` tokens ("" when they can):
/// the state [ht·P][N] in one half of the state buffer, the operands of `tokens` tokens in
/// one half of vec, and the SSM fields (heads 10 bits, groups 6 bits, 16-bit pitches, at most
/// kSsmMaxGroupState staged B/C elements per token).
std::string ssdTileMisfit(const SsdShape &s, const TargetInfo &t, int64_t ht, int64_t gt,
                          int64_t tokens) {
  const int64_t stateHalf = t.half(isa::Buf::state), vecHalf = t.half(isa::Buf::vec);
  const int64_t fieldMax = int64_t(isa::fieldMask(16));
  if (ht * s.P * s.N > stateHalf)
    return llvm::formatv("the state of {0} head(s), {0} x {1} x {2} = {3} words, exceeds half "
                         "of the state buffer ({4} words)",
                         ht, s.P, s.N, ht * s.P * s.N, stateHalf)
        .str();
  if (ht > int64_t(isa::fieldMask(isa::fld::SSM_heads.width)) ||
      gt > int64_t(isa::fieldMask(isa::fld::SSM_groups.width)) ||
      gt * s.N > int64_t(isa::kSsmMaxGroupState) || s.xPitch(ht) > fieldMax ||
      s.tPitch(ht, gt) > fieldMax)
    return llvm::formatv("{0} head(s) of {1} channels over {2} group(s) of {3} states exceed "
                         "the SSM instruction's fields",
                         ht, s.P, gt, s.N)
        .str();
  const int64_t words = s.fixedWords(ht) + tokens * (s.tPitch(ht, gt) + s.xPitch(ht));
  if (words > vecHalf)
    return llvm::formatv("{0} token(s) of {1} head(s) take {2} words, more than half of the "
                         "vector buffer ({3} words)",
                         tokens, ht, words, vecHalf)
        .str();
  return "";
}

/// The largest head tile (whole groups first, then heads inside a group) that takes
/// `minTokens` tokens, made even: k tiles of ceil(total / k) instead of full tiles and a
/// small remainder (24 heads that fit 16 at a time run as 12 + 12, not 16 + 8).
bool pickSsdHeads(const SsdShape &s, const TargetInfo &t, int64_t minTokens, SsdTiling &out) {
  for (int64_t gt = s.G; gt >= 1; --gt)
    if (ssdTileMisfit(s, t, gt * s.headsPerGroup, gt, minTokens).empty()) {
      gt = ceilDiv(s.G, ceilDiv(s.G, gt));
      out.wholeGroups = true, out.gt = gt, out.ht = gt * s.headsPerGroup;
      return true;
    }
  for (int64_t ht = s.headsPerGroup - 1; ht >= 1; --ht)
    if (ssdTileMisfit(s, t, ht, 1, minTokens).empty()) {
      out.wholeGroups = false, out.gt = 1;
      out.ht = ceilDiv(s.headsPerGroup, ceilDiv(s.headsPerGroup, ht));
      return true;
    }
  return false;
}

} // namespace

llvm::Error backend::lowerSSDScan(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  const ir::Value *x = op.operand(0), *dt = op.operand(1), *A = op.operand(2), *Bm = op.operand(3),
                  *Cm = op.operand(4);
  const ir::Value *D = op.numOperands() > 5 ? op.operand(5) : nullptr;
  const ir::Value *z = op.numOperands() > 6 ? op.operand(6) : nullptr;
  const int64_t B = x->shape()[0], L = x->shape()[1], C = x->shape()[2], H = A->shape()[0];
  const int64_t N = op.getInt("n", 0), GN = Bm->shape()[2], G = GN / N;
  // The verifier guarantees H | C, N | G·N and G | H.
  const SsdShape s{L, H, C / H, G, N, H / G, z ? 3 : 2};
  SsdTiling tl;
  if (!pickSsdHeads(s, c.target, std::min<int64_t>(L, 8), tl) && !pickSsdHeads(s, c.target, 1, tl))
    return makeError("{0}: the SSD scan does not fit target {1}: {2}", origin, c.target.name(),
                     ssdTileMisfit(s, c.target, 1, 1, 1));
  if (tl.wholeGroups)
    for (int64_t g0 = 0; g0 < G; g0 += tl.gt) {
      const int64_t groups = std::min(tl.gt, G - g0);
      tl.tiles.push_back({g0 * s.headsPerGroup, groups * s.headsPerGroup, g0, groups});
    }
  else
    for (int64_t g = 0; g < G; ++g)
      for (int64_t h0 = g * s.headsPerGroup, e = h0 + s.headsPerGroup; h0 < e; h0 += tl.ht)
        tl.tiles.push_back({h0, std::min(tl.ht, e - h0), g, 1});
  const int64_t ht = tl.ht, ct = ht * s.P, tPitch = s.tPitch(ht, tl.gt), xPitch = s.xPitch(ht);
  tl.lt = std::min(L, (c.vecHalf() - s.fixedWords(ht)) / (tPitch + xPitch));
  const int64_t lt = tl.lt, stateHalf = c.target.half(isa::Buf::state);

  DdrRef xr = c.ref(x), dr = c.ref(dt), ar = c.ref(A), br = c.ref(Bm), cr = c.ref(Cm),
         yr = c.ref(op.result());
  TileInfo info{origin, "ssd-scan", lt, ct, 0};
  unsigned headTiles = 0;
  for (int64_t b = 0; b < B; ++b)
    for (const HeadTile &tile : tl.tiles) {
      const int64_t heads = tile.heads, ch = heads * s.P, c0 = tile.h0 * s.P;
      const int64_t gn = tile.groups * N;
      const int64_t sAddr = (headTiles++ % 2) * stateHalf;
      const Region state = Region::onChip(isa::Buf::state, sAddr, ch * N);
      for (int64_t t0 = 0; t0 < L; t0 += lt, ++info.tiles) {
        const int64_t len = std::min(lt, L - t0), base = c.vecBase(c.nextHalf());
        const int64_t va = base, vt = va + s.fixedWords(ht), vx = vt + lt * tPitch;
        const int64_t vbc = vt + ht, vy = vx + (s.xw - 1) * ct;
        const int64_t row0 = b * L + t0;
        // A and D are reloaded per tile: they share the tile's half, which alternates. D
        // follows this tile's A densely (the engine reads it at a_addr + heads).
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, va, heads, 1, heads,
                                     at(ar, tile.h0 * 4), heads * 4}))
          return e;
        if (D)
          if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, va + heads, heads, 1, heads,
                                       at(c.ref(D), tile.h0 * 4), heads * 4}))
            return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vt, tPitch, len, heads,
                                     at(dr, (row0 * H + tile.h0) * 4), H * 4}))
          return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vbc, tPitch, len, gn,
                                     at(br, (row0 * GN + tile.g0 * N) * 4), GN * 4}))
          return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vbc + gn, tPitch, len, gn,
                                     at(cr, (row0 * GN + tile.g0 * N) * 4), GN * 4}))
          return e;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vx, xPitch, len, ch,
                                     at(xr, (row0 * C + c0) * 4), C * 4}))
          return e;
        if (z)
          if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vx + ct, xPitch, len, ch,
                                       at(c.ref(z), (row0 * C + c0) * 4), C * 4}))
            return e;
        const bool carryIn = t0 > 0, carryOut = t0 + len < L;
        llvm::SmallVector<Region, 4> reads = {
            Region::onChip(isa::Buf::vec, va, D ? 2 * heads : heads),
            onChipBlock(isa::Buf::vec, vt, tPitch, len, tPitch),
            onChipBlock(isa::Buf::vec, vx, xPitch, len, (s.xw - 1) * ct)};
        if (carryIn)
          reads.push_back(state);
        // The state is scratch even without carry_out: a later tile must not overtake it.
        llvm::SmallVector<Region, 2> writes = {onChipBlock(isa::Buf::vec, vy, xPitch, len, ch),
                                               state};
        InstrBuilder ib(isa::Opcode::SSM);
        ib.setEnum(fld::SSM_mode, isa::SsmMode::ssd)
            .set(fld::SSM_gate, z != nullptr)
            .set(fld::SSM_dskip, D != nullptr)
            .set(fld::SSM_carry_in, carryIn)
            .set(fld::SSM_carry_out, carryOut)
            .set(fld::SSM_approx, 1)
            .set(fld::SSM_len, len)
            .set(fld::SSM_ch, ch)
            .set(fld::SSM_heads, heads)
            .set(fld::SSM_n, N)
            .set(fld::SSM_groups, tile.groups)
            .set(fld::SSM_u_addr, vx)
            .set(fld::SSM_x_pitch, xPitch)
            .set(fld::SSM_dt_addr, vt)
            .set(fld::SSM_bc_addr, vbc)
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
