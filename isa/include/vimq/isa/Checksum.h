//===- Checksum.h - CRC-32 for bundle sections ------------------------------------*- C++ -*-===//
//
// CRC-32/ISO-HDLC (the zlib/PNG CRC: reflected polynomial 0xEDB88320, initial value and final
// xor 0xFFFFFFFF). Check value: crc32("123456789") = 0xCBF43926. Written here rather than taken
// from zlib so that the runtime has no compression dependency.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace vimq::isa {

/// Continues a CRC over `bytes`; start with crc = 0.
uint32_t crc32(llvm::ArrayRef<uint8_t> bytes, uint32_t crc = 0);

} // namespace vimq::isa
