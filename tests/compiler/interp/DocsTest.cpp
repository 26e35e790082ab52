//===- DocsTest.cpp - docs/ir.md lists every op the interpreter implements ------------------===//
//
// docs/ir.md is the semantics contract; an op added to the interpreter without a line there
// fails this test.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/interp/Interpreter.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <regex>

TEST(Docs, IrMdNamesEverySupportedOp) {
  auto buf = llvm::MemoryBuffer::getFile(VIMQ_SOURCE_DIR "/docs/ir.md");
  ASSERT_TRUE(bool(buf)) << "cannot read docs/ir.md";
  std::string text = (*buf)->getBuffer().str();
  for (const std::string &kind : vimq::interp::supportedKinds()) {
    llvm::StringRef name = llvm::StringRef(kind).split('.').second;
    // Lifted ops appear as `vimq.Name`; standard ops as a word in the op lists.
    std::string pattern = llvm::StringRef(kind).startswith("vimq.")
                              ? "`" + kind + "`"
                              : "(^|[^A-Za-z])" + name.str() + "([^A-Za-z]|$)";
    EXPECT_TRUE(std::regex_search(text, std::regex(pattern))) << kind << " is not in docs/ir.md";
  }
}
