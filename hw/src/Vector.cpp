//===- Vector.cpp - VECTOR module (TEMPORARY: the v1 behavioural form, being rewritten) -----===//
#include "Modules.h"

#include "vimq/hw/VectorEngine.h"

#include <cstring>
#include <vector>

namespace vimq {
namespace hw {

using namespace isa;

namespace {

uint64_t f(const Instr &in, Field fl) { return getBits(in, fl); }

void copyBytes(void *dst, const void *src, size_t bytes) {
  if (bytes)
    std::memcpy(dst, src, bytes);
}

std::vector<int32_t> gatherVec(const int32_t *vec, uint64_t addr, uint64_t pitch, uint64_t rows,
                               uint64_t cols, bool reverse = false) {
  std::vector<int32_t> out(rows * cols);
  for (uint64_t r = 0; r < rows; ++r) {
    uint64_t src = addr + (reverse ? rows - 1 - r : r) * pitch;
    copyBytes(out.data() + r * cols, &vec[src], cols * sizeof(int32_t));
  }
  return out;
}

void scatterVec(int32_t *vec, uint64_t addr, uint64_t pitch, uint64_t rows, uint64_t cols,
                const int32_t *src) {
  for (uint64_t r = 0; r < rows; ++r)
    copyBytes(&vec[addr + r * pitch], &src[r * cols], cols * sizeof(int32_t));
}

} // namespace

static_assert(isa::kMaxNormFrac == unsigned(kMaxNormFrac), "one norm frac limit (Fields.h)");

ExecResult vectorExec(const isa::Instr &in, const OnChipRefs &mem) {
  const uint64_t op = f(in, fld::VECTOR_op);
  const uint64_t rows = f(in, fld::VECTOR_rows), cols = f(in, fld::VECTOR_cols);
  const uint64_t aAddr = f(in, fld::VECTOR_a_addr), aPitch = f(in, fld::VECTOR_a_pitch);
  const uint64_t bAddr = f(in, fld::VECTOR_b_addr), bPitch = f(in, fld::VECTOR_b_pitch);
  const uint64_t cAddr = f(in, fld::VECTOR_c_addr);
  const uint64_t oAddr = f(in, fld::VECTOR_o_addr), oPitch = f(in, fld::VECTOR_o_pitch);
  const int32_t imm = static_cast<int32_t>(getSigned(in, fld::VECTOR_imm));
  const int frac = int(f(in, fld::VECTOR_frac)), shift = int(f(in, fld::VECTOR_shift));
  const unsigned log2g = unsigned(f(in, fld::VECTOR_log2g));
  const bool reverse = f(in, fld::VECTOR_reverse), approx = f(in, fld::VECTOR_approx);
  if (op > uint64_t(VOp::silu) || rows == 0 || cols == 0)
    return execFail(OverlayError::BadField);
  const VOp vop = static_cast<VOp>(op);
  const bool usesB = vop == VOp::add || vop == VOp::mul || vop == VOp::grmsnorm;
  const bool usesC = vop == VOp::scale || vop == VOp::rmsnorm || vop == VOp::grmsnorm;
  const bool isPwl = vop == VOp::exp || vop == VOp::softplus || vop == VOp::silu;
  if ((isPwl && !approx) || (vop == VOp::fwht && (log2g > kMaxFwhtLog2 || cols % (1u << log2g))))
    return execFail(OverlayError::BadField);
  const uint64_t oSize = vop == VOp::quant ? kActSize : kVecSize;
  if (!regionOk(aAddr, aPitch, rows, cols, kVecSize) ||
      (usesB && !regionOk(bAddr, bPitch, rows, cols, kVecSize)) ||
      (usesC && !regionOk(cAddr, 0, 1, cols, kVecSize)) ||
      (vop == VOp::quant && !regionOk(cAddr, 0, 1, rows, kVecSize)) ||
      !regionOk(oAddr, oPitch, rows, cols, oSize))
    return execFail(OverlayError::OnChipOutOfRange);

  const uint64_t count = rows * cols;
  std::vector<int32_t> a = gatherVec(mem.vec, aAddr, aPitch, rows, cols, reverse);
  std::vector<int32_t> b =
      usesB ? gatherVec(mem.vec, bAddr, bPitch, rows, cols) : std::vector<int32_t>();
  std::vector<int32_t> y(count);
  const uint64_t beats = rows * ceilDiv(cols ? cols : 1, cfg::kVectorWidth);
  uint64_t cycles = beats + cfg::kPipelineDepthVector;
  switch (vop) {
  case VOp::copy:
    y = a;
    break;
  case VOp::add:
    vecAdd(int(count), a.data(), b.data(), y.data());
    break;
  case VOp::mul:
    vecMul(int(count), a.data(), b.data(), shift, y.data());
    break;
  case VOp::scale:
    vecScaleChannels(int(rows), int(cols), a.data(), &mem.vec[cAddr], shift, y.data());
    break;
  case VOp::muli:
    for (uint64_t i = 0; i < count; ++i)
      y[i] = sat32(shiftRne(static_cast<i128>(a[i]) * imm, shift));
    break;
  case VOp::rmsnorm:
  case VOp::grmsnorm: {
    RmsNormParams p;
    p.rows = int(rows), p.cols = int(cols);
    p.group = vop == VOp::grmsnorm && log2g ? 1 << log2g : 0;
    p.inFrac = p.weightFrac = p.outFrac = p.gateFrac = frac;
    p.epsBits = static_cast<uint32_t>(imm); // eps is the fp32 bit pattern of imm
    // A negative, infinite or NaN eps has no factor; a wider frac would overflow the 128-bit
    // factor datapath (Numerics.h "RMSNorm factor").
    if (!normEpsValid(p.epsBits) || frac > kMaxNormFrac)
      return execFail(OverlayError::BadField);
    vecRmsNorm(p, a.data(), &mem.vec[cAddr], usesB ? b.data() : nullptr, y.data());
    cycles = 2 * beats + rows * cfg::kPipelineDepthVector; // sum pass, scale pass, rsqrt per row
    break;
  }
  case VOp::quant: {
    std::vector<int8_t> q(count);
    vecAbsmaxQuantize(int(rows), int(cols), a.data(), q.data(), &mem.vec[cAddr]);
    for (uint64_t r = 0; r < rows; ++r)
      copyBytes(&mem.act[oAddr + r * oPitch], q.data() + r * cols, cols);
    return execOk(2 * beats, cfg::kPipelineDepthVector);
  }
  case VOp::fwht:
    vecFwht(int(rows), int(cols), int(log2g), imm, shift, a.data(), y.data());
    cycles = beats * (log2g ? log2g : 1) + cfg::kPipelineDepthVector;
    break;
  case VOp::exp:
    vecPwl(int(count), PwlFunc::Exp, frac, a.data(), y.data());
    break;
  case VOp::softplus:
    vecPwl(int(count), PwlFunc::Softplus, frac, a.data(), y.data());
    break;
  case VOp::silu:
    vecPwl(int(count), PwlFunc::Silu, frac, a.data(), y.data());
    break;
  }
  scatterVec(mem.vec, oAddr, oPitch, rows, cols, y.data());
  return execOk(cycles - cfg::kPipelineDepthVector, cfg::kPipelineDepthVector);
}


} // namespace hw
} // namespace vimq
