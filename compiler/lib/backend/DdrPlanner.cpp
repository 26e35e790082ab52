//===- DdrPlanner.cpp - liveness-based DDR placement ------------------------------------------===//
//
// Weights, inputs and outputs are packed in insertion order. Scratch tensors are placed largest
// first (ties: earlier definition, then id), each at the lowest 64-aligned offset where it does
// not overlap a placed tensor whose live interval intersects its own: the classic greedy
// first-fit of offline buffer sharing, deterministic and within a few percent of the optimum on
// the chain-shaped liveness of SSM blocks.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/backend/DdrPlanner.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::backend;

static uint64_t alignUp(uint64_t v) { return (v + kDdrAlign - 1) / kDdrAlign * kDdrAlign; }

unsigned DdrPlan::add(DdrTensor t) {
  Tensors.push_back(std::move(t));
  return unsigned(Tensors.size() - 1);
}

uint64_t DdrPlan::scratchBytesWithoutReuse() const {
  uint64_t total = 0;
  for (const DdrTensor &t : Tensors)
    if (t.kind == DdrKind::scratch)
      total += alignUp(t.bytes);
  return total;
}

llvm::Error DdrPlan::plan() {
  if (Planned)
    return makeError("DDR plan: plan() called twice");
  Planned = true;
  llvm::SmallVector<unsigned, 64> scratch;
  for (unsigned id = 0; id < Tensors.size(); ++id) {
    DdrTensor &t = Tensors[id];
    if (t.bytes == 0)
      return makeError("DDR plan: tensor '{0}' has no bytes", t.name);
    if (t.kind == DdrKind::scratch) {
      if (t.first > t.last)
        return makeError("DDR plan: tensor '{0}' is last used ({1}) before it is defined ({2})",
                         t.name, t.last, t.first);
      scratch.push_back(id);
      continue;
    }
    if (t.kind != DdrKind::weights && !t.init.empty())
      return makeError("DDR plan: only weights have initial data ('{0}')", t.name);
    uint64_t &used = Bytes[unsigned(t.kind)];
    t.offset = used;
    used = alignUp(used + t.bytes);
  }

  llvm::stable_sort(scratch, [&](unsigned a, unsigned b) {
    const DdrTensor &x = Tensors[a], &y = Tensors[b];
    if (x.bytes != y.bytes)
      return x.bytes > y.bytes;
    return x.first < y.first;
  });
  llvm::SmallVector<unsigned, 64> placed;
  uint64_t &scratchBytes = Bytes[unsigned(DdrKind::scratch)];
  for (unsigned id : scratch) {
    DdrTensor &t = Tensors[id];
    // Address ranges of the placed tensors that are live at the same time, sorted by offset.
    llvm::SmallVector<std::pair<uint64_t, uint64_t>, 16> busy;
    for (unsigned o : placed) {
      const DdrTensor &u = Tensors[o];
      if (!Reuse || (u.first <= t.last && t.first <= u.last))
        busy.push_back({u.offset, u.offset + u.bytes});
    }
    llvm::sort(busy);
    uint64_t offset = 0;
    for (auto [begin, end] : busy) {
      if (offset + t.bytes <= begin)
        break;
      offset = std::max(offset, alignUp(end));
    }
    t.offset = offset;
    scratchBytes = std::max(scratchBytes, alignUp(offset + t.bytes));
    placed.push_back(id);
  }
  uint64_t total = 0;
  for (uint64_t b : Bytes)
    total += b;
  if (total > isa::kMaxTotalBufferBytes)
    return makeError("DDR plan: {0} bytes exceed the bundle's limit of {1}", total,
                     isa::kMaxTotalBufferBytes);
  return llvm::Error::success();
}

std::vector<isa::BufferDesc> DdrPlan::bufferTable() const {
  static constexpr isa::BufferKind kinds[kNumDdrKinds] = {
      isa::BufferKind::weights, isa::BufferKind::input, isa::BufferKind::output,
      isa::BufferKind::scratch};
  std::vector<isa::BufferDesc> table;
  for (unsigned k = 0; k < kNumDdrKinds; ++k) {
    if (!Bytes[k])
      continue;
    isa::BufferDesc d;
    d.id = k;
    d.kind = kinds[k];
    d.size = Bytes[k];
    if (DdrKind(k) == DdrKind::weights) {
      // Initial data only up to the last initialised byte; the rest starts as zero anyway.
      uint64_t initEnd = 0;
      for (const DdrTensor &t : Tensors)
        if (t.kind == DdrKind::weights && !t.init.empty())
          initEnd = std::max(initEnd, t.offset + t.init.size());
      d.init.assign(initEnd, 0);
      for (const DdrTensor &t : Tensors)
        if (t.kind == DdrKind::weights && !t.init.empty())
          std::copy(t.init.begin(), t.init.end(), d.init.begin() + t.offset);
    }
    table.push_back(std::move(d));
  }
  return table;
}
