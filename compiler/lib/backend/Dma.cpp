//===- Dma.cpp - LOAD/STORE emission ----------------------------------------------------------===//
#include "Dma.h"

#include "InstrBuilder.h"

using namespace vimq;
using namespace vimq::backend;
namespace fld = vimq::isa::fld;

static Region ddrBlock(const Dma &d) {
  uint64_t bytes = uint64_t((d.rows - 1) * d.stride + d.cols * isa::dtypeBytes(d.dtype));
  return Region::ddr(d.ddr.buffer, d.ddr.offset, bytes);
}

DdrRef backend::ddrRef(const DdrPlan &plan, unsigned tensor) {
  const DdrTensor &t = plan.tensor(tensor);
  return {uint32_t(t.kind), t.offset};
}

llvm::Error backend::emitLoad(Program &prog, llvm::StringRef origin, const Dma &d) {
  InstrBuilder b(isa::Opcode::LOAD);
  b.setEnum(fld::LOAD_buf, d.buf)
      .setEnum(fld::LOAD_dtype, d.dtype)
      .set(fld::LOAD_reverse, d.reverse)
      .set(fld::LOAD_addr, d.addr)
      .set(fld::LOAD_pitch, d.pitch)
      .set(fld::LOAD_rows, d.rows)
      .set(fld::LOAD_cols, d.cols)
      .set(fld::LOAD_ddr_buf, d.ddr.buffer)
      .set(fld::LOAD_ddr_off, int64_t(d.ddr.offset))
      .set(fld::LOAD_ddr_stride, d.stride);
  auto in = b.take(origin);
  if (!in)
    return in.takeError();
  prog.append(*in, {ddrBlock(d)}, {onChipBlock(d.buf, d.addr, d.pitch, d.rows, d.cols)}, origin);
  return llvm::Error::success();
}

llvm::Error backend::emitStore(Program &prog, llvm::StringRef origin, const Dma &d) {
  InstrBuilder b(isa::Opcode::STORE);
  b.setEnum(fld::STORE_buf, d.buf)
      .setEnum(fld::STORE_dtype, d.dtype)
      .set(fld::STORE_reverse, d.reverse)
      .set(fld::STORE_addr, d.addr)
      .set(fld::STORE_pitch, d.pitch)
      .set(fld::STORE_rows, d.rows)
      .set(fld::STORE_cols, d.cols)
      .set(fld::STORE_ddr_buf, d.ddr.buffer)
      .set(fld::STORE_ddr_off, int64_t(d.ddr.offset))
      .set(fld::STORE_ddr_stride, d.stride);
  auto in = b.take(origin);
  if (!in)
    return in.takeError();
  prog.append(*in, {onChipBlock(d.buf, d.addr, d.pitch, d.rows, d.cols)}, {ddrBlock(d)}, origin);
  return llvm::Error::success();
}
