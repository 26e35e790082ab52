//===- Instrument.h - simulation-only counters inside the synthesizable loops -------*- C++ -*-===//
//
// Every pipelined loop body says VIMQ_COUNT_ITERATION(unit). In synthesis that is nothing; in
// the C simulation it counts the iteration for the unit, so that a test can check the cycle
// model's `iterations` figure (computed from the same trip counts) against what the code ran.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <stdint.h>

#ifndef __SYNTHESIS__
namespace vimq {
namespace hw {
namespace sim {
void countIterations(unsigned unit, uint64_t n);
/// False when a test asks for the loops as synthesised (no simulation-only fast paths).
bool fastPathsEnabled();
/// True in a timing-only run (setSimTimingOnly): the compute hooks skip their arithmetic.
bool timingOnly();
} // namespace sim
} // namespace hw
} // namespace vimq
#define VIMQ_COUNT_ITERATION(unit) ::vimq::hw::sim::countIterations(unsigned(unit), 1)
#else
#define VIMQ_COUNT_ITERATION(unit)
#endif
