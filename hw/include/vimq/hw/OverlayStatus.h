//===- OverlayStatus.h - error codes and unit names shared by the HLS modules and the host -*- C++ -*-===//
//
// C++14 and STL-free: the synthesizable modules in hw/src report these codes, the C-simulation
// harness and the runtime read them.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <stdint.h>

namespace vimq {
namespace hw {

/// One DDR buffer of the bundle's buffer table: [base, base + size) bytes of the DDR region.
/// The overlay checks every DMA of every instruction against it (the runtime does too).
struct DdrBuffer {
  uint64_t base;
  uint64_t size;
};

/// Error codes of the status register. 0 is success.
enum class OverlayError : uint32_t {
  None = 0,
  NotStarted,       ///< start was 0
  UnknownOpcode,    ///< opcode not in the ISA
  BadField,         ///< a field value the overlay cannot execute (e.g. ksize 0, dtype f32)
  DmaOutOfRange,    ///< LOAD/STORE outside its DDR buffer or an unknown buffer id
  OnChipOutOfRange, ///< an operand outside its on-chip buffer
  Deadlock,         ///< every unfinished module waits (token, empty or full FIFO)
  TokenLeftOver,    ///< a dependency token is still queued after FINISH
  NoFinish,         ///< the instruction stream ended without FINISH
  IndexOutOfRange,  ///< a gathering LOAD's row index outside [0, limit) (an invalid token id)
};

/// Units of the overlay: FETCH plus the ISA's modules in isa::Module order.
enum class Unit : uint8_t { Fetch = 0, Load, Linear, Conv, Ssm, Vector, Store };
static constexpr unsigned kNumUnits = 7;

} // namespace hw
} // namespace vimq
