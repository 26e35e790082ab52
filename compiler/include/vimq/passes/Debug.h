//===- Debug.h - the project's own --debug-only ----------------------------------*- C++ -*-===//
//
// Release LLVM has no -debug-only, so vimq has its own:
//   VIMQ_DEBUG("lift-linear", llvm::dbgs() << "lift-linear: matched " << op.describe() << "\n");
// runs its statement only when "lift-linear" (or "all") is in --debug-only=a,b,c. (llvm::dbgs()
// is stderr in release LLVM.)
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/raw_ostream.h"

namespace vimq {
bool isDebugEnabled(llvm::StringRef type);
void setDebugOnly(llvm::StringRef commaSeparatedTypes);
} // namespace vimq

#define VIMQ_DEBUG(TYPE, X)                                                                        \
  do {                                                                                             \
    if (::vimq::isDebugEnabled(TYPE)) {                                                            \
      X;                                                                                           \
    }                                                                                              \
  } while (false)
