//===- Pass.h - a transformation over the graph IR ------------------------------*- C++ -*-===//
//
// Passes are small classes, one per file, with a stable command-line name ("lift-linear") used
// by --print-after=, --print-before=, --dump-dir file names and --time-passes.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/ir/IR.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <memory>

namespace vimq {

class Pass {
public:
  virtual ~Pass() = default;
  /// Command-line name, kebab-case: "fold-constants", "lift-linear".
  virtual llvm::StringRef name() const = 0;
  /// One line for --help-passes / docs/passes.md.
  virtual llvm::StringRef description() const = 0;
  /// Transforms `g` in place. Returns whether anything changed, or an error naming the node.
  virtual llvm::Expected<bool> run(ir::Graph &g) = 0;
};

/// Global registry: name -> factory (for --print-after validation and test pipelines).
struct PassInfo {
  std::string name, description;
  std::function<std::unique_ptr<Pass>()> create;
};
void registerPass(PassInfo info);
const PassInfo *lookupPass(llvm::StringRef name);
std::vector<const PassInfo *> registeredPasses(); // sorted by name

/// Static registration helper: `static PassRegistration<LiftLinear> reg;` in the pass's file
/// does not survive static-library linking, so each library exposes a `registerXxxPasses()`
/// function instead, called once by the tools; this template keeps those functions one line
/// per pass.
template <typename P> void registerPassType() {
  P p;
  registerPass({p.name().str(), p.description().str(), [] { return std::make_unique<P>(); }});
}

/// Registers the generic passes of vimq_passes ("dce"), usable in any pipeline.
void registerGenericPasses();

} // namespace vimq
