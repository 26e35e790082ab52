//===- BundleRunFuzzer.cpp - libFuzzer harness: read, validate and run a bundle on the sim ===//
//
// A bundle that passes validation is safe to run (isa/Bundle.h): whatever its program does,
// the sim must finish, report an error, or detect a deadlock, never crash. Inputs are zeros.
// The file size and the checksums are repaired first (docs/bundle.md), so that mutations get
// past them to the semantic checks and the sim; vimq-fuzz-Bundle fuzzes them as they come.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/isa/Bundle.h"
#include "vimq/isa/Checksum.h"
#include "vimq/runtime/Session.h"

#include <cstdlib>

using namespace vimq;

namespace {

uint64_t readLE(const std::vector<uint8_t> &v, size_t at, int bytes) {
  uint64_t x = 0;
  for (int i = 0; i < bytes; ++i)
    x |= uint64_t(v[at + i]) << (8 * i);
  return x;
}
void writeLE(std::vector<uint8_t> &v, size_t at, uint64_t x, int bytes) {
  for (int i = 0; i < bytes; ++i)
    v[at + i] = uint8_t(x >> (8 * i));
}

/// Header: file size at 56, section count at 48, header CRC at 52; the table of 32-byte
/// entries (offset at +8, size at +16, CRC at +24) starts at 64.
void repairChecksums(std::vector<uint8_t> &v) {
  if (v.size() < 64)
    return;
  writeLE(v, 56, v.size(), 8);
  uint64_t n = std::min<uint64_t>(readLE(v, 48, 4), (v.size() - 64) / 32);
  for (uint64_t i = 0; i < n; ++i) {
    size_t e = 64 + 32 * i;
    uint64_t off = readLE(v, e + 8, 8), size = readLE(v, e + 16, 8);
    if (off <= v.size() && size <= v.size() - off)
      writeLE(v, e + 24, isa::crc32(llvm::ArrayRef(v).slice(off, size)), 4);
  }
  writeLE(v, 52, 0, 4);
  writeLE(v, 52, isa::crc32(llvm::ArrayRef(v).take_front(64 + 32 * n)), 4);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<rt::Device> sim = [] {
    llvm::Expected<std::unique_ptr<rt::Device>> d = rt::Device::open("sim");
    if (!d)
      std::abort();
    return std::move(*d);
  }();
  std::vector<uint8_t> bytes(data, data + size);
  repairChecksums(bytes);
  llvm::Expected<isa::Bundle> b = isa::parseBundle(bytes, "fuzz.vimq");
  if (!b) {
    llvm::consumeError(b.takeError());
    return 0;
  }
  b->fingerprint = sim->fingerprint(); // run whatever target it names
  llvm::Expected<rt::Session> s = rt::Session::create(*b, *sim);
  if (!s) {
    llvm::consumeError(s.takeError());
    return 0;
  }
  rt::TensorMap inputs;
  for (const isa::IoDesc &io : b->inputs)
    inputs.emplace(io.name, Tensor(rt::hostDType(io), io.shape));
  llvm::Expected<rt::TensorMap> out = s->run(inputs);
  if (!out)
    llvm::consumeError(out.takeError());
  return 0;
}
