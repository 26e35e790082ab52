//===- Checksum.cpp - CRC-32 --------------------------------------------------------*- C++ -*-===//

#include "vimq/isa/Checksum.h"

#include <array>

namespace vimq::isa {
namespace {

constexpr std::array<uint32_t, 256> makeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kTable = makeTable();

} // namespace

uint32_t crc32(llvm::ArrayRef<uint8_t> bytes, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : bytes)
    crc = kTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

} // namespace vimq::isa
