//===- DdrPlanner.h - liveness-based placement of tensors in DDR buffers -----------*- C++ -*-===//
//
// Every tensor the program touches in DDR gets a (buffer, offset). There are four buffers, one
// per kind, because the runtime checks every DMA against the kind of its buffer: weights and
// constants packed into one read-only buffer, inputs and outputs in their own buffers, and the
// activations in one scratch buffer whose regions are reused once a tensor is dead.
//
// Liveness is an interval [first, last] of program positions (any monotone numbering, e.g. the
// index of the op that defines / last uses the tensor). Two scratch tensors may share bytes
// only if their intervals are disjoint.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Bundle.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace vimq::backend {

/// Fixed buffer ids of the bundle's buffer table (only the non-empty ones are emitted).
enum class DdrKind : uint32_t { weights = 0, input = 1, output = 2, scratch = 3 };
inline constexpr unsigned kNumDdrKinds = 4;

/// Every tensor starts at a multiple of this (one AXI burst / cache line).
inline constexpr uint64_t kDdrAlign = 64;

struct DdrTensor {
  std::string name;
  DdrKind kind = DdrKind::scratch;
  uint64_t bytes = 0;
  /// Live interval (scratch only): defined at `first`, last read at `last` (inclusive).
  unsigned first = 0, last = 0;
  /// Initial bytes (weights only).
  std::vector<uint8_t> init;
  // Results of plan():
  uint64_t offset = 0;
};

class DdrPlan {
public:
  /// Returns the tensor's id (an index; ids are dense and in insertion order).
  unsigned add(DdrTensor t);
  /// Without reuse every scratch tensor keeps its own bytes (the debug mode reads every
  /// intermediate value after the run).
  void setReuse(bool reuse) { Reuse = reuse; }
  /// Places every tensor; call once, after the last add(). Deterministic: the same tensors in
  /// the same order give the same offsets.
  llvm::Error plan();

  const DdrTensor &tensor(unsigned id) const { return Tensors[id]; }
  size_t size() const { return Tensors.size(); }
  /// Bytes used by one buffer (0 when it holds nothing).
  uint64_t bufferBytes(DdrKind k) const { return Bytes[unsigned(k)]; }
  /// Bytes the scratch buffer would need without reuse (for reports).
  uint64_t scratchBytesWithoutReuse() const;
  /// The bundle's buffer table: every non-empty buffer, weights with their initial data.
  std::vector<isa::BufferDesc> bufferTable() const;

private:
  std::vector<DdrTensor> Tensors;
  uint64_t Bytes[kNumDdrKinds] = {};
  bool Planned = false;
  bool Reuse = true;
};

} // namespace vimq::backend
