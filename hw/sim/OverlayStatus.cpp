//===- OverlayStatus.cpp - names of the overlay's errors and units (every target's) ----------===//
//
// Target-independent, so in vimq_hw_engines: every target's sim library and the runtime use
// these, and a binary linking all targets has them once.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/Overlay.h"

namespace vimq::hw {

const char *overlayErrorName(OverlayError e) {
  switch (e) {
  case OverlayError::None:
    return "none";
  case OverlayError::NotStarted:
    return "not started";
  case OverlayError::UnknownOpcode:
    return "unknown opcode";
  case OverlayError::BadField:
    return "field value not executable";
  case OverlayError::DmaOutOfRange:
    return "DMA outside its DDR buffer";
  case OverlayError::OnChipOutOfRange:
    return "operand outside its on-chip buffer";
  case OverlayError::Deadlock:
    return "token deadlock";
  case OverlayError::TokenLeftOver:
    return "dependency token left over at FINISH";
  case OverlayError::NoFinish:
    return "instruction stream ends without FINISH";
  case OverlayError::IndexOutOfRange:
    return "gather row index outside [0, limit)";
  }
  return "unknown error";
}

const char *unitName(Unit u) {
  static constexpr const char *kNames[kNumUnits] = {"fetch", "load",   "linear", "conv",
                                                    "ssm",   "vector", "store"};
  return unsigned(u) < kNumUnits ? kNames[unsigned(u)] : "?";
}

} // namespace vimq::hw
