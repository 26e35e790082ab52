//===- Ssm.cpp - SSM: selective / SSD scan over a tile of tokens on ssm_lanes state lanes -----===//
#include "Modules.h"
#include "ScanTile.h"

#ifndef __SYNTHESIS__
#include "SimHooks.h"
#endif

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

struct SsmFn {
  OnChipRefs mem;
  ExecResult operator()(const Command &c) const { return ssmExec(c.in, mem); }
};

} // namespace

ExecResult ssmExec(const isa::Instr &in, const OnChipRefs &mem) {
  namespace fld = isa::fld;
  const bool ssd = fieldOf(in, fld::SSM_mode) == uint64_t(isa::SsmMode::ssd);
  const bool gate = fieldOf(in, fld::SSM_gate), skip = fieldOf(in, fld::SSM_dskip);
  const bool carryIn = fieldOf(in, fld::SSM_carry_in);
  const uint64_t len = fieldOf(in, fld::SSM_len), ch = fieldOf(in, fld::SSM_ch);
  const uint64_t heads = fieldOf(in, fld::SSM_heads), n = fieldOf(in, fld::SSM_n);
  const uint64_t groups = fieldOf(in, fld::SSM_groups);
  const uint64_t uAddr = fieldOf(in, fld::SSM_u_addr), xPitch = fieldOf(in, fld::SSM_x_pitch);
  const uint64_t dtAddr = fieldOf(in, fld::SSM_dt_addr), bcAddr = fieldOf(in, fld::SSM_bc_addr);
  const uint64_t tPitch = fieldOf(in, fld::SSM_t_pitch), aAddr = fieldOf(in, fld::SSM_a_addr);
  const uint64_t zAddr = fieldOf(in, fld::SSM_z_addr), yAddr = fieldOf(in, fld::SSM_y_addr);
  const uint64_t sAddr = fieldOf(in, fld::SSM_s_addr);
  const int frac = int(fieldOf(in, fld::SSM_frac));
  // The overlay's only exp is the PWL unit; groups must divide heads and heads the channels;
  // one token's B and C rows must fit the engine's staging registers.
  if (!fieldOf(in, fld::SSM_approx) || len == 0 || ch == 0 || n == 0 || groups == 0 ||
      (ssd && (heads == 0 || ch % heads != 0 || heads % groups != 0)) || (!ssd && groups != 1) ||
      groups * n > uint64_t(kSsmMaxGroupState))
    return execFail(OverlayError::BadField);
  const uint64_t dtCols = ssd ? heads : ch, aLen = ssd ? heads : ch * n, dLen = ssd ? heads : ch;
  if (!regionOk(uAddr, xPitch, len, ch, kVecSize) || !regionOk(yAddr, xPitch, len, ch, kVecSize) ||
      (gate && !regionOk(zAddr, xPitch, len, ch, kVecSize)) ||
      !regionOk(dtAddr, tPitch, len, dtCols, kVecSize) ||
      !regionOk(bcAddr, tPitch, len, 2 * groups * n, kVecSize) ||
      !regionOk(aAddr, 0, 1, aLen + (skip ? dLen : 0), kVecSize) ||
      // The running state always lives in the state buffer, carried or not.
      !regionOk(sAddr, 0, 1, ch * n, kStateSize))
    return execFail(OverlayError::OnChipOutOfRange);

  ScanShape p;
  p.ssd = ssd;
  p.len = int(len);
  p.ch = int(ch);
  p.heads = ssd ? int(heads) : 1;
  p.n = int(n);
  p.groups = int(groups);
  p.f.u = p.f.delta = p.f.a = p.f.b = p.f.c = p.f.d = p.f.z = p.f.state = p.f.out = frac;
  ScanOperands op;
  op.u = mem.vec + uAddr;
  op.z = gate ? mem.vec + zAddr : 0;
  op.delta = mem.vec + dtAddr;
  op.bc = mem.vec + bcAddr;
  op.a = mem.vec + aAddr;
  op.d = skip ? mem.vec + aAddr + aLen : 0;
  op.y = mem.vec + yAddr;
  op.s = mem.state + sAddr;
  op.xPitch = xPitch;
  op.tPitch = tPitch;
  op.carryIn = carryIn;
  const ExecResult r = execOk(
      ssmIterations(ssd, len, ch, uint64_t(p.heads), n, groups, uint64_t(cfg::kSsmLanes)),
      uint64_t(cfg::kPipelineDepthSsm));
#ifndef __SYNTHESIS__
  if (sim::fastPathsEnabled() && sim::ssmFast(p, op))
    return r;
#endif
  scanTileEngine<int(cfg::kSsmLanes)>(p, op);
  return r;
}

void vimq_ssm(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
              hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
              int32_t vec[kVecSize], int32_t state[kStateSize]) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = cmd
#pragma HLS INTERFACE axis port = tokIn
#pragma HLS INTERFACE axis port = tokOut
#pragma HLS INTERFACE axis port = report
#pragma HLS INTERFACE bram port = vec
#pragma HLS INTERFACE bram port = state
#pragma HLS ARRAY_PARTITION variable = vec cyclic factor = kVecBanks
#pragma HLS ARRAY_PARTITION variable = state cyclic factor = kStateBanks
  const OnChipRefs mem = {0, 0, vec, state};
  serveCommand(cmd, tokIn, tokOut, report, SsmFn{mem});
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
