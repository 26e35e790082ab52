//===- Modules.h - the overlay's execute modules (internal to the sim/HLS build) ----*- C++ -*-===//
//
// One function per module: decode its instruction with the ISA table (isa/Fields.h), check
// every operand against its buffer, run the engine, and return the modeled cycles. Sizes come
// from the generated TargetConfig.h of the target being built.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Overlay.h"
#include "vimq/hw/TargetConfig.h"

#include <cstdint>

namespace vimq::hw {

/// The on-chip memories (BRAM/URAM in hardware; one bank per lane after ARRAY_PARTITION).
struct OnChip {
  int8_t act[cfg::kActBufBytes];
  uint8_t wgt[cfg::kWgtBufBytes];
  int32_t vec[cfg::kVecBufWords];
  int32_t state[cfg::kStateBufWords];
};

struct ExecResult {
  OverlayError error = OverlayError::None;
  uint64_t cycles = 0;
  uint64_t ddrBytes = 0;
  uint64_t ddrPortCycles = 0; ///< of `cycles`, the part that occupies the shared DDR port
};

struct DdrView {
  uint8_t *ddr;
  const DdrBuffer *buffers;
  uint32_t numBuffers;
};

ExecResult execLoad(const isa::Instr &in, OnChip &mem, const DdrView &ddr);
ExecResult execStore(const isa::Instr &in, const OnChip &mem, const DdrView &ddr);
ExecResult execLinear(const isa::Instr &in, OnChip &mem);
ExecResult execConv(const isa::Instr &in, OnChip &mem);
ExecResult execSsm(const isa::Instr &in, OnChip &mem);
ExecResult execVector(const isa::Instr &in, OnChip &mem);

/// Cycles FETCH spends reading one instruction from DDR.
inline constexpr uint64_t kFetchCycles =
    (isa::kInstrBytes + cfg::kDdrBytesPerCycle - 1) / cfg::kDdrBytesPerCycle;

} // namespace vimq::hw
