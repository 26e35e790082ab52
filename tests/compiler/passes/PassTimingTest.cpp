//===- PassTimingTest.cpp - layout of the --time-passes table ---------------------------------===//
//
// Fixed times (never measured ones), so the exact text can be compared.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/passes/PassTiming.h"

#include <gtest/gtest.h>

using namespace vimq;

TEST(PassTiming, SortedTableWithPercentages) {
  PassTimingReport r;
  r.add("fold-constants", 0.25);
  r.add("lift-linear", 0.5);
  r.add("fold-constants", 0.125);
  r.accumulate("(verifier)", 0.0625);
  r.accumulate("(verifier)", 0.0625);
  EXPECT_DOUBLE_EQ(r.totalSeconds(), 1.0);
  std::string text;
  llvm::raw_string_ostream os(text);
  r.print(os);
  EXPECT_EQ(os.str(),
            "===-------------------------------------------------------------------------===\n"
            "                      ... Pass execution timing report ...\n"
            "===-------------------------------------------------------------------------===\n"
            "  Total Execution Time: 1.0000 seconds (1.0000 wall clock)\n"
            "\n"
            "   ---Wall Time---  --- Name ---\n"
            "    0.5000 ( 50.0%)  lift-linear\n"
            "    0.2500 ( 25.0%)  fold-constants\n"
            "    0.1250 ( 12.5%)  fold-constants #2\n"
            "    0.1250 ( 12.5%)  (verifier)\n"
            "    1.0000 (100.0%)  Total\n"
            "\n");
}

TEST(PassTiming, ZeroTotalPrintsZeroPercent) {
  PassTimingReport r;
  r.add("noop", 0.0);
  std::string text;
  llvm::raw_string_ostream os(text);
  r.print(os);
  EXPECT_NE(os.str().find("0.0000 (  0.0%)  noop"), std::string::npos) << os.str();
  EXPECT_EQ(os.str().find("nan"), std::string::npos) << os.str();
}
