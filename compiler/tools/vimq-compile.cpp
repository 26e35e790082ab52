//===- vimq-compile.cpp - the vimq compiler driver --------------------------------------------===//
//
// vimq-compile MODEL.onnx [-o OUT] [--emit=ir|summary] [--target T] [--scheme S]
//              [--print-after=P ...] [--dump-dir=DIR] [--time-passes] [--verify-each] ...
//
// Today the pipeline is the frontend (import + lifting); the later stages are accepted on the
// command line and rejected with "not implemented yet" so that no flag is silently ignored.
//
//===----------------------------------------------------------------------------------------===//
#include "OutputPaths.h"
#include "Pipeline.h"
#include "ToolOptions.h"

#include "vimq/onnx/Importer.h"
#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace vimq;
namespace cl = llvm::cl;

namespace {

constexpr const char *toolName = "vimq-compile";

enum class Emit { IR, Summary, Quant, Tiled, Asm, Bundle };

cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                               cl::cat(tools::toolCategory()));
cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(tools::toolCategory()));
cl::opt<Emit> emit("emit", cl::desc("What to produce"), cl::init(Emit::IR),
                   cl::values(clEnumValN(Emit::IR, "ir", "the IR after the pipeline"),
                              clEnumValN(Emit::Summary, "summary", "op counts, inputs, outputs"),
                              clEnumValN(Emit::Quant, "quant", "quantized IR (not yet)"),
                              clEnumValN(Emit::Tiled, "tiled", "tiled IR (not yet)"),
                              clEnumValN(Emit::Asm, "asm", "instruction listing (not yet)"),
                              clEnumValN(Emit::Bundle, "bundle", "a .vimq bundle (not yet)")),
                   cl::cat(tools::toolCategory()));
cl::opt<std::string> target("target", cl::desc("Hardware target (hw/targets/<name>.json)"),
                            cl::value_desc("name"), cl::cat(tools::toolCategory()));
cl::opt<std::string> scheme("scheme", cl::desc("Quantization scheme: fp32, vimq, fastmamba"),
                            cl::value_desc("name"), cl::init("fp32"),
                            cl::cat(tools::toolCategory()));

llvm::Error checkEmit() {
  const char *later = nullptr;
  switch (emit) {
  case Emit::IR:
  case Emit::Summary:
    return llvm::Error::success();
  case Emit::Quant:
    later = "quant";
    break;
  case Emit::Tiled:
    later = "tiled";
    break;
  case Emit::Asm:
    later = "asm";
    break;
  case Emit::Bundle:
    later = "bundle";
    break;
  }
  return makeError("not implemented yet: --emit={0} (only ir and summary exist today)", later);
}

llvm::Error writeOutput(llvm::StringRef text) {
  if (outputPath == "-") {
    llvm::outs() << text;
    return tools::flushStdout();
  }
  return writeFileAtomically(outputPath, text);
}

llvm::Error compile() {
  if (tools::listPassesRequested()) {
    tools::registerAllPasses();
    tools::printPassList(llvm::outs());
    return tools::flushStdout();
  }
  if (modelPath.empty())
    return makeError("no input model (usage: vimq-compile MODEL.onnx [options]; see --help)");
  if (llvm::Error e = tools::checkScheme(scheme))
    return e;
  if (llvm::Error e = tools::checkTarget(target))
    return e;
  if (llvm::Error e = checkEmit())
    return e;
  if (llvm::Error e = tools::checkOutputFile(outputPath))
    return e;

  tools::registerAllPasses();
  auto pm = tools::buildPipeline(tools::instrumentationFromOptions(), tools::customPipeline());
  if (!pm)
    return pm.takeError();
  auto graph = importOnnxFile(modelPath);
  if (!graph)
    return graph.takeError();
  if (llvm::Error e = (*pm)->run(**graph))
    return e;

  std::string text;
  llvm::raw_string_ostream os(text);
  if (emit == Emit::Summary)
    ir::printSummary(**graph, os);
  else
    ir::print(**graph, os);
  return writeOutput(os.str());
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  tools::parseToolCommandLine(argc, argv,
                              "vimq-compile: compile an ONNX state-space model for the vimq "
                              "FPGA overlay\n");
  if (llvm::Error e = compile())
    return reportError(toolName, std::move(e));
  return 0;
}
