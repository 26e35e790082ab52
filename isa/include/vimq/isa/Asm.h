//===- Asm.h - text form of single instructions ------------------------------------*- C++ -*-===//
//
//   MNEMONIC field=value, field=value, ... [; pop=mod,mod] [push=mod,...]
//
// Omitted fields are zero; enum fields take their names; values are decimal or 0x-hex. The
// printer emits fields in bit order, so print -> parse -> print is the identity.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Isa.h"

namespace vimq::isa {

/// One instruction as text. `allFields` prints zero-valued fields too (objdump); otherwise only
/// non-zero fields appear (compact listings).
std::string printInstr(const Instr &in, bool allFields = false);

/// Parses one instruction (no comment, no label). Does not verify(): callers decide when.
llvm::Expected<Instr> parseInstr(llvm::StringRef text);

} // namespace vimq::isa
