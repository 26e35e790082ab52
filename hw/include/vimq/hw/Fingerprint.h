//===- Fingerprint.h - hardware fingerprint of a target -----------------------------*- C++ -*-===//
//
// The fingerprint identifies "which overlay": the ISA version plus every synthesis parameter of
// the target. The bitstream exposes it in a read-only register; the runtime compares it with the
// bundle's before running. It is computed by this one constexpr routine both from the generated
// header (sim / HLS, at compile time) and from the target JSON (compiler / runtime, at run time).
//
// Definition: FNV-1a 64 over the bytes of "isa=<version>;" followed by "<key>=<value>;" for every
// parameter in ascending byte order of the key (values in decimal, no leading zeros).
//
// Plain C++ without LLVM or the standard library so that HLS accepts it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <stdint.h>

namespace vimq {
namespace hw {

class FingerprintBuilder {
public:
  constexpr FingerprintBuilder() = default;

  constexpr void addBytes(const char *s) {
    for (; *s; ++s)
      addByte(static_cast<uint8_t>(*s));
  }
  constexpr void addDecimal(uint64_t v) {
    char digits[20] = {};
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0)
      addByte(static_cast<uint8_t>(digits[--n]));
  }
  constexpr void addIsaVersion(uint64_t version) {
    addBytes("isa=");
    addDecimal(version);
    addBytes(";");
  }
  /// Parameters must be added in ascending key order.
  constexpr void addParam(const char *key, uint64_t value) {
    addBytes(key);
    addBytes("=");
    addDecimal(value);
    addBytes(";");
  }
  constexpr uint64_t value() const { return hash; }

private:
  constexpr void addByte(uint8_t b) {
    hash ^= b;
    hash *= 0x100000001b3ULL;
  }
  uint64_t hash = 0xcbf29ce484222325ULL;
};

} // namespace hw
} // namespace vimq
