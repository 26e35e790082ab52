//===- Fields.h - instruction words, opcodes and field access (HLS-safe) ---------*- C++ -*-===//
//
// The core of the ISA as plain C++ (no LLVM, no std containers, no exceptions), so that the
// overlay's HLS sources decode instructions with exactly the code the host tools use. Every name
// here is generated from Isa.def; nothing about the encoding is written twice.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <stdint.h>

// C++14 and STL-free: the overlay's synthesizable modules (hw/src, compiled as C++14 by Vitis
// HLS and by the synthesizability gate) decode instructions with this header.
namespace vimq {
namespace isa {

/// Bumped whenever an encoding or a field's meaning changes; part of the hardware fingerprint.
constexpr uint32_t kIsaVersion = 3;
/// Largest VECTOR `frac` for rmsnorm/grmsnorm: the integer factor datapath is 128 bits wide for
/// it (docs/overlay.md "Numerics"); the verifier refuses more.
constexpr unsigned kMaxNormFrac = 24;
/// Largest SSM `groups * n`: the engine stages one token's B and C rows (docs/isa.md).
constexpr unsigned kSsmMaxGroupState = 4096;
/// Fixed instruction width (docs/isa.md explains why 256 and not 128).
constexpr unsigned kInstrBits = 256;
constexpr unsigned kInstrWords = kInstrBits / 64;
constexpr unsigned kInstrBytes = kInstrBits / 8;

/// One instruction: word 0 holds bits 0..63. In memory each word is little-endian, word 0 first.
struct Instr {
  uint64_t w[kInstrWords] = {};
  constexpr bool operator==(const Instr &o) const {
    for (unsigned i = 0; i < kInstrWords; ++i)
      if (w[i] != o.w[i])
        return false;
    return true;
  }
};

/// A field's position: `width` bits starting at bit `offset` (1 <= width <= 64).
struct Field {
  uint16_t offset;
  uint16_t width;
};

constexpr uint64_t fieldMask(unsigned width) {
  return width >= 64 ? ~uint64_t(0) : ((uint64_t(1) << width) - 1);
}

/// Raw unsigned value of a field; handles fields that straddle a 64-bit word boundary.
constexpr uint64_t getBits(const Instr &in, Field f) {
  unsigned word = f.offset / 64, bit = f.offset % 64;
  uint64_t v = in.w[word] >> bit;
  if (bit + f.width > 64)
    v |= in.w[word + 1] << (64 - bit);
  return v & fieldMask(f.width);
}

/// Stores the low `f.width` bits of `v` (higher bits are dropped: verify() before encoding
/// catches out-of-range values, see Isa.h).
constexpr void setBits(Instr &in, Field f, uint64_t v) {
  unsigned word = f.offset / 64, bit = f.offset % 64;
  uint64_t m = fieldMask(f.width);
  v &= m;
  in.w[word] = (in.w[word] & ~(m << bit)) | (v << bit);
  if (bit + f.width > 64) {
    unsigned lo = 64 - bit; // bits already placed in `word`
    uint64_t mh = m >> lo;
    in.w[word + 1] = (in.w[word + 1] & ~mh) | (v >> lo);
  }
}

/// A field read as two's complement.
constexpr int64_t getSigned(const Instr &in, Field f) {
  uint64_t v = getBits(in, f);
  if (f.width < 64 && (v >> (f.width - 1)) & 1)
    v |= ~fieldMask(f.width);
  return static_cast<int64_t>(v);
}

//===-- enumerations, modules, opcodes --------------------------------------------------------===//

// Each VIMQ_ENUM closes the previous enum and opens its own; the first one closes this empty
// placeholder and the final brace closes the last enum.
enum class EnumListStart_ : uint8_t {
#define VIMQ_ENUM(Enum, Doc)                                                                     \
  }                                                                                              \
  ;                                                                                              \
  enum class Enum : uint8_t {
#define VIMQ_ENUM_VALUE(Enum, Name, Value) Name = Value,
#include "vimq/isa/Isa.def"
};

enum class Module : uint8_t {
#define VIMQ_MODULE(Name, Value) Name = Value,
#include "vimq/isa/Isa.def"
};
constexpr unsigned kNumModules = 0
#define VIMQ_MODULE(Name, Value) +1
#include "vimq/isa/Isa.def"
    ;

enum class Opcode : uint8_t {
#define VIMQ_OPCODE(Name, Value, Mod, Doc) Name = Value,
#include "vimq/isa/Isa.def"
};

constexpr bool isKnownOpcode(uint64_t v) {
  switch (v) {
#define VIMQ_OPCODE(Name, Value, Mod, Doc) case Value:
#include "vimq/isa/Isa.def"
    return true;
  default:
    return false;
  }
}

/// The module whose command queue receives `op` (FINISH goes to the fetch unit; it is listed
/// with `load` because the fetch unit shares LOAD's queue position, see docs/isa.md).
constexpr Module opcodeModule(Opcode op) {
  switch (op) {
#define VIMQ_OPCODE(Name, Value, Mod, Doc)                                                       \
  case Opcode::Name:                                                                             \
    return Module::Mod;
#include "vimq/isa/Isa.def"
  }
  return Module::load;
}

//===-- field positions: fld::LOAD_rows, fld::COMMON_opcode, ... -------------------------------===//

namespace fld {
#define VIMQ_FIELD(Op, Name, Offset, Width, Kind, Enum, Doc)                                     \
  constexpr Field Op##_##Name{Offset, Width};
#include "vimq/isa/Isa.def"
} // namespace fld

/// Bytes per element of a DDR element type (0 for an unknown value).
constexpr unsigned dtypeBytes(DType t) {
  switch (t) {
  case DType::i8:
  case DType::u8:
    return 1;
  case DType::i16:
  case DType::f16:
    return 2;
  case DType::i32:
  case DType::f32:
    return 4;
  }
  return 0;
}

constexpr Opcode opcodeOf(const Instr &in) {
  return static_cast<Opcode>(getBits(in, fld::COMMON_opcode));
}
constexpr uint8_t popMask(const Instr &in) {
  return static_cast<uint8_t>(getBits(in, fld::COMMON_pop));
}
constexpr uint8_t pushMask(const Instr &in) {
  return static_cast<uint8_t>(getBits(in, fld::COMMON_push));
}
constexpr uint8_t moduleBit(Module m) { return static_cast<uint8_t>(1u << unsigned(m)); }

/// A LOAD with `gather` set: on-chip row i comes from DDR row idx[i], idx[i] the int32 at
/// vec[idx_addr + i] (docs/isa.md, LOAD).
constexpr bool isGatherLoad(const Instr &in) {
  return opcodeOf(in) == Opcode::LOAD && getBits(in, fld::LOAD_gather) != 0;
}

/// DDR rows a LOAD or STORE may touch at ddr_off + r * ddr_stride: its `rows`, or for a
/// gathering LOAD the whole table of `limit` rows (which rows is known only at run time). The
/// static DMA range checks (isa::ddrRange, the bundle validator, the runtime) and the overlay's
/// own check all use this.
constexpr uint64_t dmaDdrRows(const Instr &in) {
  return isGatherLoad(in) ? getBits(in, fld::LOAD_limit)
                          : getBits(in, opcodeOf(in) == Opcode::LOAD ? fld::LOAD_rows
                                                                      : fld::STORE_rows);
}

/// A gathering LOAD into vec whose index words [idx_addr, idx_addr + rows) meet the elements
/// it writes (first to last, padding included): rows written early would change indices read
/// later, so the verifier and the overlay refuse it.
constexpr bool gatherIndicesOverlapDestination(const Instr &in) {
  if (!isGatherLoad(in) || static_cast<Buf>(getBits(in, fld::LOAD_buf)) != Buf::vec)
    return false;
  const uint64_t rows = getBits(in, fld::LOAD_rows) + getBits(in, fld::LOAD_pad_rows);
  const uint64_t width = getBits(in, fld::LOAD_cols) + getBits(in, fld::LOAD_pad_cols);
  if (rows == 0 || width == 0 || getBits(in, fld::LOAD_rows) == 0)
    return false;
  const uint64_t begin = getBits(in, fld::LOAD_addr);
  const uint64_t end = begin + (rows - 1) * getBits(in, fld::LOAD_pitch) + width;
  const uint64_t idx = getBits(in, fld::LOAD_idx_addr);
  return idx < end && begin < idx + getBits(in, fld::LOAD_rows);
}

/// Banking rule (ISA v2, docs/isa.md "Banking"): rows that an engine reads in parallel sit at a
/// row pitch coprime to 6, so that rows r .. r+B-1 land in B distinct banks of a memory
/// partitioned cyclically into B = 2^a * 3^b banks (every lane count of a target has that form).
/// LINEAR's `a_pitch` must satisfy it (when m > 1) and LINEAR's weight row j sits at
/// `w_addr + j * bankPitch(k)` (an implicit pitch: the field table has no room for one).
constexpr bool bankPitchOk(uint64_t pitch) { return pitch % 2 != 0 && pitch % 3 != 0; }
/// The smallest pitch >= k that satisfies bankPitchOk (at most k + 3).
constexpr uint64_t bankPitch(uint64_t k) {
  return bankPitchOk(k) ? k : bankPitchOk(k + 1) ? k + 1 : bankPitchOk(k + 2) ? k + 2 : k + 3;
}

/// Instruction from / to 32 little-endian bytes (the DDR image of the instruction stream).
constexpr Instr loadInstr(const uint8_t *bytes) {
  Instr in;
  for (unsigned i = 0; i < kInstrWords; ++i)
    for (unsigned b = 0; b < 8; ++b)
      in.w[i] |= uint64_t(bytes[i * 8 + b]) << (8 * b);
  return in;
}
constexpr void storeInstr(const Instr &in, uint8_t *bytes) {
  for (unsigned i = 0; i < kInstrWords; ++i)
    for (unsigned b = 0; b < 8; ++b)
      bytes[i * 8 + b] = static_cast<uint8_t>(in.w[i] >> (8 * b));
}

} // namespace isa
} // namespace vimq
