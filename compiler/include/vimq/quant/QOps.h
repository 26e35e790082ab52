//===- QOps.h - the quantized `q` dialect: op table, attribute accessors, verifier -*- C++ -*-===//
//
// The q ops (QOpDefs.def, docs/numerics.md) are what the quantization passes produce, what the
// golden model evaluates and what the backend lowers to instructions. Attributes are read only
// through the accessors below so that their names and defaults are spelled in one place.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/ir/IR.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace vimq::quant {

enum class QOp {
#define VIMQ_QOP(Name, MinOps, MaxOps, NumRes, Summary) Name,
#include "vimq/quant/QOpDefs.def"
};

struct QOpInfo {
  QOp op;
  const char *name; // "Linear"
  const char *kind; // "q.Linear"
  unsigned minOperands, maxOperands, numResults;
  const char *summary;
};

/// Info for "q.<Name>", or null when `kind` is not a q op.
const QOpInfo *lookupQOp(llvm::StringRef kind);
llvm::ArrayRef<QOpInfo> qOps();
inline bool isQOp(const ir::Op &op) { return lookupQOp(op.kind()) != nullptr; }

/// Weight formats of q.Linear / q.Conv1d (attribute `wfmt`).
enum class WeightFormat { APoT4, APoT5, Int8 };
/// Activation fused into q.Linear (attribute `act`).
enum class LinearAct { None, SiLU, Softplus };

/// Blocks of 32 along K per weight scale (DESIGN §5).
inline constexpr int64_t kDefaultBlock = 32;
/// The largest `frac` the ISA can encode (6-bit field).
inline constexpr int64_t kMaxFrac = 63;
/// The largest `frac` of q.RMSNorm / q.GatedRMSNorm (isa::kMaxNormFrac: the overlay's integer
/// norm factor is 128 bits wide for it; activations use at most 16).
inline constexpr int64_t kMaxNormFrac = 24;
/// The largest `shift` the ISA can encode (7-bit field).
inline constexpr int64_t kMaxShift = 127;
/// The largest q.FromIndex `limit`: ids become int32 on the device.
inline constexpr int64_t kMaxIndexLimit = INT32_MAX;

// ---- accessors (each returns the attribute or its documented default) ----------------------
int64_t getFrac(const ir::Op &op);  // `frac`: Q format of the result (and of the operands
                                    // where the engine has one format)
int64_t getShift(const ir::Op &op); // `shift`: RNE right shift of products, default 0
int64_t getImm(const ir::Op &op);   // `imm`: MulImm multiplier / FWHT scale, default 1
int64_t getLog2Group(const ir::Op &op); // `log2g`: FWHT group 2^log2g (and the older
                                        // spelling of a power-of-two GatedRMSNorm group)
/// Columns per group of q.GatedRMSNorm, 0 for the whole row: `group` (any divisor of the
/// columns: Mamba2 with ngroups > 1 normalises per d_inner/ngroups columns, e.g. 96), else
/// 2^`log2g` when log2g > 0. The verifier refuses both attributes disagreeing.
int64_t getNormGroup(const ir::Op &op);
int64_t getIndex(const ir::Op &op);     // `index`: InsertToken / TakeToken
int64_t getBlock(const ir::Op &op);     // `block`: Linear weight-scale block along K
int64_t getLimit(const ir::Op &op);     // `limit`: FromIndex, the number of valid ids (rows V
                                        // of the embedding table), no default (0)
/// `eps` of the norms as the fp32 value the VECTOR instruction carries in `imm`.
float getEps(const ir::Op &op);
llvm::Expected<WeightFormat> getWeightFormat(const ir::Op &op); // `wfmt`
llvm::Expected<LinearAct> getLinearAct(const ir::Op &op);       // `act`, default "none"
bool hasSiLU(const ir::Op &op);                                 // Conv1d `silu`, default 0
/// FromFloat `layout`: "tokens" (default) or "patches" with `patch` = [ph, pw].
bool isPatchLayout(const ir::Op &op);
/// Slice / FromFloat helpers.
int64_t getBegin(const ir::Op &op);
int64_t getEnd(const ir::Op &op);
llvm::StringRef weightFormatName(WeightFormat f);
llvm::StringRef linearActName(LinearAct a);

/// Per-op invariants of a q op: arity, dtypes (i32 activations, i8/u8 codes, u16 mantissas),
/// shapes and attribute ranges the ISA can encode. Errors name the op (`op.describe()`).
llvm::Error verifyQOp(const ir::Op &op);

/// A fully quantized graph: structurally valid (ir::verify), only q ops, each verified.
llvm::Error verifyQuantizedGraph(const ir::Graph &g);

} // namespace vimq::quant
