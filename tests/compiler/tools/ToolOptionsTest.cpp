//===- ToolOptionsTest.cpp - the options shared by the tools ----------------------------------===//
#include "ToolOptions.h"

#include "vimq/passes/Debug.h"

#include <gtest/gtest.h>

using namespace vimq::tools;

TEST(ToolOptions, Scheme) {
  EXPECT_FALSE(bool(checkScheme("fp32")));
  EXPECT_FALSE(bool(checkScheme("vimq")));
  EXPECT_FALSE(bool(checkScheme("fastmamba")));
  EXPECT_EQ(llvm::toString(checkScheme("int3")),
            "unknown --scheme 'int3'; expected one of: fp32, vimq, fastmamba");
}

TEST(ToolOptions, ParsesInstrumentationFlags) {
  vimq::Instrumentation off = instrumentationFromOptions();
  EXPECT_FALSE(off.printAfterAll);
  EXPECT_TRUE(off.printAfter.empty());
  EXPECT_TRUE(off.dumpDir.empty());
  EXPECT_FALSE(customPipeline().hasValue());

  const char *argv[] = {"tool",
                        "--print-after=lift-linear,dce",
                        "--print-after=fold-constants",
                        "--print-before-all",
                        "--dump-dir=stages",
                        "--time-passes",
                        "--verify-each",
                        "--debug-only=dce,lift-norms",
                        "--pipeline=fold-constants,,dce"};
  parseToolCommandLine(int(std::size(argv)), const_cast<char **>(argv), "test\n");
  vimq::Instrumentation on = instrumentationFromOptions();
  EXPECT_EQ(on.printAfter, (std::vector<std::string>{"lift-linear", "dce", "fold-constants"}));
  EXPECT_TRUE(on.printBefore.empty());
  EXPECT_TRUE(on.printBeforeAll);
  EXPECT_FALSE(on.printAfterAll);
  EXPECT_EQ(on.dumpDir, "stages");
  EXPECT_TRUE(on.timePasses);
  EXPECT_TRUE(on.verifyEach);
  EXPECT_TRUE(vimq::isDebugEnabled("lift-norms"));
  EXPECT_FALSE(vimq::isDebugEnabled("lift-linear"));
  ASSERT_TRUE(customPipeline().hasValue());
  EXPECT_EQ(*customPipeline(), (std::vector<std::string>{"fold-constants", "dce"}));

  llvm::cl::ResetAllOptionOccurrences();
  vimq::setDebugOnly("");
  EXPECT_TRUE(instrumentationFromOptions().printAfter.empty());
}
