//===- SimTargets.h - every target built into the sim, by name and fingerprint ------*- C++ -*-===//
//
// The library vimq_hw_sim_targets links the sim library of every target in hw/targets/
// (CMake's VIMQ_HW_TARGETS) and lists them here, so that one binary (the runtime's sim device)
// runs a bundle compiled for any of them: it picks the target whose fingerprint the bundle
// carries. The table is generated from VIMQ_HW_TARGETS (hw/sim/SimTargets.cpp.in).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Overlay.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vimq::hw {

/// Every built-in target, sorted by name.
std::span<const SimTarget *const> simTargets();

/// The target of vimq_hw_sim (CMake's VIMQ_HW_DEFAULT_TARGET).
const SimTarget &defaultSimTarget();

/// The built-in target with this fingerprint or name; null when there is none.
const SimTarget *findSimTarget(uint64_t fingerprint);
const SimTarget *findSimTarget(std::string_view name);

/// "vc709 (0x...), zcu102 (0x...)": for messages naming what the sim can run.
std::string simTargetList();

} // namespace vimq::hw
