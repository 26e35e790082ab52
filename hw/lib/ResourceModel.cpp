//===- ResourceModel.cpp - first-order FPGA resource estimate -------------------------------===//

#include "vimq/hw/ResourceModel.h"

#include "vimq/support/Error.h"

using namespace vimq;
using namespace vimq::hw;

// One BRAM36 holds 36 Kibit = 4,608 bytes (ignoring parity bits).
static int64_t bram36For(int64_t bytes) { return (bytes + 4607) / 4608; }

ResourceEstimate vimq::hw::estimateResources(const Target &t) {
  ResourceEstimate e;
  auto add = [&](const char *unit, int64_t lut, int64_t ff, int64_t dsp, int64_t bram) {
    e.lines.push_back({unit, {lut, ff, dsp, bram}});
    e.total.lut += lut;
    e.total.ff += ff;
    e.total.dsp += dsp;
    e.total.bram36 += bram;
  };
  const int64_t macs = t.linearRows() * t.linearCols();
  // Control, FETCH, AXI masters and the s_axilite register file.
  add("control+axi", 18000, 24000, 0, 16);
  // LINEAR: an APoT-4 product is a 2-term shift-add selected by a LUT (~14 LUT) plus a 32-bit
  // accumulator (~32 LUT/FF); with DSPs, two int8 MACs share one DSP48 (operand packing) and
  // the APoT path still needs its shift-add LUTs.
  if (t.param("linear_dsp"))
    add("linear", macs * 20, macs * 40, (macs + 1) / 2, 0);
  else
    add("linear", macs * 46, macs * 40, 0, 0);
  // Per-block dequantisation: one 32x16 and one wide multiply per output column.
  add("dequant", t.linearCols() * 120, t.linearCols() * 160, t.linearCols() * 4, 0);
  // CONV: four taps per lane, shift-add or DSP.
  add("conv", t.param("conv_lanes") * 400, t.param("conv_lanes") * 500, t.param("conv_lanes") * 4,
      0);
  // SSM lane: exp argument (1 DSP), decay*h (2), xdt*B (4), h*C (4), PWL unit (~300 LUT), adders.
  add("ssm", t.ssmLanes() * 900, t.ssmLanes() * 1100, t.ssmLanes() * 11, 0);
  // VECTOR lane: 32x32 multiply (4 DSP), quantiser divider share, FWHT butterflies; plus one
  // double rsqrt/divide unit (~30 DSP, ~6k LUT).
  add("vector", t.vectorWidth() * 700 + 6000, t.vectorWidth() * 800 + 8000,
      t.vectorWidth() * 4 + 30, 0);
  // On-chip memories; FIFOs are LUTRAM/SRL (counted in control).
  add("buffers", 0, 0, 0,
      bram36For(t.param("act_buf_bytes")) + bram36For(t.param("wgt_buf_bytes")) +
          bram36For(4 * t.param("vec_buf_words")) + bram36For(4 * t.param("state_buf_words")));
  return e;
}

llvm::Error vimq::hw::checkFitsBudget(const Target &t) {
  ResourceEstimate e = estimateResources(t);
  const ResourceBudget &b = t.budget();
  std::pair<const char *, std::pair<int64_t, int64_t>> rows[] = {
      {"LUT", {e.total.lut, b.lut}},
      {"FF", {e.total.ff, b.ff}},
      {"DSP", {e.total.dsp, b.dsp}},
      {"BRAM36", {e.total.bram36, b.bram36}}};
  for (auto &[name, v] : rows)
    if (v.first > v.second)
      return makeError("target {0}: estimated {1} {2} exceeds the budget of {3}", t.name(), v.first,
                       name, v.second);
  return llvm::Error::success();
}
