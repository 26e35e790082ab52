//===- InstrBuilder.h - range-checked instruction construction (backend-private) ----*- C++ -*-===//
//
// Sets fields through the Isa.def positions and remembers the first value that does not fit its
// field, so a lowering can build a whole instruction and check once. A value that does not fit
// is a compile error (naming the op), never a silently truncated field.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Isa.h"
#include "vimq/support/Error.h"

#include <string>

namespace vimq::backend {

class InstrBuilder {
public:
  explicit InstrBuilder(isa::Opcode op) : In(isa::makeInstr(op)) {}

  InstrBuilder &set(isa::Field f, int64_t v) {
    bool fits = v >= 0 && (f.width >= 63 || uint64_t(v) <= isa::fieldMask(f.width));
    if (!fits && Bad.empty())
      Bad = llvm::formatv("{0} does not fit a {1}-bit field at bit {2}", v, f.width, f.offset)
                .str();
    isa::setBits(In, f, uint64_t(v));
    return *this;
  }
  /// A signed field (VECTOR imm).
  InstrBuilder &setSigned(isa::Field f, int64_t v) {
    int64_t lim = int64_t(1) << (f.width - 1);
    if ((v < -lim || v >= lim) && Bad.empty())
      Bad = llvm::formatv("{0} does not fit a signed {1}-bit field", v, f.width).str();
    isa::setBits(In, f, uint64_t(v));
    return *this;
  }
  template <typename E> InstrBuilder &setEnum(isa::Field f, E e) {
    return set(f, int64_t(e));
  }

  /// The instruction, or an error naming `origin` and the opcode.
  llvm::Expected<isa::Instr> take(llvm::StringRef origin) const {
    if (!Bad.empty())
      return makeError("{0}: {1} operand {2}", origin,
                       isa::lookupOpcode(isa::opcodeOf(In))->name, Bad);
    return In;
  }

private:
  isa::Instr In;
  std::string Bad;
};

} // namespace vimq::backend
