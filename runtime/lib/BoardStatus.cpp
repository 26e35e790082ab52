//===- BoardStatus.cpp - ABI images and the status block for the board devices -------*- C++ -*-===//

#include "BoardStatus.h"

#include "vimq/hw/Overlay.h"
#include "vimq/isa/Isa.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace vimq::rt {

static_assert(hw::abi::kInsnBytes == isa::kInstrBytes, "the ABI's instruction size is the ISA's");
static_assert(hw::abi::kStatusUnits == hw::kNumUnits, "one status unit per overlay unit");

std::vector<uint8_t> encodeProgram(ArrayRef<isa::Instr> code) {
  std::vector<uint8_t> bytes(code.size() * isa::kInstrBytes);
  for (size_t i = 0; i < code.size(); ++i)
    isa::storeInstr(code[i], bytes.data() + i * isa::kInstrBytes);
  return bytes;
}

std::vector<uint8_t> encodeBufferTable(const DdrImage &image) {
  std::vector<uint8_t> bytes(image.table.size() * hw::abi::kBufferEntryBytes);
  for (size_t i = 0; i < image.table.size(); ++i)
    hw::abi::encodeBufferEntry(bytes.data(), uint32_t(i), image.table[i].base,
                               image.table[i].size);
  return bytes;
}

Expected<hw::abi::StatusBlock> decodeStatusBlock(StringRef device, ArrayRef<uint8_t> bytes) {
  if (bytes.size() < hw::abi::kStatusBytes)
    return makeError("{0}: status block of {1} bytes, expected {2}", device, bytes.size(),
                     hw::abi::kStatusBytes);
  hw::abi::StatusBlock s = hw::abi::decodeStatus(bytes.data());
  if (s.magic != hw::abi::kStatusMagic)
    return makeError("{0}: no status block from the kernel (magic 0x{1:x-8}, expected "
                     "0x{2:x-8} 'VQST'): is the bitstream a vimq overlay, and did it run?",
                     device, s.magic, hw::abi::kStatusMagic);
  if (s.version != hw::abi::kAbiVersion)
    return makeError("{0}: the overlay speaks kernel ABI version {1}, this runtime {2}", device,
                     s.version, hw::abi::kAbiVersion);
  return s;
}

static std::string waitingUnits(uint32_t mask) {
  std::string out;
  ListSeparator sep(", ");
  for (unsigned u = 0; u < hw::kNumUnits; ++u)
    if ((mask >> u) & 1)
      out += (Twine(StringRef(sep)) + hw::unitName(static_cast<hw::Unit>(u))).str();
  return out.empty() ? "none" : out;
}

Expected<Profile> profileFromStatus(StringRef device, const hw::abi::StatusBlock &status,
                                    ArrayRef<isa::Instr> code) {
  if (status.error != 0) {
    auto err = static_cast<hw::OverlayError>(status.error);
    StringRef mnemonic = "?";
    if (status.errorInsn < code.size())
      if (const isa::OpcodeInfo *info = isa::lookupOpcode(isa::opcodeOf(code[status.errorInsn])))
        mnemonic = info->name;
    std::string msg = formatv("{0}: instruction {1} ({2}): {3}", device, status.errorInsn,
                              mnemonic, hw::overlayErrorName(err))
                          .str();
    if (err == hw::OverlayError::Deadlock || status.waitingUnits != 0)
      msg += "; waiting units: " + waitingUnits(status.waitingUnits);
    return makeError("{0}", msg);
  }
  Profile p;
  p.cycles = status.cycles;
  p.clockMhz = status.clockMhz;
  for (unsigned u = 0; u < hw::abi::kStatusUnits; ++u) {
    const uint64_t *c = status.counters[u];
    using namespace hw::abi;
    p.units.push_back({hw::unitName(static_cast<hw::Unit>(u)), c[kCounterInstructions],
                       c[kCounterBusy], c[kCounterStallCmd], c[kCounterStallToken],
                       c[kCounterStallFull], c[kCounterStallDdr], c[kCounterDdrBytes]});
  }
  return p;
}

bool uploadBuffer(const DdrImage::Buffer &b, bool resident) {
  return b.size != 0 && (!resident || b.kind == isa::BufferKind::input);
}

bool downloadBuffer(const DdrImage::Buffer &b, uint64_t generation) {
  return b.size != 0 && (generation == 0 || b.kind == isa::BufferKind::output);
}

} // namespace vimq::rt
