//===- Isa.h - host-side view of the ISA: tables, verification, DMA ranges -------*- C++ -*-===//
//
// Reflection over Isa.def for tools (assembler, disassembler, bundle reader, runtime): field
// names, kinds and enum spellings, the verifier, and the DDR range every LOAD/STORE touches.
// The HLS-safe core (instruction words and field access) is in Fields.h.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Fields.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace vimq::isa {

enum class FieldKind : uint8_t { U, S, B, E, M };

/// Which enumeration an E field takes its values from.
enum class EnumKind : uint8_t {
  None,
#define VIMQ_ENUM(Enum, Doc) Enum,
#include "vimq/isa/Isa.def"
};

struct FieldInfo {
  llvm::StringRef name;
  Field pos;
  FieldKind kind;
  EnumKind enumKind;
  llvm::StringRef doc;

  /// Largest and smallest encodable value.
  int64_t minValue() const;
  int64_t maxValue() const;
};

struct OpcodeInfo {
  llvm::StringRef name;
  Opcode opcode;
  Module module;
  llvm::StringRef doc;
  /// Opcode-specific fields in ascending bit order (the common ones are commonFields()).
  llvm::ArrayRef<FieldInfo> fields;

  const FieldInfo *findField(llvm::StringRef fieldName) const;
};

llvm::ArrayRef<OpcodeInfo> allOpcodes();
llvm::ArrayRef<FieldInfo> commonFields();
const OpcodeInfo *lookupOpcode(Opcode op);
const OpcodeInfo *lookupOpcode(llvm::StringRef name);

llvm::StringRef moduleName(Module m);
std::optional<Module> moduleFromName(llvm::StringRef name);
/// Spelling of value `v` of enumeration `e` ("" when `v` is not a value of it).
llvm::StringRef enumValueName(EnumKind e, uint64_t v);
std::optional<uint64_t> enumValueFromName(EnumKind e, llvm::StringRef name);
llvm::StringRef enumName(EnumKind e);

/// Value of field `f` of `in`, sign-extended for S fields.
int64_t getField(const Instr &in, const FieldInfo &f);

/// Starts an instruction with its opcode set and every other bit zero.
Instr makeInstr(Opcode op);
/// Sets a field by name after a range check; the error names the opcode and the field.
llvm::Error setField(Instr &in, llvm::StringRef fieldName, int64_t value);

/// Checks one instruction: known opcode, reserved bits zero, enum values defined, token masks
/// naming existing modules other than the executing one, and the per-opcode invariants of
/// docs/isa.md (non-empty shapes, legal buffer/type pairs, pitches covering rows, ...). The
/// message starts with "instruction <index> (<MNEMONIC>)".
llvm::Error verify(const Instr &in, size_t index);

/// The DDR bytes a LOAD reads or a STORE writes: [begin, end) of DDR buffer `buffer`.
struct DdrRange {
  uint32_t buffer;
  uint64_t begin;
  uint64_t end;
  bool write;
};
/// None for instructions that do not touch DDR or move zero bytes.
std::optional<DdrRange> ddrRange(const Instr &in);

} // namespace vimq::isa
