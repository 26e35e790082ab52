//===- TargetInfo.h - what the backend needs to know about a hardware target -------*- C++ -*-===//
//
// A thin view over hw::Target (hw/targets/<board>.json): the on-chip buffer capacities, their
// ping-pong halves, the engine tile sizes and the clock. Every number comes from the JSON file
// through vimq_hw_target; the backend keeps no copy of its own.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Target.h"
#include "vimq/isa/Fields.h"

#include "llvm/Support/Error.h"

namespace vimq::backend {

class TargetInfo {
public:
  /// `nameOrPath`: a board name (hw/targets/<name>.json) or a path ending in ".json".
  static llvm::Expected<TargetInfo> load(llvm::StringRef nameOrPath);
  explicit TargetInfo(hw::Target t) : T(std::move(t)) {}

  const hw::Target &hw() const { return T; }
  const std::string &name() const { return T.name(); }
  uint64_t fingerprint() const { return T.fingerprint(isa::kIsaVersion); }

  /// Capacity of an on-chip buffer in its elements (bytes for act/wgt, words for vec/state).
  int64_t capacity(isa::Buf b) const;
  /// One ping-pong half: tiles alternate between the two halves so that the LOAD of tile i+1
  /// never waits for the compute of tile i.
  int64_t half(isa::Buf b) const { return capacity(b) / 2; }

  int64_t linearRows() const { return T.linearRows(); }
  int64_t linearCols() const { return T.linearCols(); }
  int64_t clockMhz() const { return T.clockMhz(); }

private:
  hw::Target T;
};

} // namespace vimq::backend
