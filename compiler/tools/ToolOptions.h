//===- ToolOptions.h - command-line options shared by the vimq tools -------------*- C++ -*-===//
//
// Every vimq tool puts its options in toolCategory() and parses with parseToolCommandLine(),
// which hides whatever else LLVM Support registers, so --help lists only vimq's options. The
// pass-manager instrumentation flags (--print-after, --dump-dir, --time-passes, ...) and
// --debug-only are defined once here.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/passes/PassManager.h"

#include "llvm/ADT/Optional.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

namespace vimq::tools {

/// The one option category of the vimq tools.
llvm::cl::OptionCategory &toolCategory();

/// Hides LLVM's own options, installs the --version printer, parses, and applies --debug-only.
void parseToolCommandLine(int argc, char **argv, llvm::StringRef overview);

/// The instrumentation requested on the command line.
Instrumentation instrumentationFromOptions();

/// --pipeline=a,b,c if given (possibly empty), else None for the standard pipeline.
llvm::Optional<std::vector<std::string>> customPipeline();

/// --list-passes: when set, the tool prints printPassList() and exits successfully.
bool listPassesRequested();
/// "name  description" for every registered pass, sorted by name.
void printPassList(llvm::raw_ostream &os);

/// --scheme: "fp32", "vimq" or "fastmamba"; anything else is an unknown scheme.
llvm::Error checkScheme(llvm::StringRef scheme);

} // namespace vimq::tools
