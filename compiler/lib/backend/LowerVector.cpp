//===- LowerVector.cpp - element-wise and per-row q ops on the VECTOR unit -------------------===//
//
// Token tiles of whole rows (the norms reduce over a row): per tile, LOAD the row operands and
// the per-channel vector, one VECTOR instruction, STORE. An operand broadcast over the batch
// ([1, L, C], e.g. the position embedding) makes the tiles run per batch element so that the
// same rows of it are loaded for each.
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"

#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/bit.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::backend;
namespace fld = vimq::isa::fld;

namespace {

struct VectorForm {
  isa::VOp vop;
  bool rowB = false;    ///< second row operand (operand 1)
  bool chanC = false;   ///< per-channel vector (operand 1, or 2 for the gated norm)
  bool approx = false;  ///< PWL unit
};

std::optional<VectorForm> formOf(const ir::Op &op) {
  llvm::StringRef k = op.kind();
  if (k == "q.Add")
    return VectorForm{isa::VOp::add, true, false, false};
  if (k == "q.Mul")
    return VectorForm{isa::VOp::mul, true, false, false};
  if (k == "q.Scale")
    return VectorForm{isa::VOp::scale, false, true, false};
  if (k == "q.MulImm")
    return VectorForm{isa::VOp::muli, false, false, false};
  if (k == "q.RMSNorm")
    return VectorForm{isa::VOp::rmsnorm, false, true, false};
  if (k == "q.GatedRMSNorm")
    return VectorForm{isa::VOp::grmsnorm, true, true, false};
  if (k == "q.Exp")
    return VectorForm{isa::VOp::exp, false, false, true};
  if (k == "q.Softplus")
    return VectorForm{isa::VOp::softplus, false, false, true};
  if (k == "q.SiLU")
    return VectorForm{isa::VOp::silu, false, false, true};
  if (k == "q.FWHT")
    return VectorForm{isa::VOp::fwht, false, false, false};
  return std::nullopt;
}

} // namespace

llvm::Error backend::lowerVectorOp(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  auto form = formOf(op);
  if (!form)
    return makeError("{0}: not a VECTOR op", origin);
  const ir::Value *a = op.operand(0), *y = op.result();
  const ir::Value *bv = form->rowB ? op.operand(1) : nullptr;
  const ir::Value *cv = form->chanC ? op.operand(form->rowB ? 2 : 1) : nullptr;
  const int64_t C = a->shape().back(), R = a->type().numel() / C;
  // Broadcast of b over the batch: tile per batch element.
  const bool bcast = bv && bv->type().numel() != a->type().numel();
  const int64_t L = bcast ? bv->type().numel() / C : R, B = R / L;
  const int64_t perRow = C * (bv ? 3 : 2), fixed = cv ? C : 0;
  const int64_t mt = std::min(L, (c.vecHalf() - fixed) / perRow);
  if (mt < 1)
    return makeError("{0}: a row of {1} channels does not fit half of the vector buffer of "
                     "target {2}",
                     origin, C, c.target.name());

  int64_t imm = 0;
  if (form->vop == isa::VOp::rmsnorm || form->vop == isa::VOp::grmsnorm)
    imm = int64_t(llvm::bit_cast<int32_t>(quant::getEps(op)));
  else if (form->vop == isa::VOp::muli || form->vop == isa::VOp::fwht)
    imm = quant::getImm(op);
  const bool usesShift = form->vop == isa::VOp::mul || form->vop == isa::VOp::scale ||
                         form->vop == isa::VOp::muli || form->vop == isa::VOp::fwht;
  const bool usesLog2g = form->vop == isa::VOp::grmsnorm || form->vop == isa::VOp::fwht;

  DdrRef ar = c.ref(a), yr = c.ref(y);
  TileInfo info{origin, "vector", mt, C, 0};
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t0 = 0; t0 < L; t0 += mt, ++info.tiles) {
      const int64_t rows = std::min(mt, L - t0), h = c.nextHalf();
      const int64_t row0 = b * L + t0;
      const int64_t va = c.vecBase(h), vb = va + mt * C, vo = vb + (bv ? mt * C : 0),
                    vc = vo + mt * C;
      if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, va, C, rows, C,
                                   at(ar, row0 * C * 4), C * 4}))
        return e;
      llvm::SmallVector<Region, 3> reads = {onChipBlock(isa::Buf::vec, va, C, rows, C)};
      if (bv) {
        int64_t brow = bcast ? t0 : row0;
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vb, C, rows, C,
                                     at(c.ref(bv), brow * C * 4), C * 4}))
          return e;
        reads.push_back(onChipBlock(isa::Buf::vec, vb, C, rows, C));
      }
      if (cv) {
        if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, vc, C, 1, C, c.ref(cv),
                                     C * 4}))
          return e;
        reads.push_back(Region::onChip(isa::Buf::vec, vc, C));
      }
      InstrBuilder ib(isa::Opcode::VECTOR);
      ib.setEnum(fld::VECTOR_op, form->vop)
          .set(fld::VECTOR_approx, form->approx)
          .set(fld::VECTOR_rows, rows)
          .set(fld::VECTOR_cols, C)
          .set(fld::VECTOR_a_addr, va)
          .set(fld::VECTOR_a_pitch, C)
          .set(fld::VECTOR_b_addr, bv ? vb : 0)
          .set(fld::VECTOR_b_pitch, bv ? C : 0)
          .set(fld::VECTOR_c_addr, cv ? vc : 0)
          .set(fld::VECTOR_o_addr, vo)
          .set(fld::VECTOR_o_pitch, C)
          .setSigned(fld::VECTOR_imm, imm)
          .set(fld::VECTOR_frac, quant::getFrac(op))
          .set(fld::VECTOR_shift, usesShift ? quant::getShift(op) : 0)
          .set(fld::VECTOR_log2g, usesLog2g ? quant::getLog2Group(op) : 0);
      if (auto e = c.emit(origin, ib, reads, {onChipBlock(isa::Buf::vec, vo, C, rows, C)}))
        return e;
      if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, vo, C, rows, C,
                                    at(yr, row0 * C * 4), C * 4}))
        return e;
    }
  }
  c.tiles.push_back(info);
  return llvm::Error::success();
}
