//===- Linear.cpp - LINEAR: int8 x (APoT-4 | int8) GEMM on a linear_rows x linear_cols tile ----===//
//
// Decodes and checks one LINEAR (docs/isa.md), then runs LinearTile.h's loops on the target's
// tile directly on the banked act / wgt / vec memories. The sim may take a simulation-only
// fast path that computes the same integers (hw/sim); the cycle model is the loops' own.
//
//===----------------------------------------------------------------------------------------===//
#include "LinearTile.h"
#include "Modules.h"

#ifndef __SYNTHESIS__
#include "SimHooks.h"
#endif

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

struct LinearFn {
  OnChipRefs mem;
  ExecResult operator()(const Command &c) const { return linearExec(c.in, mem); }
};

} // namespace

ExecResult linearExec(const isa::Instr &in, const OnChipRefs &mem) {
  namespace fld = isa::fld;
  LinearParams p;
  p.m = int(fieldOf(in, fld::LINEAR_m));
  p.k = int(fieldOf(in, fld::LINEAR_k));
  p.n = int(fieldOf(in, fld::LINEAR_n));
  const uint64_t wfmt = fieldOf(in, fld::LINEAR_wfmt), act = fieldOf(in, fld::LINEAR_act);
  // Zero dimensions are invalid (docs/isa.md invariants): every engine does some work.
  if ((wfmt != uint64_t(isa::WFmt::apot4) && wfmt != uint64_t(isa::WFmt::int8)) || act > 2 ||
      p.m == 0 || p.k == 0 || p.n == 0)
    return execFail(OverlayError::BadField);
  p.kind = wfmt == uint64_t(isa::WFmt::apot4) ? WeightKind::Apot4 : WeightKind::Int8;
  p.act = static_cast<Activation>(act);
  p.block = fieldOf(in, fld::LINEAR_block) ? int(fieldOf(in, fld::LINEAR_block)) : p.k;
  p.shift = int(fieldOf(in, fld::LINEAR_shift));
  p.outFrac = int(fieldOf(in, fld::LINEAR_frac));
  const bool hasBias = fieldOf(in, fld::LINEAR_bias), accumulate = fieldOf(in, fld::LINEAR_acc);
  const uint64_t aAddr = fieldOf(in, fld::LINEAR_a_addr), aPitch = fieldOf(in, fld::LINEAR_a_pitch);
  const uint64_t asAddr = fieldOf(in, fld::LINEAR_as_addr), wAddr = fieldOf(in, fld::LINEAR_w_addr);
  const uint64_t wsAddr = fieldOf(in, fld::LINEAR_ws_addr), bAddr = fieldOf(in, fld::LINEAR_b_addr);
  const uint64_t oAddr = fieldOf(in, fld::LINEAR_o_addr), oPitch = fieldOf(in, fld::LINEAR_o_pitch);
  const uint64_t nb = ceilDiv(uint64_t(p.k), uint64_t(p.block));
  const uint64_t wPitch = isa::bankPitch(uint64_t(p.k));
  // Banking: the tile's activation rows must fall in distinct act banks (docs/isa.md).
  if (p.block > p.k || (p.m > 1 && !isa::bankPitchOk(aPitch)))
    return execFail(OverlayError::BadField);
  if (!regionOk(aAddr, aPitch, uint64_t(p.m), uint64_t(p.k), kActSize) ||
      !regionOk(asAddr, 0, 1, uint64_t(p.m), kVecSize) ||
      !regionOk(wAddr, wPitch, uint64_t(p.n), uint64_t(p.k), kWgtSize) ||
      !regionOk(wsAddr, 0, 1, uint64_t(p.n) * nb, kVecSize) ||
      (hasBias && !regionOk(bAddr, 0, 1, uint64_t(p.n), kVecSize)) ||
      !regionOk(oAddr, oPitch, uint64_t(p.m), uint64_t(p.n), kVecSize))
    return execFail(OverlayError::OnChipOutOfRange);

  const ExecResult r =
      execOk(linearIterations(p.m, p.k, p.n, cfg::kLinearRows, cfg::kLinearCols),
             linearTiles(p.m, p.n, cfg::kLinearRows, cfg::kLinearCols) *
                 uint64_t(cfg::kPipelineDepthLinear));
  LinearOperands<int32_t> op;
  op.a = mem.act + aAddr;
  op.aPitch = aPitch;
  op.w = mem.wgt + wAddr;
  op.wPitch = wPitch;
  op.ws = mem.vec + wsAddr;
  op.as = mem.vec + asAddr;
  op.bias = hasBias ? mem.vec + bAddr : 0;
  op.o = mem.vec + oAddr;
  op.oPitch = oPitch;
  op.accumulate = accumulate;
#ifndef __SYNTHESIS__
  if (sim::fastPathsEnabled() && sim::linearFast(p, op))
    return r;
#endif
  linearTileEngine<int(cfg::kLinearRows), int(cfg::kLinearCols)>(p, op);
  return r;
}

void vimq_linear(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                 hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                 int8_t act[kActSize], uint8_t wgt[kWgtSize], int32_t vec[kVecSize]) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = cmd
#pragma HLS INTERFACE axis port = tokIn
#pragma HLS INTERFACE axis port = tokOut
#pragma HLS INTERFACE axis port = report
#pragma HLS INTERFACE bram port = act
#pragma HLS INTERFACE bram port = wgt
#pragma HLS INTERFACE bram port = vec
#pragma HLS ARRAY_PARTITION variable = act cyclic factor = kActBanks
#pragma HLS ARRAY_PARTITION variable = wgt cyclic factor = kWgtBanks
#pragma HLS ARRAY_PARTITION variable = vec cyclic factor = kVecBanks
  const OnChipRefs mem = {act, wgt, vec, 0};
  serveCommand(cmd, tokIn, tokOut, report, LinearFn{mem});
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
