//===- ResourceModel.h - structural FPGA resource estimate of a target ---------------*- C++ -*-===//
//
// An estimate of what the overlay of a target costs (LUT/FF/DSP/BRAM), derived from the unrolled
// structure the target's params describe: the LINEAR MAC array and its epilogue lanes, the CONV,
// SSM and VECTOR lanes with their shared units, the banked on-chip memories, the FIFOs, the
// decoders and the AXI ports. Every unit is built from a handful of primitives whose per-bit
// costs sit in one table in ResourceModel.cpp (docs/resources.md explains them). It is a model,
// not a synthesis result: it exists so that a parameter set that cannot fit its part is refused
// before anyone runs Vivado, and so that the per-module split is visible.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Target.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace vimq::hw {

/// The DSP slice of the part's family; it decides how multiplies tile and whether two int8
/// products can share one slice.
enum class DspKind {
  DSP48E1, ///< 7-series (VC709's xc7vx690t): signed 25x18 multiplier.
  DSP48E2, ///< UltraScale/UltraScale+ (ZCU102's xczu9eg): signed 27x18 multiplier.
};

/// The family of `part` (an AMD/Xilinx part name such as "xczu9eg-ffvb1156-2-e"); an error
/// naming the part when the family is not one the model knows.
llvm::Expected<DspKind> dspKindOfPart(llvm::StringRef part);
const char *dspKindName(DspKind k);

/// DSP slices for a signed aBits x bBits multiply, tiled over the slice's signed multiplier
/// (an unsigned n-bit operand is a signed n+1-bit one). Lower tiles of an operand carry
/// unsigned pieces one bit narrower than the port; the better of the two orientations is used.
/// E.g. 18x18 -> 1, 27x18 -> 1 on DSP48E2 and 2 on DSP48E1, 32x32 -> 4 on both.
int64_t dspTilesForMultiply(int64_t aBits, int64_t bBits, DspKind k);

/// Resources used by a unit. BRAM is counted in BRAM18 halves (the unit a bank rounds up to);
/// bram36() is what the budget compares against.
struct ResourceUse {
  int64_t lut = 0, ff = 0, dsp = 0, bram18 = 0;
  int64_t bram36() const { return (bram18 + 1) / 2; }
  ResourceUse &operator+=(const ResourceUse &o) {
    lut += o.lut;
    ff += o.ff;
    dsp += o.dsp;
    bram18 += o.bram18;
    return *this;
  }
  ResourceUse operator+(const ResourceUse &o) const { return ResourceUse(*this) += o; }
  ResourceUse operator*(int64_t n) const { return {lut * n, ff * n, dsp * n, bram18 * n}; }
};

/// One memory of `banks` banks, each `depth` words of `width` bits, simple dual port. A bank
/// under the LUTRAM threshold is distributed RAM; otherwise it takes whole BRAM18s in the
/// aspect ratio that fits `width` (4 KiB of data per BRAM36 at widths up to 32).
ResourceUse memoryCost(int64_t banks, int64_t depth, int64_t width);

struct ResourceLine {
  std::string unit;
  ResourceUse use;
};

struct ResourceEstimate {
  DspKind dsp = DspKind::DSP48E2;
  llvm::SmallVector<ResourceLine, 16> lines;
  ResourceUse total;
};

/// The per-module estimate of `t`; fails only when the part's family is unknown.
llvm::Expected<ResourceEstimate> estimateResources(const Target &t);

/// A resource whose estimate exceeds the target's `resources` budget.
struct OverBudget {
  const char *resource; ///< "LUT", "FF", "DSP" or "BRAM36"
  int64_t estimate, budget;
};
llvm::SmallVector<OverBudget, 4> overBudget(const ResourceEstimate &e, const ResourceBudget &b);

/// "632,540 LUT estimated > 274,080 budget, ..." for every entry of `over`.
std::string describeOverBudget(llvm::ArrayRef<OverBudget> over);

/// An error naming every resource over budget (estimate and budget), or success.
llvm::Error checkFitsBudget(const Target &t);

/// "123,456 LUT (45%), 1,234 FF (1%), 512 DSP (20%), 300 BRAM36 (33%)" against `b`.
std::string formatEstimateSummary(const ResourceUse &u, const ResourceBudget &b);

/// The per-module table (LUT, FF, DSP, BRAM36), the total and the budget, as text.
void printResourceTable(const Target &t, const ResourceEstimate &e, llvm::raw_ostream &os);

} // namespace vimq::hw
