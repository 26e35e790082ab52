//===- SimCounters.cpp - the sim's loop-iteration counters and the fast-path switch -----------===//
#include "vimq/hw/SimControl.h"

#include <atomic>

namespace vimq::hw::sim {

namespace {
// Per thread: the HLS loops run on the thread that runs the overlay (the sim pool only runs
// fast paths, which do not count).
thread_local uint64_t gIterations[kNumUnits] = {};
std::atomic<bool> gFastPaths{true};
thread_local std::vector<SimTraceEvent> *gTrace = nullptr;
thread_local SimProgressFn gProgress = nullptr;
thread_local bool gTimingOnly = false;
thread_local void *gProgressCtx = nullptr;
} // namespace

void countIterations(unsigned unit, uint64_t n) {
  if (unit < kNumUnits)
    gIterations[unit] += n;
}
bool fastPathsEnabled() { return gFastPaths.load(std::memory_order_relaxed); }
bool timingOnly() { return gTimingOnly; }

} // namespace vimq::hw::sim

namespace vimq::hw {

void setSimFastPaths(bool on) { sim::gFastPaths.store(on, std::memory_order_relaxed); }
uint64_t simLoopIterations(Unit u) {
  return unsigned(u) < kNumUnits ? sim::gIterations[unsigned(u)] : 0;
}
void setSimTrace(std::vector<SimTraceEvent> *trace) { sim::gTrace = trace; }
std::vector<SimTraceEvent> *simTrace() { return sim::gTrace; }
void setSimTimingOnly(bool on) { sim::gTimingOnly = on; }
void setSimProgress(SimProgressFn fn, void *ctx) {
  sim::gProgress = fn;
  sim::gProgressCtx = ctx;
}
void reportSimProgress(uint64_t fetched, uint64_t total) {
  if (sim::gProgress)
    sim::gProgress(sim::gProgressCtx, fetched, total);
}
void resetSimLoopIterations() {
  for (uint64_t &c : sim::gIterations)
    c = 0;
}

} // namespace vimq::hw
