//===- RowChains.h - chains of row-wise ops kept on chip (backend-private) ---------*- C++ -*-===//
//
// The VECTOR ops (q.Add … q.FWHT) and q.QuantizeTokens all tile over tokens with whole rows.
// A run of them that feed one another — the residual add, the RMSNorm and the quantizer before
// in_proj; the smoothing multiply and the quantizer before x_proj — is lowered as one tiled
// loop: per token tile, LOAD the chain's external inputs once, run its VECTOR instructions back
// to back on the vec half of the tile, STORE only the values something after the chain needs.
// findRowChains() decides which ops form a chain (the legality rule below); planRowChain() lays
// one tile out on chip; lowerRowChain() (LowerVector.cpp) emits it. An op on its own is a chain
// of one, so unfused and fused lowering are the same code.
//
// Legality (an op joins the chain of the op right before it in graph order when all hold):
//   - both are row-wise ops and the chain does not end in q.QuantizeTokens (its codes go to
//     the act buffer, which no VECTOR op reads);
//   - the op reads a value the chain defines as a row operand (never as its per-channel vector);
//   - it has the chain's row shape [R, C], and an operand broadcast over the batch has the
//     chain's period (tiles never cross a batch element);
//   - the extended chain still tiles with all its live rows (external inputs and
//     intermediates) plus its per-channel vectors and absmax in one half of the vec buffer
//     (and its codes in one half of act), at least min(period, linear_rows) tokens per tile:
//     a chain that only fits smaller tiles is split where it stops fitting.
// A chain ending in q.QuantizeTokens also takes the q.Linear right after it when that linear is
// the only user of both the codes and the absmax: VECTOR quant writes the codes into the act
// half and the absmax to the start of the vec half where LINEAR reads them (the same addresses
// the linear's own LOADs would fill), so the codes never go through DDR. The linear keeps its
// own token tiles (planLinear; a smaller tile would reload all its weights per tile): the
// chain's tiles are sub-tiles of it, each writing its rows of the codes and the absmax, the
// absmax region [linear tile] reserved at the start of every vec half. Not with a broadcast
// operand (the sub-tiles would have to stop at batch boundaries).
// A value the chain defines is stored to DDR iff it has a user outside the chain or is a graph
// output; one used both inside and outside (the residual stream) is stored, and its in-chain
// users read it on chip.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/backend/TargetInfo.h"

#include "vimq/ir/IR.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <optional>
#include <vector>

namespace vimq::backend {

/// How a row-wise op uses the VECTOR unit (VOp::quant for q.QuantizeTokens).
struct RowForm {
  isa::VOp vop;
  bool rowB = false;   ///< second row operand (operand 1)
  bool chanC = false;  ///< per-channel vector (operand 1, or 2 after a row operand b)
  bool approx = false; ///< PWL unit
};
std::optional<RowForm> rowFormOf(const ir::Op &op);

struct RowChain {
  /// Row-wise ops, then possibly the q.Linear the quantizer feeds on chip (`linear`).
  std::vector<const ir::Op *> ops;
  const ir::Op *linear = nullptr;
  int64_t rows = 0, cols = 0; ///< R x C of every row value
  int64_t period = 0;         ///< rows of a broadcast operand; == rows without one
  int64_t tokenTile = 0;      ///< 0: does not fit the buffers
  int64_t linearTile = 0;     ///< the linear's token tile (the chain's tiles are sub-tiles)
  bool quantize = false;      ///< ends in q.QuantizeTokens
  /// Word offsets inside a vec half: absmax [tokenTile, or linearTile with a linear] at 0 when
  /// `quantize`, then the per-channel vectors [C], then the row slots [tokenTile][C] (reused
  /// once a value is dead).
  llvm::DenseMap<const ir::Value *, int64_t> vecAt;
  /// Loaded at the start of every tile, in first-use order.
  std::vector<const ir::Value *> rowInputs, chanInputs;
  /// Defined by the chain and needed in DDR.
  llvm::SmallPtrSet<const ir::Value *, 8> stored;

  bool defines(const ir::Value *v) const;
  /// A row operand [period, C] shared by every batch element.
  bool broadcast(const ir::Value *v) const { return v->type().numel() != rows * cols; }
  /// The ops' names joined by " + " (dumps and errors).
  std::string describe() const;
};

/// Users of every value (ops in graph order), computed once per graph.
using UseMap = llvm::DenseMap<const ir::Value *, std::vector<const ir::Op *>>;
UseMap collectUses(const ir::Graph &g);

/// Lays `ops` (consecutive row-wise ops, each reading the chain) out on chip for `target`.
RowChain planRowChain(llvm::ArrayRef<const ir::Op *> ops, const ir::Graph &g, const UseMap &uses,
                      const TargetInfo &target);

/// Every row-wise op of `g` in exactly one chain, in graph order. With `fuse` false every
/// chain is a single op (LowerOptions::fuseRowChains).
std::vector<RowChain> findRowChains(const ir::Graph &g, const UseMap &uses,
                                    const TargetInfo &target, bool fuse);

} // namespace vimq::backend
