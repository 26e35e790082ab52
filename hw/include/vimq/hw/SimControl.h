//===- SimControl.h - switches and counters of the C simulation (not of the hardware) -*- C++ -*-===//
#pragma once

#include "vimq/hw/OverlayStatus.h"

#include <cstdint>

namespace vimq::hw {

/// With false, every module runs its loops exactly as synthesised (no simulation-only fast
/// path): slower, the same results. Process-wide; default true.
void setSimFastPaths(bool on);

/// Pipelined-loop iterations the modules' loops executed on this thread since the last reset
/// (fast paths do not count): the figure tests compare with the cycle model's `iterations`.
uint64_t simLoopIterations(Unit u);
void resetSimLoopIterations();

} // namespace vimq::hw
