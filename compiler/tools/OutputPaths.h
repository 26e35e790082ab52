//===- OutputPaths.h - early checks of the tools' output paths -------------------*- C++ -*-===//
//
// A run that can only fail at its very end (after minutes of work) because -o names a missing
// folder is a waste; these checks run before any work and create nothing.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "llvm/Support/Error.h"

namespace vimq::tools {

/// `dir` is a directory, or can be created under its nearest existing ancestor, which must be a
/// writable directory. `flag` names the option in errors ("--output").
llvm::Error checkOutputDir(llvm::StringRef dir, llvm::StringRef flag = "--output");

/// `path` ("-" is stdout and always fine) is not a directory and its folder exists and is
/// writable, so that the final atomic rename can succeed.
llvm::Error checkOutputFile(llvm::StringRef path, llvm::StringRef flag = "-o");

/// Flushes stdout and reports a failed write (a full disk, a closed pipe) as an error instead of
/// the fatal "IO failure on output stream" LLVM would raise at exit.
llvm::Error flushStdout();

} // namespace vimq::tools
