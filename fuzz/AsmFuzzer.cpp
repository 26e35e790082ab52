//===- AsmFuzzer.cpp - libFuzzer harness for the assembler ---------------------------------===//
//
// Any text must assemble to a validated bundle or give an error. A bundle that assembles must
// disassemble to text that assembles to the same bundle bytes, metadata aside: `.meta` takes
// one line, and the round trip of arbitrary metadata is a separate item of issue 13.
//
// `.init` reads .npy files relative to the (fictitious) source; run the harness in an empty
// directory so that it finds none.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/isa/ProgramAsm.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<vimq::isa::Bundle> b = vimq::isa::assembleProgram(text, "fuzz.s");
  if (!b) {
    llvm::consumeError(b.takeError());
    return 0;
  }
  b->metadata = vimq::isa::Bundle().metadata;
  llvm::Expected<std::string> bytes = vimq::isa::serializeBundle(*b);
  if (!bytes)
    std::abort();
  llvm::Expected<vimq::isa::Bundle> again =
      vimq::isa::assembleProgram(vimq::isa::disassembleProgram(*b, /*compact=*/false), "d.s");
  if (!again)
    std::abort();
  llvm::Expected<std::string> bytes2 = vimq::isa::serializeBundle(*again);
  if (!bytes2 || *bytes2 != *bytes)
    std::abort();
  return 0;
}
