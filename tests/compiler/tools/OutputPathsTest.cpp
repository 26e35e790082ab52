//===- OutputPathsTest.cpp - early checks of output paths -------------------------------------===//
#include "OutputPaths.h"
#include "TempDir.h"

#include "vimq/support/FileUtil.h"

#include <gtest/gtest.h>

using namespace vimq::tools;
using vimq::testing::TempDir;

namespace {
std::string errorOf(llvm::Error e) {
  EXPECT_TRUE(bool(e)) << "expected an error";
  return llvm::toString(std::move(e));
}
} // namespace

TEST(OutputPaths, CheckOutputDir) {
  TempDir tmp;
  EXPECT_FALSE(bool(checkOutputDir(tmp.file("new/nested"))));
  ASSERT_FALSE(bool(vimq::writeFileAtomically(tmp.file("file"), "x")));
  std::string msg = errorOf(checkOutputDir(tmp.file("file/sub")));
  EXPECT_NE(msg.find("--output "), std::string::npos) << msg;
  EXPECT_NE(msg.find("exists and is not a directory"), std::string::npos) << msg;
  EXPECT_NE(errorOf(checkOutputDir("")).find("empty folder name"), std::string::npos);
  // Nothing was created by the checks.
  EXPECT_EQ(tmp.list(), std::vector<std::string>{"file"});
}

TEST(OutputPaths, CheckOutputFile) {
  TempDir tmp;
  EXPECT_FALSE(bool(checkOutputFile("-")));
  EXPECT_FALSE(bool(checkOutputFile(tmp.file("out.ir"))));
  std::string msg = errorOf(checkOutputFile(tmp.file("missing/out.ir")));
  EXPECT_NE(msg.find("-o "), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  EXPECT_NE(errorOf(checkOutputFile(tmp.file(""))).find("is a directory"), std::string::npos);
  EXPECT_TRUE(tmp.list().empty());
}
