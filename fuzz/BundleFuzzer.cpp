//===- BundleFuzzer.cpp - libFuzzer harness for the bundle reader and validator ------------===//
//
// Any bytes must give a validated bundle or an error. A bundle that parses must serialize
// again (it passed the same validation) and read back to the same bytes.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/isa/Bundle.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::ArrayRef<uint8_t> bytes(data, size);
  llvm::Expected<vimq::isa::Bundle> b = vimq::isa::parseBundle(bytes, "fuzz.vimq");
  if (!b) {
    llvm::consumeError(b.takeError());
    return 0;
  }
  llvm::Expected<std::string> out = vimq::isa::serializeBundle(*b);
  if (!out)
    std::abort();
  llvm::ArrayRef<uint8_t> outBytes(reinterpret_cast<const uint8_t *>(out->data()), out->size());
  llvm::Expected<vimq::isa::Bundle> again = vimq::isa::parseBundle(outBytes, "again.vimq");
  if (!again)
    std::abort();
  llvm::Expected<std::string> out2 = vimq::isa::serializeBundle(*again);
  if (!out2 || *out2 != *out)
    std::abort();
  return 0;
}
