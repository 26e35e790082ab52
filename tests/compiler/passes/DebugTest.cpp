//===- DebugTest.cpp - the project's --debug-only ---------------------------------------------===//
#include "vimq/passes/Debug.h"

#include <gtest/gtest.h>

using namespace vimq;

TEST(Debug, SelectsTypes) {
  setDebugOnly("");
  EXPECT_FALSE(isDebugEnabled("lift-linear"));
  setDebugOnly("lift-linear, dce,,");
  EXPECT_TRUE(isDebugEnabled("lift-linear"));
  EXPECT_TRUE(isDebugEnabled("dce"));
  EXPECT_FALSE(isDebugEnabled("fold-constants"));
  EXPECT_FALSE(isDebugEnabled(""));

  int hits = 0;
  VIMQ_DEBUG("dce", ++hits);
  VIMQ_DEBUG("fold-constants", ++hits);
  EXPECT_EQ(hits, 1);

  setDebugOnly("all");
  EXPECT_TRUE(isDebugEnabled("fold-constants"));
  setDebugOnly("");
  EXPECT_FALSE(isDebugEnabled("dce"));
}
