//===- ToolOptionsTest.cpp - scheme/target checks shared by the tools -------------------------===//
#include "ToolOptions.h"

#include <gtest/gtest.h>

using namespace vimq::tools;

TEST(ToolOptions, SchemeAndTarget) {
  EXPECT_FALSE(bool(checkScheme("fp32")));
  EXPECT_FALSE(bool(checkTarget("")));
  EXPECT_EQ(llvm::toString(checkScheme("vimq")).rfind("not implemented yet: --scheme=vimq", 0),
            0u);
  EXPECT_EQ(llvm::toString(checkScheme("int3")),
            "unknown --scheme 'int3'; expected one of: fp32, vimq, fastmamba");
  EXPECT_EQ(llvm::toString(checkTarget("zcu102")).rfind("not implemented yet: --target=zcu102",
                                                        0),
            0u);
}

TEST(ToolOptions, DefaultInstrumentationIsOff) {
  vimq::Instrumentation instr = instrumentationFromOptions();
  EXPECT_FALSE(instr.printAfterAll);
  EXPECT_TRUE(instr.printAfter.empty());
  EXPECT_TRUE(instr.dumpDir.empty());
  EXPECT_FALSE(instr.timePasses);
  EXPECT_FALSE(customPipeline().hasValue());
}
