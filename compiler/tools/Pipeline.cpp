//===- Pipeline.cpp - the pass pipeline of the tools ------------------------------------------===//
#include "Pipeline.h"

#include "vimq/onnx/Importer.h"
#include "vimq/support/Error.h"

namespace vimq::tools {

void registerAllPasses() {
  registerGenericPasses();
  registerFrontendPasses();
}

llvm::Expected<std::unique_ptr<PassManager>>
buildPipeline(const Instrumentation &instr,
              const llvm::Optional<std::vector<std::string>> &passNames) {
  auto pm = std::make_unique<PassManager>(instr);
  if (passNames) {
    for (const std::string &name : *passNames)
      if (llvm::Error e = pm->add(name))
        return withContext(std::move(e), "--pipeline");
  } else {
    buildFrontendPipeline(*pm);
  }
  if (llvm::Error e = pm->checkInstrumentationNames())
    return e;
  return pm;
}

} // namespace vimq::tools
