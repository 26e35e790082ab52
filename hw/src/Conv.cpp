//===- Conv.cpp - CONV1D: causal depthwise conv over tokens on conv_lanes channel lanes -------===//
#include "ConvTile.h"
#include "Modules.h"

#ifndef __SYNTHESIS__
#include "SimHooks.h"
#endif

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

struct ConvFn {
  OnChipRefs mem;
  ExecResult operator()(const Command &c) const { return convExec(c.in, mem); }
};

} // namespace

ExecResult convExec(const isa::Instr &in, const OnChipRefs &mem) {
  namespace fld = isa::fld;
  ConvParams p;
  p.l = int(fieldOf(in, fld::CONV1D_len));
  p.c = int(fieldOf(in, fld::CONV1D_ch));
  p.kernel = int(fieldOf(in, fld::CONV1D_ksize));
  const uint64_t wfmt = fieldOf(in, fld::CONV1D_wfmt);
  if (p.kernel < 1 || p.kernel > kMaxConvKernel || p.l == 0 || p.c == 0 ||
      (wfmt != uint64_t(isa::WFmt::apot5) && wfmt != uint64_t(isa::WFmt::int8)))
    return execFail(OverlayError::BadField);
  p.kind = wfmt == uint64_t(isa::WFmt::apot5) ? ConvWeightKind::Apot5 : ConvWeightKind::Int8;
  p.act = fieldOf(in, fld::CONV1D_silu) ? Activation::Silu : Activation::None;
  p.shift = int(fieldOf(in, fld::CONV1D_shift));
  p.outFrac = int(fieldOf(in, fld::CONV1D_frac));
  const bool hasBias = fieldOf(in, fld::CONV1D_bias);
  const bool carryIn = fieldOf(in, fld::CONV1D_carry_in);
  const bool carryOut = fieldOf(in, fld::CONV1D_carry_out);
  const uint64_t xAddr = fieldOf(in, fld::CONV1D_x_addr), xPitch = fieldOf(in, fld::CONV1D_x_pitch);
  const uint64_t yAddr = fieldOf(in, fld::CONV1D_y_addr), yPitch = fieldOf(in, fld::CONV1D_y_pitch);
  const uint64_t wAddr = fieldOf(in, fld::CONV1D_w_addr), wsAddr = fieldOf(in, fld::CONV1D_ws_addr);
  const uint64_t bAddr = fieldOf(in, fld::CONV1D_b_addr), hAddr = fieldOf(in, fld::CONV1D_h_addr);
  const uint64_t hist = uint64_t(p.kernel) - 1, l = uint64_t(p.l), c = uint64_t(p.c);
  if (!regionOk(xAddr, xPitch, l, c, kVecSize) || !regionOk(yAddr, yPitch, l, c, kVecSize) ||
      !regionOk(wAddr, 0, 1, c * uint64_t(p.kernel), kWgtSize) ||
      !regionOk(wsAddr, 0, 1, c, kVecSize) || (hasBias && !regionOk(bAddr, 0, 1, c, kVecSize)) ||
      ((carryIn || carryOut) && !regionOk(hAddr, 0, 1, hist * c, kVecSize)))
    return execFail(OverlayError::OnChipOutOfRange);

  const uint64_t tiles = ceilDiv(c, uint64_t(cfg::kConvLanes));
  const ExecResult r = execOk(
      convIterations(l, c, uint64_t(p.kernel), carryOut, uint64_t(cfg::kConvLanes), kWgtBanks),
      tiles * uint64_t(cfg::kPipelineDepthVector));
  ConvOperands<int32_t> op;
  op.x = mem.vec + xAddr;
  op.xPitch = xPitch;
  op.y = mem.vec + yAddr;
  op.yPitch = yPitch;
  op.w = mem.wgt + wAddr;
  op.ws = mem.vec + wsAddr;
  op.bias = hasBias ? mem.vec + bAddr : 0;
  op.hist = mem.vec + hAddr;
  op.histIn = carryIn;
  op.histOut = carryOut;
#ifndef __SYNTHESIS__
  if (sim::fastPathsEnabled() && sim::convFast(p, op))
    return r;
#endif
  convTileEngine<int(cfg::kConvLanes), kWgtBanks>(p, op);
  return r;
}

void vimq_conv(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
               hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
               uint8_t wgt[kWgtSize], int32_t vec[kVecSize]) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = cmd
#pragma HLS INTERFACE axis port = tokIn
#pragma HLS INTERFACE axis port = tokOut
#pragma HLS INTERFACE axis port = report
#pragma HLS INTERFACE bram port = wgt
#pragma HLS INTERFACE bram port = vec
#pragma HLS ARRAY_PARTITION variable = wgt cyclic factor = kWgtBanks
#pragma HLS ARRAY_PARTITION variable = vec cyclic factor = kVecBanks
  const OnChipRefs mem = {0, wgt, vec, 0};
  serveCommand(cmd, tokIn, tokOut, report, ConvFn{mem});
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
