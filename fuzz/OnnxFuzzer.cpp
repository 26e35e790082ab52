//===- OnnxFuzzer.cpp - libFuzzer harness for the ONNX importer and the frontend ------------===//
//
// Any bytes must import and lift to a verified FP32 graph, or give an error: never a crash, an
// abort from the ONNX library (checker, shape inference), an unbounded allocation or a hang.
// The importer reads files (external data resolves relative to the model's folder), so each
// input is written to a per-process temporary file first.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/ir/IR.h"
#include "vimq/onnx/Importer.h"
#include "vimq/passes/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

namespace {

std::string scratchPath() {
  static std::string path = [] {
    llvm::SmallString<128> p;
    if (llvm::sys::fs::createTemporaryFile("vimq-fuzz", "onnx", p))
      std::abort();
    return std::string(p);
  }();
  return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string path = scratchPath();
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      std::abort();
    os.write(reinterpret_cast<const char *>(data), size);
  }
  auto graph = vimq::importOnnxFile(path);
  if (!graph) {
    llvm::consumeError(graph.takeError());
    return 0;
  }
  vimq::PassManager pm;
  vimq::buildFrontendPipeline(pm);
  if (llvm::Error e = pm.run(**graph))
    llvm::consumeError(std::move(e));
  return 0;
}
