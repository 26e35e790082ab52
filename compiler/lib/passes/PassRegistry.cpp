//===- PassRegistry.cpp - name -> pass factory ------------------------------------------------===//
//
// Registration happens from the tools' main (registerXxxPasses()) before any thread starts, so
// the registry needs no lock. A std::map keeps registeredPasses() sorted by name for --help and
// error messages.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/passes/Pass.h"

#include <map>

namespace vimq {

namespace {
std::map<std::string, PassInfo, std::less<>> &registry() {
  static std::map<std::string, PassInfo, std::less<>> passes;
  return passes;
}
} // namespace

void registerPass(PassInfo info) {
  // Re-registering a name replaces the entry: registerXxxPasses() may be called by both a tool
  // and a library initialiser, and the factories are identical.
  std::string name = info.name;
  registry()[name] = std::move(info);
}

const PassInfo *lookupPass(llvm::StringRef name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<const PassInfo *> registeredPasses() {
  std::vector<const PassInfo *> out;
  for (const auto &[name, info] : registry())
    out.push_back(&info);
  return out;
}

} // namespace vimq
