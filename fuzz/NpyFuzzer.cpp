//===- NpyFuzzer.cpp - libFuzzer harness for the .npy reader -------------------------------===//
//
// Any bytes must give a tensor or an error, never a crash, UB or an allocation the file does
// not pay for. A parsed tensor must serialize and parse back to itself.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/support/Npy.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<vimq::Tensor> t = vimq::parseNpy(bytes, "fuzz.npy");
  if (!t) {
    llvm::consumeError(t.takeError());
    return 0;
  }
  llvm::Expected<vimq::Tensor> back = vimq::parseNpy(vimq::serializeNpy(*t), "again.npy");
  if (!back || !back->sameAs(*t))
    std::abort();
  return 0;
}
