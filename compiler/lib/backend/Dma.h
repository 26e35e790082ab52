//===- Dma.h - LOAD/STORE emission with their memory annotations (backend-private) --*- C++ -*-===//
#pragma once

#include "vimq/backend/Lowering.h"

namespace vimq::backend {

/// A DDR operand: buffer id and byte offset.
struct DdrRef {
  uint32_t buffer;
  uint64_t offset;
};
/// Placement of a planned DDR tensor.
DdrRef ddrRef(const DdrPlan &plan, unsigned tensor);

/// A 2-D DMA between DDR and an on-chip buffer: `rows` rows of `cols` elements, on-chip rows at
/// `addr + r*pitch`, DDR rows at `ref.offset + r*stride` bytes. A gathering LOAD (`limit` > 0)
/// reads DDR row idx[r] of a table of `limit` rows instead, idx the `rows` int32 at vec
/// address `idxAddr`.
struct Dma {
  isa::Buf buf = isa::Buf::vec;
  isa::DType dtype = isa::DType::i32;
  int64_t addr = 0, pitch = 0, rows = 0, cols = 0;
  DdrRef ddr{0, 0};
  int64_t stride = 0;
  bool reverse = false;
  int64_t idxAddr = 0, limit = 0;
};

llvm::Error emitLoad(Program &prog, llvm::StringRef origin, const Dma &d);
llvm::Error emitStore(Program &prog, llvm::StringRef origin, const Dma &d);

/// The on-chip elements a strided block touches (conservatively, first to last element).
inline Region onChipBlock(isa::Buf b, int64_t addr, int64_t pitch, int64_t rows, int64_t cols) {
  return Region::onChip(b, uint64_t(addr), uint64_t((rows - 1) * pitch + cols));
}

} // namespace vimq::backend
