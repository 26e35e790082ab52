//===- Version.h - what `--version` prints for every vimq tool -----------------------*- C++ -*-===//
#pragma once

#include "llvm/Support/raw_ostream.h"

namespace vimq::isa {

/// "vimq <version> (git <revision>), ISA v<N>, targets: <boards>" (the revision is the one the
/// build was configured from). Every tool installs it with llvm::cl::SetVersionPrinter.
void printVersion(llvm::raw_ostream &os);

} // namespace vimq::isa
