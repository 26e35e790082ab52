//===- ChecksumTest.cpp - the bundle CRC-32 (slicing-by-8) against a bitwise reference -------===//
//
// The runtime checks every bundle section with isa::crc32; its table-driven form must give the
// bit-at-a-time CRC-32/ISO-HDLC for every length, alignment and chaining split.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/isa/Checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

uint32_t bitwiseCrc(const uint8_t *p, size_t n, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

TEST(Checksum, SlicingMatchesBitwise) {
  std::mt19937 rng(5);
  std::vector<uint8_t> buf(300);
  for (auto &b : buf)
    b = uint8_t(rng());
  for (size_t off = 0; off < 9; ++off)
    for (size_t len = 0; off + len <= buf.size(); len += 1 + len / 7) {
      llvm::ArrayRef<uint8_t> r(buf.data() + off, len);
      ASSERT_EQ(vimq::isa::crc32(r), bitwiseCrc(r.data(), len)) << off << "+" << len;
      const size_t cut = len / 3; // chained: crc(a ++ b) = crc(b, crc(a))
      EXPECT_EQ(vimq::isa::crc32(r.drop_front(cut), vimq::isa::crc32(r.take_front(cut))),
                bitwiseCrc(r.data(), len));
    }
  const char *check = "123456789";
  EXPECT_EQ(vimq::isa::crc32(llvm::ArrayRef(reinterpret_cast<const uint8_t *>(check), 9)),
            0xCBF43926u);
}

} // namespace
