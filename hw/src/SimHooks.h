//===- SimHooks.h - simulation-only fast paths the modules may take (hw/sim defines them) -*- C++ -*-===//
//
// Each hook computes exactly the integers of the module's loops (tests/hw/SimFastPathTest.cpp
// and the module tests compare them) and returns false, touching nothing, where it does not
// apply; the module then runs its loops. None of this exists in synthesis.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#ifndef __SYNTHESIS__

#include "Common.h"
#include "ConvTile.h"
#include "LinearTile.h"
#include "ScanTile.h"
#include "VectorTile.h"

namespace vimq {
namespace hw {
namespace sim {
VIMQ_HW_TARGET_NS_BEGIN

/// A DMA row as one memcpy when the DDR element's bytes are the on-chip element's bytes.
/// `idx` (null unless gathering): DDR row i is row idx[i] of a table of `limit` rows; the hook
/// declines (returns false) when an index is outside it, so that the loop reports the error.
bool loadRaw(const OnChipRefs &mem, isa::Buf buf, isa::DType dt, uint64_t addr, uint64_t pitch,
             uint64_t rows, uint64_t cols, uint64_t padRows, uint64_t padCols, bool reverse,
             const uint8_t *src, uint64_t stride, const int32_t *idx, uint64_t limit);
bool storeRaw(const OnChipRefs &mem, isa::Buf buf, isa::DType dt, uint64_t addr, uint64_t pitch,
              uint64_t rows, uint64_t cols, bool reverse, uint8_t *dst, uint64_t stride);
bool linearFast(const LinearParams &p, const LinearOperands<int32_t> &op);
bool convFast(const ConvParams &p, const ConvOperands<int32_t> &op);
bool ssmFast(const ScanShape &p, const ScanOperands &op);
/// VECTOR quant: rows over the SimPool, AVX-512 where the CPU has it.
bool vectorQuantFast(int rows, int cols, const VecOperands &op);
/// VECTOR rmsnorm / grmsnorm: rows over the SimPool, lanes in 64/128-bit arithmetic.
bool vectorNormFast(const VecNormShape &p, const VecOperands &op);
/// VECTOR element-wise ops on rows of at least a few hundred elements.
bool vectorEltFast(VecFn fn, int rows, int cols, int32_t imm, int shift, int frac,
                   const VecOperands &op);

VIMQ_HW_TARGET_NS_END
} // namespace sim
} // namespace hw
} // namespace vimq

#endif // __SYNTHESIS__
