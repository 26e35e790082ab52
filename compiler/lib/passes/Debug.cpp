//===- Debug.cpp - the project's own --debug-only ---------------------------------------------===//
//
// Release builds of LLVM compile -debug-only out, and we link the release libLLVMSupport.a, so
// the set of enabled debug types is kept here. It is set once by the tools before any pass runs.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/passes/Debug.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"

namespace vimq {

namespace {
llvm::StringSet<> &enabledTypes() {
  static llvm::StringSet<> types;
  return types;
}
} // namespace

bool isDebugEnabled(llvm::StringRef type) {
  const llvm::StringSet<> &types = enabledTypes();
  // The common case (no --debug-only) must cost one branch in every VIMQ_DEBUG.
  if (types.empty())
    return false;
  return types.contains("all") || types.contains(type);
}

void setDebugOnly(llvm::StringRef commaSeparatedTypes) {
  llvm::StringSet<> &types = enabledTypes();
  types.clear();
  llvm::SmallVector<llvm::StringRef, 4> parts;
  commaSeparatedTypes.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef p : parts)
    if (!p.trim().empty())
      types.insert(p.trim());
}

} // namespace vimq
