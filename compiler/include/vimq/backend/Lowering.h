//===- Lowering.h - q graph → tiled, annotated overlay program ----------------------*- C++ -*-===//
//
// lowerGraph() takes a verified quantized graph (dialect q, docs/numerics.md) and
//   1. gives every value a DDR tensor: constants packed into the weights buffer, the results
//      of q.FromFloat (tokens layout) in the input buffer (the runtime converts from f32), the
//      results of q.ToFloat in the output buffer, everything else in the scratch buffer with
//      its live interval (liveness-based reuse, DdrPlanner.h);
//   2. tiles every op to the target's on-chip buffers and selects its instructions (one file
//      per family: LowerLinear, LowerVector, LowerData, LowerSequence, LowerPatches), each
//      instruction annotated with the memory it touches for the token scheduler; runs of
//      row-wise ops that feed one another share one tiled loop and keep their intermediates
//      on chip (RowChains.h), so such a value gets a DDR tensor only if it is used elsewhere.
// An op the overlay cannot run, or a shape that does not fit even one tile, is an error that
// names the op; no partial program is returned.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/backend/DdrPlanner.h"
#include "vimq/backend/Program.h"
#include "vimq/backend/TargetInfo.h"

#include "vimq/ir/IR.h"
#include "vimq/isa/Bundle.h"

namespace vimq::backend {

/// How one op was tiled (the --emit=tiled dump and the metadata).
struct TileInfo {
  std::string origin;
  std::string kind;
  int64_t tokenTile = 0, channelTile = 0;
  unsigned tiles = 0;
  void print(llvm::raw_ostream &os) const;
};

/// Where the value an op produced can be read back after a run (debug mode): the q op, its
/// instruction range [firstInstr, endInstr) and its DDR tensor.
struct Checkpoint {
  std::string value, origin;
  unsigned firstInstr = 0, endInstr = 0;
  uint32_t buffer = 0;
  uint64_t offset = 0;
  std::string dtype; ///< "i32" or "i8"
  llvm::SmallVector<int64_t, 4> shape;
  int64_t frac = 0;
  /// In the scratch buffer: the bytes may be reused by a later value after this one's last
  /// use, so they hold this value only until then (the debug mode places values elsewhere).
  bool scratch = false;
  /// Passed on chip inside a fused row chain and never written to DDR (buffer and offset
  /// mean nothing; no debug-mode output).
  bool onChip = false;
  /// The output descriptor carrying it in debug mode ("" otherwise).
  std::string output;
};

struct Lowered {
  Program prog;
  DdrPlan plan;
  std::vector<isa::IoDesc> inputs, outputs;
  std::vector<TileInfo> tiles;
  std::vector<Checkpoint> checkpoints;
};

struct LowerOptions {
  /// Reuse scratch DDR after a tensor's last use.
  bool reuseScratch = true;
  /// Debug mode: every intermediate value that reaches DDR (all but those a row chain keeps
  /// on chip) gets its own bytes in the output buffer and an output descriptor named "cp<N>"
  /// (raw i32/i8, N = its index in `checkpoints`), so that an ordinary run returns all of them
  /// (vimq-debug-compare).
  bool checkpointOutputs = false;
  /// Lower runs of row-wise ops (VECTOR ops, q.QuantizeTokens) that feed one another as one
  /// tiled loop, their intermediates on chip (RowChains.h). Off: every op round-trips DDR.
  bool fuseRowChains = true;
};

llvm::Expected<Lowered> lowerGraph(const ir::Graph &g, const TargetInfo &target,
                                   const LowerOptions &opts = {});

} // namespace vimq::backend
