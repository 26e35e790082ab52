//===- SimControl.h - switches and counters of the C simulation (not of the hardware) -*- C++ -*-===//
#pragma once

#include "vimq/hw/OverlayStatus.h"

#include <cstdint>
#include <vector>

namespace vimq::hw {

/// With false, every module runs its loops exactly as synthesised (no simulation-only fast
/// path): slower, the same results. Process-wide; default true.
void setSimFastPaths(bool on);

/// Pipelined-loop iterations the modules' loops executed on this thread since the last reset
/// (fast paths do not count): the figure tests compare with the cycle model's `iterations`.
uint64_t simLoopIterations(Unit u);
void resetSimLoopIterations();

/// One instruction as the cycle model ran it: when it started (its tokens taken, the DDR port
/// granted) and ended on its unit, and the DDR bytes it moved. Sim only (per-op profiles).
struct SimTraceEvent {
  uint32_t index = 0; ///< in the instruction region
  uint8_t unit = 0;   ///< a Unit
  uint64_t start = 0, end = 0, ddrBytes = 0;
};
/// Appends every instruction the overlay executes on this thread to `trace` (null: stop).
void setSimTrace(std::vector<SimTraceEvent> *trace);
std::vector<SimTraceEvent> *simTrace();

/// Timing only, on this thread: the compute modules (LINEAR, CONV1D, SSM, VECTOR) skip their
/// arithmetic — every compute fast-path hook reports the work done — while data movement runs
/// (so gather indices stay valid). The cycle model does not depend on the data, so the run's
/// cycles and profile are exact; its outputs are meaningless. A compile-time latency estimate.
void setSimTimingOnly(bool on);

/// Progress of a run on this thread: `fn(ctx, fetched, total)` about every 1 % of the
/// instructions fetched (null: none). Sim only (a progress bar for long runs).
using SimProgressFn = void (*)(void *ctx, uint64_t fetched, uint64_t total);
void setSimProgress(SimProgressFn fn, void *ctx);
void reportSimProgress(uint64_t fetched, uint64_t total);

} // namespace vimq::hw
