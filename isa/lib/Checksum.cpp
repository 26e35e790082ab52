//===- Checksum.cpp - CRC-32 --------------------------------------------------------*- C++ -*-===//
//
// Table-driven slicing-by-8: table k maps a byte to its CRC contribution k bytes further on, so
// eight input bytes fold into the CRC with eight independent lookups (instead of a chain of
// eight dependent ones). The same polynomial and the same value as the byte-at-a-time loop,
// which handles the tail.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/isa/Checksum.h"

#include <array>

namespace vimq::isa {
namespace {

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables makeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (int k = 1; k < 8; ++k)
    for (uint32_t i = 0; i < 256; ++i)
      t[k][i] = t[0][t[k - 1][i] & 0xFF] ^ (t[k - 1][i] >> 8);
  return t;
}
constexpr Tables kTables = makeTables();

} // namespace

uint32_t crc32(llvm::ArrayRef<uint8_t> bytes, uint32_t crc) {
  crc = ~crc;
  const uint8_t *p = bytes.data();
  size_t n = bytes.size();
  for (; n >= 8; n -= 8, p += 8) {
    // Little-endian assembly of the first four bytes, independent of the host's byte order.
    const uint32_t lo = crc ^ (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
                               uint32_t(p[3]) << 24);
    crc = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
          kTables[4][lo >> 24] ^ kTables[3][p[4]] ^ kTables[2][p[5]] ^ kTables[1][p[6]] ^
          kTables[0][p[7]];
  }
  for (; n; --n, ++p)
    crc = kTables[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

} // namespace vimq::isa
