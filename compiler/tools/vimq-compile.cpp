//===- vimq-compile.cpp - the vimq compiler driver --------------------------------------------===//
//
// vimq-compile MODEL.onnx -o OUT.vimq --target zcu102 --scheme vimq
//              [--emit=ir|summary|quant|tiled|asm|bundle] [--serialize]
//              [--print-after=P ...] [--dump-dir=DIR] [--time-passes] [--verify-each] ...
// vimq-compile --print-resources --target zcu102
//
// With --target, the target's modeled resources (hw/ResourceModel.h) are printed to stderr in
// one line, and a target over its board's budget is refused unless --allow-over-budget is
// given (design-space exploration), which turns the refusal into a warning.
//
// Pipeline: import → frontend passes → (scheme vimq) the ViM-Q quantization passes, shared
// with vimq-ref through quant::buildVimqPipeline so both see the identical quantized graph →
// (emit tiled/asm/bundle) the backend: tiling + DDR planning + instruction selection
// (--emit=tiled dumps it), token scheduling (--emit=asm), bundle emission (--emit=bundle).
// The default output is the bundle when --target is given, else the IR.
//
//===----------------------------------------------------------------------------------------===//
#include "OutputPaths.h"
#include "Pipeline.h"
#include "ToolOptions.h"

#include "vimq/backend/Compile.h"
#include "vimq/hw/ResourceModel.h"
#include "vimq/isa/Bundle.h"
#include "vimq/runtime/Session.h"
#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace vimq;
namespace cl = llvm::cl;

namespace {

constexpr const char *toolName = "vimq-compile";

enum class Emit { Auto, IR, Summary, Quant, Tiled, Asm, Bundle };

cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(tools::toolCategory()));
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce (default: bundle with --target, else ir)"),
    cl::init(Emit::Auto),
    cl::values(clEnumValN(Emit::IR, "ir", "the IR after the pipeline"),
               clEnumValN(Emit::Summary, "summary", "op counts, inputs, outputs"),
               clEnumValN(Emit::Quant, "quant", "the quantized (q) IR"),
               clEnumValN(Emit::Tiled, "tiled", "per-op tiling and the DDR plan"),
               clEnumValN(Emit::Asm, "asm", "the scheduled instruction listing"),
               clEnumValN(Emit::Bundle, "bundle", "a .vimq bundle")),
    cl::cat(tools::toolCategory()));
cl::opt<std::string> target("target", cl::desc("Hardware target (hw/targets/<name>.json, or a "
                                               "path to such a file)"),
                            cl::value_desc("name"), cl::cat(tools::toolCategory()));
cl::opt<bool> allowOverBudget(
    "allow-over-budget",
    cl::desc("Compile for a target whose modeled resources exceed its board's budget "
             "(exploration; prints a warning instead of an error)"),
    cl::cat(tools::toolCategory()));
cl::opt<bool> printResources(
    "print-resources",
    cl::desc("Print the target's per-module resource estimate (a model, not synthesis) and exit"),
    cl::cat(tools::toolCategory()));
cl::opt<std::string> scheme("scheme", cl::desc("Quantization scheme: fp32, vimq, fastmamba"),
                            cl::value_desc("name"), cl::init("fp32"),
                            cl::cat(tools::toolCategory()));
cl::opt<bool> serialize("serialize",
                        cl::desc("Run the modules one after another (models a host-sequenced "
                                 "accelerator such as the published ViM-Q design point)"),
                        cl::cat(tools::toolCategory()));

bool backendEmit(Emit e) { return e == Emit::Tiled || e == Emit::Asm || e == Emit::Bundle; }

llvm::Error writeOutput(llvm::StringRef text) {
  if (outputPath == "-") {
    llvm::outs() << text;
    return tools::flushStdout();
  }
  return writeFileAtomically(outputPath, text);
}

/// Prints the one-line estimate to stderr and refuses a target over its budget unless
/// --allow-over-budget is given.
llvm::Error checkTargetResources(const hw::Target &t) {
  auto estimate = hw::estimateResources(t);
  if (!estimate)
    return estimate.takeError();
  llvm::errs() << toolName << ": " << t.name()
               << " estimate: " << hw::formatEstimateSummary(estimate->total, t.budget()) << "\n";
  auto over = hw::overBudget(*estimate, t.budget());
  if (over.empty())
    return llvm::Error::success();
  const std::string what = hw::describeOverBudget(over);
  if (!allowOverBudget)
    return makeError("target {0} does not fit its board: {1} (a model of the overlay, "
                     "docs/resources.md; --allow-over-budget compiles anyway)",
                     t.name(), what);
  llvm::errs() << toolName << ": warning: target " << t.name()
               << " does not fit its board: " << what << " (compiling anyway: --allow-over-budget)\n";
  return llvm::Error::success();
}

llvm::Error compile() {
  const auto start = std::chrono::steady_clock::now();
  if (printResources) {
    if (target.empty())
      return makeError("--print-resources needs --target (e.g. --target zcu102)");
    auto t = backend::TargetInfo::load(target);
    if (!t)
      return t.takeError();
    auto estimate = hw::estimateResources(t->hw());
    if (!estimate)
      return estimate.takeError();
    hw::printResourceTable(t->hw(), *estimate, llvm::outs());
    return tools::flushStdout();
  }
  if (tools::listPassesRequested()) {
    tools::registerAllPasses();
    tools::printPassList(llvm::outs());
    return tools::flushStdout();
  }
  if (tools::modelPath().empty())
    return makeError("no input model (usage: vimq-compile MODEL.onnx [options]; see --help)");
  Emit what = emit;
  if (what == Emit::Auto)
    what = target.empty() ? Emit::IR : Emit::Bundle;
  auto pipeline = tools::modelPipelineFromCommandLine(
      scheme, "--pipeline cannot be combined with a quantization --scheme (its pipeline is "
              "fixed: frontend + the scheme's passes)");
  if (!pipeline)
    return pipeline.takeError();
  const bool quantized = pipeline->quantized;
  if ((what == Emit::Quant || backendEmit(what)) && !quantized)
    return makeError("--emit={0} needs a quantized graph: add --scheme vimq or fastmamba",
                     what == Emit::Quant ? "quant" : "tiled|asm|bundle");
  if (backendEmit(what) && target.empty())
    return makeError("--emit=tiled|asm|bundle needs --target (e.g. --target zcu102)");
  if (serialize && !backendEmit(what))
    return makeError("--serialize applies to --emit=tiled|asm|bundle only");
  llvm::Optional<backend::TargetInfo> targetInfo;
  if (!target.empty()) {
    auto t = backend::TargetInfo::load(target);
    if (!t)
      return t.takeError();
    if (llvm::Error e = checkTargetResources(t->hw()))
      return e;
    targetInfo.emplace(std::move(*t));
  }
  // A bundle is binary: it goes to a file, or to stdout only when asked for with -o -.
  if (what == Emit::Bundle && outputPath.getNumOccurrences() == 0)
    return makeError("--target writes a binary bundle: give -o FILE (or -o - for stdout), or "
                     "--emit=asm|tiled for text");
  if (llvm::Error e = tools::checkOutputFile(outputPath))
    return e;

  // --scheme vimq: the same quant::quantizeForVimq call as vimq-ref's, so the bundle and the
  // golden model start from the identical q graph.
  auto graph = tools::importAndLower(tools::modelPath(), *pipeline);
  if (!graph)
    return graph.takeError();

  std::string text;
  llvm::raw_string_ostream os(text);
  if (!backendEmit(what)) {
    if (what == Emit::Summary)
      ir::printSummary(**graph, os);
    else
      ir::print(**graph, os);
    return writeOutput(os.str());
  }

  backend::CompileOptions opts;
  opts.model = llvm::sys::path::stem(tools::modelPath()).str();
  opts.scheme = scheme;
  opts.schedule.serialize = serialize;
  auto compiled = backend::compileGraph(**graph, *targetInfo, opts);
  if (!compiled)
    return compiled.takeError();
  if (what == Emit::Tiled) {
    backend::printTiling(compiled->lowered, os);
    return writeOutput(os.str());
  }
  if (what == Emit::Asm) {
    compiled->lowered.prog.print(os);
    return writeOutput(os.str());
  }
  auto bytes = isa::serializeBundle(compiled->bundle);
  if (!bytes)
    return bytes.takeError();
  if (llvm::Error e = writeOutput(*bytes))
    return e;
  // One line that says what was built, with the modeled latency: the target's cycle model run
  // timing-only on the sim (exact cycles, no arithmetic, zero inputs; the cycles do not depend
  // on the data). A bundle the sim cannot run gets "latency not modeled" and a reason.
  std::string latency;
  {
    rt::DeviceOptions dopts;
    dopts.timingOnly = true;
    auto dev = rt::Device::open("sim", dopts);
    auto session = dev ? rt::Session::create(compiled->bundle, **dev)
                       : llvm::Expected<rt::Session>(dev.takeError());
    llvm::Expected<rt::TensorMap> ran = llvm::Expected<rt::TensorMap>(rt::TensorMap());
    if (session) {
      rt::TensorMap zeros;
      for (const isa::IoDesc &io : compiled->bundle.inputs)
        zeros.emplace(io.name, Tensor(rt::hostDType(io), io.shape));
      ran = session->run(zeros);
    }
    if (session && ran)
      latency = llvm::formatv("modeled {0:f3} ms ({1} cycles at {2} MHz)",
                              session->profile().latencyMicroseconds() / 1000,
                              session->profile().cycles, session->profile().clockMhz)
                    .str();
    else {
      llvm::Error e = session ? ran.takeError() : session.takeError();
      latency = "latency not modeled (" + llvm::toString(std::move(e)) + ")";
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  llvm::errs() << llvm::formatv("{0}: wrote {1}: {2}, target {3}, scheme {4}, {5} instructions, "
                                "{6:F1} MB, {7}, {8:F1} s\n",
                                toolName, outputPath == "-" ? "stdout" : outputPath.getValue(),
                                llvm::sys::path::filename(tools::modelPath()), target.getValue(),
                                scheme.getValue(), compiled->lowered.prog.instrs().size(),
                                double(bytes->size()) / 1e6, latency, secs);
  return llvm::Error::success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  tools::parseModelToolCommandLine(argc, argv,
                                   "vimq-compile: compile an ONNX state-space model for the vimq "
                                   "FPGA overlay\n");
  if (llvm::Error e = compile())
    return reportError(toolName, std::move(e));
  return 0;
}
