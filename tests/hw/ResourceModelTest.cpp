//===- ResourceModelTest.cpp - the structural resource model --------------------------------===//

#include "vimq/hw/ResourceModel.h"

#include <gtest/gtest.h>

#include <map>

using namespace vimq::hw;

namespace {

/// A shipped target with some params (and optionally the part) replaced.
Target variant(const char *board, const std::map<std::string, int64_t> &overrides,
               const std::string &part = "") {
  auto base = Target::loadByName(board);
  EXPECT_TRUE(bool(base)) << llvm::toString(base.takeError());
  const ResourceBudget &b = base->budget();
  std::string json = "{\"name\":\"variant\",\"part\":\"" + (part.empty() ? base->part() : part) +
                     "\",\"resources\":{\"lut\":" + std::to_string(b.lut) +
                     ",\"ff\":" + std::to_string(b.ff) + ",\"dsp\":" + std::to_string(b.dsp) +
                     ",\"bram36\":" + std::to_string(b.bram36) + "},\"params\":{";
  bool first = true;
  for (const auto &[key, value] : base->params()) {
    auto it = overrides.find(key);
    json += (first ? "\"" : ",\"") + key + "\":" + std::to_string(it == overrides.end()
                                                                        ? value
                                                                        : it->second);
    first = false;
  }
  json += "}}";
  auto t = Target::parse(json, "variant.json");
  EXPECT_TRUE(bool(t)) << llvm::toString(t.takeError());
  return std::move(*t);
}

ResourceEstimate estimate(const Target &t) {
  auto e = estimateResources(t);
  EXPECT_TRUE(bool(e)) << llvm::toString(e.takeError());
  return std::move(*e);
}

ResourceUse line(const ResourceEstimate &e, llvm::StringRef unit) {
  for (const ResourceLine &l : e.lines)
    if (l.unit == unit)
      return l.use;
  ADD_FAILURE() << "no line " << unit.str();
  return {};
}

} // namespace

TEST(ResourceModel, DspTilingKnownCases) {
  for (DspKind k : {DspKind::DSP48E1, DspKind::DSP48E2}) {
    EXPECT_EQ(dspTilesForMultiply(8, 8, k), 1);
    EXPECT_EQ(dspTilesForMultiply(18, 18, k), 1);
    EXPECT_EQ(dspTilesForMultiply(25, 18, k), 1);
    EXPECT_EQ(dspTilesForMultiply(32, 17, k), 2); // int32 x uint16
    EXPECT_EQ(dspTilesForMultiply(32, 32, k), 4); // 2 x 2 tiles on both
    EXPECT_EQ(dspTilesForMultiply(48, 32, k), 4);
    EXPECT_EQ(dspTilesForMultiply(0, 32, k), 0);
  }
  // 27x18 is one DSP48E2 but needs a second DSP48E1 (25-bit A port).
  EXPECT_EQ(dspTilesForMultiply(27, 18, DspKind::DSP48E2), 1);
  EXPECT_EQ(dspTilesForMultiply(27, 18, DspKind::DSP48E1), 2);
  EXPECT_EQ(dspTilesForMultiply(18, 27, DspKind::DSP48E2), 1); // either orientation
  // 64x64: 3 x 4 pieces on 27x18 (27 + 26 + 26 >= 64; 18 + 17 * 3 >= 64).
  EXPECT_EQ(dspTilesForMultiply(64, 64, DspKind::DSP48E2), 12);
}

TEST(ResourceModel, PartFamilies) {
  auto zu = dspKindOfPart("xczu9eg-ffvb1156-2-e");
  auto v7 = dspKindOfPart("xc7vx690tffg1761-2");
  ASSERT_TRUE(zu && v7);
  EXPECT_EQ(*zu, DspKind::DSP48E2);
  EXPECT_EQ(*v7, DspKind::DSP48E1);
  auto unknown = dspKindOfPart("ep4sgx230");
  ASSERT_FALSE(bool(unknown));
  EXPECT_NE(llvm::toString(unknown.takeError()).find("ep4sgx230"), std::string::npos);
  // A target on an unknown part cannot be estimated: an error naming the target.
  auto e = estimateResources(variant("zcu102", {}, "mystery-part"));
  ASSERT_FALSE(bool(e));
  std::string msg = llvm::toString(e.takeError());
  EXPECT_NE(msg.find("variant"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mystery-part"), std::string::npos) << msg;
}

TEST(ResourceModel, BramRounding) {
  // 4 KiB of data per BRAM36 = 2 KiB per BRAM18 at any width up to 32 bits.
  EXPECT_EQ(memoryCost(1, 2048, 8).bram18, 1);
  EXPECT_EQ(memoryCost(1, 2049, 8).bram18, 2); // one byte more: another half
  EXPECT_EQ(memoryCost(1, 512, 32).bram18, 1);
  EXPECT_EQ(memoryCost(1, 1024, 32).bram36(), 1);
  EXPECT_EQ(memoryCost(1, 4096, 9).bram18, 2); // 9 bits: parity-width ports, still 2 K deep
  // A small bank still takes a whole BRAM18; under 1 Kibit it is LUTRAM instead.
  EXPECT_EQ(memoryCost(1, 200, 8).bram18, 1);
  ResourceUse tiny = memoryCost(1, 64, 8);
  EXPECT_EQ(tiny.bram18, 0);
  EXPECT_EQ(tiny.lut, 12); // RAM64M: 64 x 3 per 4 LUTs, 3 of them for 8 bits
  // Banking rounds every bank: 16 banks of 100 bytes each are LUTRAM, of 2,100 bytes 2 BRAM18.
  EXPECT_EQ(memoryCost(16, 100, 8).bram18, 0);
  EXPECT_EQ(memoryCost(16, 2100, 8).bram18, 32);
  // Wider than 36 bits: 36-bit columns side by side (a 256-bit burst buffer of 256 beats).
  EXPECT_EQ(memoryCost(1, 256, 256).bram18, 8);
  // The shipped zcu102 act buffer, 256 KiB in 16 banks: exactly 64 BRAM36 (not 57, the old
  // 4,608-byte figure).
  EXPECT_EQ(line(estimate(variant("zcu102", {})), "mem act").bram36(), 64);
}

TEST(ResourceModel, ShiftAddMacsScaleWithTheArray) {
  // zcu102 (linear_dsp 0): the MAC array is LUTs only; LINEAR's DSPs are the epilogue's,
  // per column lane, so they do not change with the rows.
  auto lin = [](int64_t rows, int64_t cols) {
    return line(estimate(variant("zcu102", {{"linear_rows", rows}, {"linear_cols", cols}})),
                "linear");
  };
  ResourceUse a = lin(16, 16), b = lin(32, 16), c = lin(16, 32);
  EXPECT_EQ(a.dsp, b.dsp);
  EXPECT_EQ(c.dsp, 2 * a.dsp);
  // 256 more MACs, each at least an APoT shift-add (2 x 12 mux + 16 add + 32 acc) and an 8x8
  // LUT multiplier (32), plus a wider drain select.
  EXPECT_GE(b.lut - a.lut, 256 * (24 + 16 + 32 + 32));
  EXPECT_LE(b.lut - a.lut, 256 * (24 + 16 + 32 + 32) + 16 * 32 * 10);
  // Quadrupling the array about quadruples the MAC part.
  ResourceUse d = lin(32, 32);
  EXPECT_GT(d.lut, 3 * a.lut);
}

TEST(ResourceModel, Int8MacsOnDsp48E2PackTwoPerSlice) {
  auto linearDsp = [](const char *board, const std::string &part, int64_t useDsp) {
    return line(estimate(variant(board, {{"linear_dsp", useDsp}}, part)), "linear").dsp;
  };
  // zcu102's 16 x 16 array: 128 slices on UltraScale+ (two MACs sharing the activation each).
  EXPECT_EQ(linearDsp("zcu102", "", 1) - linearDsp("zcu102", "", 0), 16 * 16 / 2);
  // The same array on a 7-series part: one MAC per DSP48E1.
  EXPECT_EQ(linearDsp("zcu102", "xc7vx690tffg1761-2", 1) -
                linearDsp("zcu102", "xc7vx690tffg1761-2", 0),
            16 * 16);
  // vc709's 48 x 32 array on its DSP48E1: 1,536 slices for the MACs.
  EXPECT_EQ(linearDsp("vc709", "", 1) - linearDsp("vc709", "", 0), 48 * 32);
}

TEST(ResourceModel, TotalsAreTheSumOfTheLines) {
  ResourceEstimate e = estimate(variant("vc709", {}));
  ResourceUse sum;
  for (const ResourceLine &l : e.lines)
    sum += l.use;
  EXPECT_EQ(sum.lut, e.total.lut);
  EXPECT_EQ(sum.ff, e.total.ff);
  EXPECT_EQ(sum.dsp, e.total.dsp);
  EXPECT_EQ(sum.bram18, e.total.bram18);
  for (const char *unit : {"fetch", "load", "linear", "conv", "ssm", "vector", "store",
                           "token fifos", "mem act", "mem wgt", "mem vec", "mem state"})
    EXPECT_GT(line(e, unit).lut + line(e, unit).bram18, 0) << unit;
}

TEST(ResourceModel, OversizedBufferIsOverBudget) {
  // 8 MiB of activations: more than the part's 912 BRAM36 (3.6 MiB).
  Target big = variant("zcu102", {{"act_buf_bytes", int64_t(8) << 20}});
  llvm::Error err = checkFitsBudget(big);
  ASSERT_TRUE(bool(err));
  std::string msg = llvm::toString(std::move(err));
  EXPECT_NE(msg.find("BRAM36 estimated > 912 budget"), std::string::npos) << msg;
  auto over = overBudget(estimate(big), big.budget());
  ASSERT_EQ(over.size(), 1u);
  EXPECT_STREQ(over[0].resource, "BRAM36");
  // 8 MiB / 4 KiB = 2,048 BRAM36 for act instead of the shipped 64; nothing else changes.
  EXPECT_EQ(over[0].estimate, estimate(variant("zcu102", {})).total.bram36() + 2048 - 64);
}

TEST(ResourceModel, ShippedTargets) {
  // Both shipped targets fit their part.
  for (const char *board : {"zcu102", "vc709"}) {
    Target t = variant(board, {});
    llvm::Error err = checkFitsBudget(t);
    EXPECT_FALSE(bool(err)) << board << ": " << llvm::toString(std::move(err));
    // Every lane count is 2^a * 3^b, so that a row pitch coprime to 6 (isa::bankPitch) spreads
    // parallel rows over distinct banks.
    for (const char *lanes :
         {"linear_rows", "linear_cols", "conv_lanes", "ssm_lanes", "vector_width"}) {
      int64_t n = t.param(lanes);
      while (n > 0 && n % 2 == 0)
        n /= 2;
      while (n > 0 && n % 3 == 0)
        n /= 3;
      EXPECT_EQ(n, 1) << board << ": " << lanes << " = " << t.param(lanes);
    }
  }
  // vc709 (48 x 32 LINEAR: 1,536 APoT shift-add MACs and 1,536 DSP48E1 int8 MACs; 32 CONV,
  // SSM and VECTOR lanes) keeps a margin for what the model does not see (docs/resources.md):
  // LUT and DSP at most 86% of the part, block RAM at most half. When vc709.json is retuned,
  // docs/resources.md's tables change with it.
  Target v = variant("vc709", {});
  ResourceEstimate e = estimate(v);
  EXPECT_LE(e.total.lut * 100, v.budget().lut * 86) << e.total.lut;
  EXPECT_LE(e.total.dsp * 100, v.budget().dsp * 86) << e.total.dsp;
  EXPECT_LE(e.total.bram36() * 2, v.budget().bram36) << e.total.bram36();
  // FastMamba's design point on this board: 1,536 int8 MACs per cycle, on DSPs.
  EXPECT_EQ(v.linearRows() * v.linearCols(), 1536);
  EXPECT_EQ(v.param("linear_dsp"), 1);
  // The previous vc709 point (32 x 48 LINEAR, 64 SSM lanes) is over its LUT and DSP budget.
  auto over = overBudget(estimate(variant("vc709", {{"linear_rows", 32},
                                                    {"linear_cols", 48},
                                                    {"ssm_lanes", 64}})),
                         v.budget());
  ASSERT_EQ(over.size(), 2u);
  EXPECT_STREQ(over[0].resource, "LUT");
  EXPECT_STREQ(over[1].resource, "DSP");
}

TEST(ResourceModel, SummaryLine) {
  ResourceUse u{137000, 1, 252, 1823};
  ResourceBudget b{274000, 4, 2520, 912};
  EXPECT_EQ(formatEstimateSummary(u, b),
            "137,000 LUT (50%), 1 FF (25%), 252 DSP (10%), 912 BRAM36 (100%)");
}
