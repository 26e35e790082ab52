//===- BundleLayout.h - byte layout of .vimq files (private) -----------------------*- C++ -*-===//
//
// Offsets and sizes from docs/bundle.md, shared by the reader and the writer, plus the
// little-endian helpers both use. All multi-byte integers are little-endian.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vimq::isa::layout {

inline constexpr size_t kAlign = 64;
inline constexpr size_t kHeaderSize = 64;
inline constexpr size_t kSectionEntrySize = 32;
inline constexpr size_t kMaxSections = 16;
inline constexpr size_t kTableHeaderSize = 8; // u32 count, u32 reserved
inline constexpr size_t kBufferEntrySize = 32;
inline constexpr size_t kIoEntrySize = 160;

// Header fields.
inline constexpr size_t kOffMagic = 0, kOffFormat = 8, kOffIsa = 12, kOffFingerprint = 16,
                        kOffTarget = 24, kOffSectionCount = 48, kOffHeaderCrc = 52,
                        kOffFileSize = 56;
inline constexpr size_t kTargetFieldSize = 24;

enum class SectionKind : uint32_t { code = 1, buffers = 2, data = 3, io = 4, metadata = 5 };
inline constexpr uint32_t kNumSectionKinds = 5;

inline const char *sectionName(uint32_t kind) {
  switch (kind) {
  case 1:
    return "code";
  case 2:
    return "buffers";
  case 3:
    return "data";
  case 4:
    return "io";
  case 5:
    return "metadata";
  default:
    return "unknown";
  }
}

inline uint64_t alignUp(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

template <typename T> T readLE(const uint8_t *p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(static_cast<uint64_t>(p[i]) << (8 * i));
  return v;
}

template <typename T> void writeLE(std::string &out, size_t at, T v) {
  auto u = static_cast<uint64_t>(v);
  for (size_t i = 0; i < sizeof(T); ++i)
    out[at + i] = static_cast<char>((u >> (8 * i)) & 0xFF);
}

} // namespace vimq::isa::layout
