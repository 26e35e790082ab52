//===- ResourceModel.h - first-order FPGA resource estimate of a target -------------*- C++ -*-===//
//
// A coarse, documented estimate of what the overlay of a target costs (LUT/FF/DSP/BRAM36), so
// that a parameter set that cannot fit its part is rejected before anyone runs synthesis.
// Per-unit costs are engineering estimates (docs/overlay.md, "Resource model"), not synthesis
// results; they are meant to catch order-of-magnitude mistakes (e.g. a buffer larger than the
// part's BRAM), not to replace a Vivado report.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Target.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

namespace vimq::hw {

struct ResourceLine {
  std::string unit;
  ResourceBudget cost;
};

struct ResourceEstimate {
  llvm::SmallVector<ResourceLine, 8> lines;
  ResourceBudget total;
};

ResourceEstimate estimateResources(const Target &t);

/// An error naming the first resource over budget, or success.
llvm::Error checkFitsBudget(const Target &t);

} // namespace vimq::hw
