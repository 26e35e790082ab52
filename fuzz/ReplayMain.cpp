//===- ReplayMain.cpp - run a fuzz harness over files, without libFuzzer --------------------===//
//
// Linked with a harness instead of libFuzzer, so that its seed corpus and the inputs that once
// crashed it (fuzz/regressions/<harness>/) run as ordinary regression tests with any compiler:
//   vimq-fuzz-replay-<harness> FILE_OR_DIR...
// Each file goes through LLVMFuzzerTestOneInput once; a broken property aborts, as it does
// under libFuzzer.
//
//===----------------------------------------------------------------------------------------===//

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!llvm::sys::fs::is_directory(argv[i])) {
      files.push_back(argv[i]);
      continue;
    }
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(argv[i], ec), end; it != end && !ec;
         it.increment(ec))
      if (!llvm::sys::fs::is_directory(it->path()))
        files.push_back(it->path());
    if (ec) {
      llvm::errs() << argv[i] << ": " << ec.message() << "\n";
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string &f : files) {
    auto buf = llvm::MemoryBuffer::getFile(f, /*IsText=*/false);
    if (!buf) {
      llvm::errs() << f << ": " << buf.getError().message() << "\n";
      return 1;
    }
    llvm::outs() << "replay " << f << "\n";
    llvm::outs().flush();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
                           (*buf)->getBufferSize());
  }
  llvm::outs() << files.size() << " inputs replayed\n";
  return files.empty() ? 1 : 0;
}
