//===- Vector.cpp - VECTOR: element-wise ops, norms, quantizer and FWHT on vector_width lanes --===//
//
// Decodes and checks one VECTOR (docs/isa.md), then runs VectorTile.h's lane loops directly on
// the banked vec (and, for the quantizer's codes, act) memories. The sim may take a
// simulation-only fast path that computes the same integers (hw/sim); the cycle model is the
// loops' own (VectorTile.h).
//
//===----------------------------------------------------------------------------------------===//
#include "Modules.h"
#include "VectorTile.h"

#ifndef __SYNTHESIS__
#include "SimHooks.h"
#endif

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

struct VectorFn {
  OnChipRefs mem;
  ExecResult operator()(const Command &c) const { return vectorExec(c.in, mem); }
};

/// The lane function of an element-wise op.
VecFn eltFn(isa::VOp op) {
  switch (op) {
  case isa::VOp::add:
    return VecFn::Add;
  case isa::VOp::mul:
    return VecFn::Mul;
  case isa::VOp::scale:
    return VecFn::Scale;
  case isa::VOp::muli:
    return VecFn::MulImm;
  case isa::VOp::exp:
    return VecFn::Exp;
  case isa::VOp::softplus:
    return VecFn::Softplus;
  case isa::VOp::silu:
    return VecFn::Silu;
  default:
    return VecFn::Copy;
  }
}

ExecResult withCost(const VecCost &c) { return execOk(c.iterations, c.overhead); }

} // namespace

static_assert(isa::kMaxNormFrac == unsigned(kMaxNormFrac), "one norm frac limit (Fields.h)");

ExecResult vectorExec(const isa::Instr &in, const OnChipRefs &mem) {
  namespace fld = isa::fld;
  using isa::VOp;
  const uint64_t opField = fieldOf(in, fld::VECTOR_op);
  const uint64_t rows = fieldOf(in, fld::VECTOR_rows), cols = fieldOf(in, fld::VECTOR_cols);
  const uint64_t aAddr = fieldOf(in, fld::VECTOR_a_addr), aPitch = fieldOf(in, fld::VECTOR_a_pitch);
  const uint64_t bAddr = fieldOf(in, fld::VECTOR_b_addr), bPitch = fieldOf(in, fld::VECTOR_b_pitch);
  const uint64_t cAddr = fieldOf(in, fld::VECTOR_c_addr);
  const uint64_t oAddr = fieldOf(in, fld::VECTOR_o_addr), oPitch = fieldOf(in, fld::VECTOR_o_pitch);
  const int32_t imm = static_cast<int32_t>(isa::getSigned(in, fld::VECTOR_imm));
  const int frac = int(fieldOf(in, fld::VECTOR_frac)), shift = int(fieldOf(in, fld::VECTOR_shift));
  const unsigned log2g = unsigned(fieldOf(in, fld::VECTOR_log2g));
  const bool reverse = fieldOf(in, fld::VECTOR_reverse), approx = fieldOf(in, fld::VECTOR_approx);
  if (opField > uint64_t(VOp::silu) || rows == 0 || cols == 0)
    return execFail(OverlayError::BadField);
  const VOp vop = static_cast<VOp>(opField);
  const bool usesB = vop == VOp::add || vop == VOp::mul || vop == VOp::grmsnorm;
  const bool usesC = vop == VOp::scale || vop == VOp::rmsnorm || vop == VOp::grmsnorm;
  const bool isPwl = vop == VOp::exp || vop == VOp::softplus || vop == VOp::silu;
  if ((isPwl && !approx) ||
      (vop == VOp::fwht && (log2g > unsigned(kMaxFwhtLog2) || cols % (uint64_t(1) << log2g))))
    return execFail(OverlayError::BadField);
  const uint64_t oSize = vop == VOp::quant ? kActSize : kVecSize;
  if (!regionOk(aAddr, aPitch, rows, cols, kVecSize) ||
      (usesB && !regionOk(bAddr, bPitch, rows, cols, kVecSize)) ||
      (usesC && !regionOk(cAddr, 0, 1, cols, kVecSize)) ||
      (vop == VOp::quant && !regionOk(cAddr, 0, 1, rows, kVecSize)) ||
      !regionOk(oAddr, oPitch, rows, cols, oSize))
    return execFail(OverlayError::OnChipOutOfRange);
  // eps is the fp32 bit pattern of imm: a negative, infinite or NaN eps has no factor; a wider
  // frac would overflow the factor datapath (Numerics.h "RMSNorm factor").
  const bool isNorm = vop == VOp::rmsnorm || vop == VOp::grmsnorm;
  if (isNorm && (!normEpsValid(uint32_t(imm)) || frac > kMaxNormFrac))
    return execFail(OverlayError::BadField);

  const int W = int(cfg::kVectorWidth);
  const uint64_t depth = uint64_t(cfg::kPipelineDepthVector);
  VecOperands op;
  op.a = mem.vec + aAddr;
  op.aPitch = aPitch;
  op.reverse = reverse;
  op.b = mem.vec + bAddr;
  op.bPitch = bPitch;
  op.c = mem.vec + cAddr;
  op.o = mem.vec + oAddr;
  op.oPitch = oPitch;
  op.q = mem.act + oAddr;
  op.qPitch = oPitch;
  op.absmax = mem.vec + cAddr;
  const int r = int(rows), c = int(cols);

  if (vop == VOp::quant) {
    const ExecResult res = withCost(vecQuantCost(rows, cols, uint64_t(W), depth));
#ifndef __SYNTHESIS__
    if (sim::fastPathsEnabled() && sim::vectorQuantFast(r, c, op))
      return res;
#endif
    vecQuantTile<int(cfg::kVectorWidth)>(r, c, op);
    return res;
  }
  if (isNorm) {
    VecNormShape p;
    p.rows = r, p.cols = c;
    p.gated = vop == VOp::grmsnorm;
    p.group = p.gated && log2g ? 1 << log2g : 0;
    p.epsBits = uint32_t(imm);
    p.inFrac = p.gateFrac = frac;
    p.outShift = kRmsFactorFrac + frac; // weight, input and output all in Q(frac)
    const ExecResult res =
        withCost(vecNormCost(p.gated, rows, cols, uint64_t(p.group), uint64_t(W), depth));
#ifndef __SYNTHESIS__
    if (sim::fastPathsEnabled() && sim::vectorNormFast(p, op))
      return res;
#endif
    vecNormTile<int(cfg::kVectorWidth)>(p, op);
    return res;
  }
  if (vop == VOp::fwht) {
    const ExecResult res = withCost(vecFwhtCost(rows, cols, log2g, uint64_t(W), depth));
    vecFwhtTile<int(cfg::kVectorWidth)>(r, c, int(log2g), imm, shift, op);
    return res;
  }
  const VecFn fn = eltFn(vop);
  const ExecResult res = withCost(vecEltCost(vecFnBinary(fn), rows, cols, uint64_t(W), depth));
#ifndef __SYNTHESIS__
  if (sim::fastPathsEnabled() && sim::vectorEltFast(fn, r, c, imm, shift, frac, op))
    return res;
#endif
  vecEltTile<int(cfg::kVectorWidth)>(fn, r, c, imm, shift, frac, op);
  return res;
}

void vimq_vector(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                 hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                 int8_t act[kActSize], int32_t vec[kVecSize]) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = cmd
#pragma HLS INTERFACE axis port = tokIn
#pragma HLS INTERFACE axis port = tokOut
#pragma HLS INTERFACE axis port = report
#pragma HLS INTERFACE bram port = act
#pragma HLS INTERFACE bram port = vec
#pragma HLS ARRAY_PARTITION variable = act cyclic factor = kActBanks
#pragma HLS ARRAY_PARTITION variable = vec cyclic factor = kVecBanks
  const OnChipRefs mem = {act, 0, vec, 0};
  serveCommand(cmd, tokIn, tokOut, report, VectorFn{mem});
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
