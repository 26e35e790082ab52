//===- OpDefs.h - the lifted op set ----------------------------------------------*- C++ -*-===//
#pragma once

#include "vimq/ir/IR.h"

#include "llvm/ADT/StringRef.h"

namespace vimq::ir {

/// The lifted ops, "vimq.<Name>" (see OpDefs.def and docs/ir.md).
enum class LiftedOp {
#define VIMQ_OP(Name, MinOps, MaxOps, NumRes, Summary) Name,
#include "vimq/ir/OpDefs.def"
};

struct LiftedOpInfo {
  const char *name;     // "Linear"
  const char *kind;     // "vimq.Linear"
  unsigned minOperands, maxOperands, numResults;
  const char *summary;
};

/// Info for "vimq.<Name>", or null if `kind` is not a lifted op.
const LiftedOpInfo *lookupLiftedOp(llvm::StringRef kind);
llvm::ArrayRef<LiftedOpInfo> liftedOps();

/// Per-op invariants (arity, ranks, shape relations). Standard "onnx.*" ops are only checked
/// for structure here; their semantics are the ONNX spec's.
llvm::Error verifyOp(const Op &op);

} // namespace vimq::ir
