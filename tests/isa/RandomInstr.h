//===- RandomInstr.h - random valid-field instructions for round-trip tests ----*- C++ -*-===//
#pragma once

#include "vimq/isa/Isa.h"

#include <random>

namespace vimq::isa::test {

/// An instruction of opcode `info` with every field set to a random encodable value (enum
/// fields to a defined value, token masks to existing modules other than the executing one).
/// Field *invariants* (pitches, shapes) are not respected: round trips do not need them.
inline Instr randomInstr(const OpcodeInfo &info, std::mt19937_64 &rng) {
  Instr in = makeInstr(info.opcode);
  for (const FieldInfo &f : info.fields) {
    uint64_t v = rng() & fieldMask(f.pos.width);
    if (f.kind == FieldKind::E)
      while (enumValueName(f.enumKind, v).empty())
        v = rng() & fieldMask(f.pos.width);
    setBits(in, f.pos, v);
  }
  uint8_t allowed = static_cast<uint8_t>((1u << kNumModules) - 1);
  allowed &= static_cast<uint8_t>(~moduleBit(info.module));
  setBits(in, fld::COMMON_pop, rng() & allowed);
  setBits(in, fld::COMMON_push, rng() & allowed);
  return in;
}

} // namespace vimq::isa::test
