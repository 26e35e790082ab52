//===- Dma.cpp - LOAD/STORE emission ----------------------------------------------------------===//
#include "Dma.h"

#include "InstrBuilder.h"

#include "vimq/support/Error.h"

using namespace vimq;
using namespace vimq::backend;

/// The DDR bytes a DMA may touch; a gather may read any row of its table.
static Region ddrBlock(const Dma &d) {
  const int64_t rows = d.limit > 0 ? d.limit : d.rows;
  uint64_t bytes = uint64_t((rows - 1) * d.stride + d.cols * isa::dtypeBytes(d.dtype));
  return Region::ddr(d.ddr.buffer, d.ddr.offset, bytes);
}

DdrRef backend::ddrRef(const DdrPlan &plan, unsigned tensor) {
  const DdrTensor &t = plan.tensor(tensor);
  return {uint32_t(t.kind), t.offset};
}

namespace {

/// LOAD and STORE have the same operands in their own fields; only the direction differs.
struct DmaFields {
  isa::Opcode opcode;
  isa::Field buf, dtype, reverse, addr, pitch, rows, cols, ddrBuf, ddrOff, ddrStride;
};

namespace fld = vimq::isa::fld;
constexpr DmaFields kLoad{isa::Opcode::LOAD, fld::LOAD_buf,     fld::LOAD_dtype,
                          fld::LOAD_reverse, fld::LOAD_addr,    fld::LOAD_pitch,
                          fld::LOAD_rows,    fld::LOAD_cols,    fld::LOAD_ddr_buf,
                          fld::LOAD_ddr_off, fld::LOAD_ddr_stride};
constexpr DmaFields kStore{isa::Opcode::STORE, fld::STORE_buf,     fld::STORE_dtype,
                           fld::STORE_reverse, fld::STORE_addr,    fld::STORE_pitch,
                           fld::STORE_rows,    fld::STORE_cols,    fld::STORE_ddr_buf,
                           fld::STORE_ddr_off, fld::STORE_ddr_stride};

/// A LOAD reads DDR and writes on chip; a STORE the other way round.
llvm::Error emitDma(Program &prog, llvm::StringRef origin, const Dma &d, const DmaFields &f) {
  InstrBuilder b(f.opcode);
  b.setEnum(f.buf, d.buf)
      .setEnum(f.dtype, d.dtype)
      .set(f.reverse, d.reverse)
      .set(f.addr, d.addr)
      .set(f.pitch, d.pitch)
      .set(f.rows, d.rows)
      .set(f.cols, d.cols)
      .set(f.ddrBuf, d.ddr.buffer)
      .set(f.ddrOff, int64_t(d.ddr.offset))
      .set(f.ddrStride, d.stride);
  const bool gather = d.limit > 0;
  if (gather) {
    if (f.opcode != isa::Opcode::LOAD)
      return makeError("{0}: internal error: a STORE cannot gather", origin);
    b.set(fld::LOAD_gather, 1).set(fld::LOAD_idx_addr, d.idxAddr).set(fld::LOAD_limit, d.limit);
  }
  auto in = b.take(origin);
  if (!in)
    return in.takeError();
  Region chip = onChipBlock(d.buf, d.addr, d.pitch, d.rows, d.cols), ddr = ddrBlock(d);
  if (f.opcode == isa::Opcode::STORE) {
    prog.append(*in, {chip}, {ddr}, origin);
  } else if (gather) {
    // The indices are read from vec: whatever wrote them must complete first (a token when
    // another module did).
    Region idx = Region::onChip(isa::Buf::vec, uint64_t(d.idxAddr), uint64_t(d.rows));
    prog.append(*in, {ddr, idx}, {chip}, origin);
  } else {
    prog.append(*in, {ddr}, {chip}, origin);
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error backend::emitLoad(Program &prog, llvm::StringRef origin, const Dma &d) {
  return emitDma(prog, origin, d, kLoad);
}

llvm::Error backend::emitStore(Program &prog, llvm::StringRef origin, const Dma &d) {
  return emitDma(prog, origin, d, kStore);
}
