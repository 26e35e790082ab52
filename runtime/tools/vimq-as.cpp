//===- vimq-as.cpp - assemble a hand-written program into a .vimq bundle -------------===//
//
//   vimq-as prog.s -o prog.vimq
//
// Syntax: isa/include/vimq/isa/ProgramAsm.h and docs/isa.md. A program that names its target
// (`.target zcu102`) but gives no `.fingerprint` gets the target's fingerprint from
// hw/targets/<name>.json, so it runs on that target's device. The output is written atomically
// and only after the whole program has been validated.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/Target.h"
#include "vimq/isa/ProgramAsm.h"

#include "vimq/support/Error.h"

#include "vimq/isa/Version.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace {
cl::OptionCategory category("vimq-as options");
cl::opt<std::string> inputPath(cl::Positional, cl::desc("<program.s> (- for stdin)"), cl::Required,
                               cl::cat(category));
cl::opt<std::string> outputPath("o", cl::desc("output bundle"), cl::value_desc("file.vimq"),
                                cl::Required, cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter(vimq::isa::printVersion);
  cl::ParseCommandLineOptions(argc, argv, "vimq assembler\n");
  ErrorOr<std::unique_ptr<MemoryBuffer>> text = MemoryBuffer::getFileOrSTDIN(inputPath);
  if (!text)
    return vimq::reportError("vimq-as", vimq::makeError("{0}: cannot read: {1}", inputPath,
                                                        text.getError().message()));
  Expected<vimq::isa::Bundle> bundle =
      vimq::isa::assembleProgram((*text)->getBuffer(), inputPath);
  if (!bundle)
    return vimq::reportError("vimq-as", bundle.takeError());
  // 0 means "not given": FNV-1a never yields 0 for the fingerprint's non-empty input in practice.
  if (!bundle->target.empty() && bundle->fingerprint == 0) {
    Expected<vimq::hw::Target> target = vimq::hw::Target::loadByName(bundle->target);
    if (!target)
      return vimq::reportError("vimq-as", target.takeError());
    bundle->fingerprint = target->fingerprint(vimq::isa::kIsaVersion);
  }
  if (Error e = vimq::isa::writeBundleFile(outputPath, *bundle))
    return vimq::reportError("vimq-as", std::move(e));
  return 0;
}
