//===- PassManager.h - runs a pipeline of passes with LLVM-style instrumentation -*- C++ -*-===//
#pragma once

#include "vimq/passes/Pass.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace vimq {

struct Instrumentation {
  bool printAfterAll = false;
  bool printBeforeAll = false;
  std::vector<std::string> printAfter;  // pass names
  std::vector<std::string> printBefore; // pass names
  /// One numbered file per pass: DIR/NN-<pass>.ir (NN = position in the pipeline, from 00).
  /// DIR/00-input.ir holds the graph before the first pass.
  std::string dumpDir;
  bool timePasses = false;
  bool verifyEach = false;
  /// Where --print-* output goes (stderr by default, like LLVM).
  llvm::raw_ostream *printStream = nullptr;
  /// Where the --time-passes table goes (stderr by default, like LLVM).
  llvm::raw_ostream *timeStream = nullptr;
};

class PassManager {
public:
  explicit PassManager(Instrumentation instr = {}) : instr_(std::move(instr)) {}
  void add(std::unique_ptr<Pass> p) { passes_.push_back(std::move(p)); }
  /// Adds a registered pass by name; error if unknown.
  llvm::Error add(llvm::StringRef name);
  llvm::ArrayRef<std::unique_ptr<Pass>> passes() const { return passes_; }

  /// Runs every pass in order. Verifies the input and (with verifyEach) after each pass; always
  /// verifies at the end. Errors are prefixed with the pass name.
  llvm::Error run(ir::Graph &g);

  /// Checks that every name in printAfter/printBefore names a pass of this pipeline; the error
  /// lists the valid names.
  llvm::Error checkInstrumentationNames() const;

  const Instrumentation &instrumentation() const { return instr_; }

private:
  Instrumentation instr_;
  std::vector<std::unique_ptr<Pass>> passes_;
};

} // namespace vimq
