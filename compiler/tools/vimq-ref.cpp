//===- vimq-ref.cpp - run an ONNX model on the FP32 reference interpreter ---------------------===//
//
// vimq-ref MODEL.onnx --input NAME=FILE.npy ... --output DIR [--print-outputs]
//          [--scheme vimq [--calib DIR | --calib-synthetic N] [--smooth-alpha A] ...]
//
// Import, frontend pipeline, interpreter; DIR/<output>.npy per graph output. With --scheme vimq
// the model is quantized by the same driver vimq-compile uses (quant::quantizeForVimq) and run
// on the golden model, whose outputs the overlay must reproduce bit for bit. Every argument is
// validated before the interpreter runs and outputs are written atomically, so a failed run
// leaves no output file behind.
//
//===----------------------------------------------------------------------------------------===//
#include "OutputPaths.h"
#include "Pipeline.h"
#include "ReferenceIO.h"
#include "ToolOptions.h"

#include "vimq/interp/Interpreter.h"
#include "vimq/golden/Golden.h"
#include "vimq/quant/Passes.h"
#include "vimq/support/Error.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace vimq;
namespace cl = llvm::cl;

namespace {

constexpr const char *toolName = "vimq-ref";

cl::list<std::string> inputArgs("input",
                                cl::desc("A model input: NAME=FILE.npy (or FILE.npy for a "
                                         "one-input model); repeat for each input"),
                                cl::value_desc("name=file"), cl::cat(tools::toolCategory()));
cl::opt<std::string> outputDir("output", cl::desc("Folder for the outputs (<name>.npy each)"),
                               cl::value_desc("dir"), cl::cat(tools::toolCategory()));
cl::opt<std::string> scheme("scheme",
                            cl::desc("Numerics: fp32 (reference interpreter), or the golden "
                                     "model of vimq (ViM-Q) or fastmamba (FastMamba)"),
                            cl::value_desc("name"), cl::init("fp32"),
                            cl::cat(tools::toolCategory()));
cl::opt<bool> printOutputs("print-outputs",
                           cl::desc("Print shape, min/max/mean (and top-5 of 2-D logits) of "
                                    "each output"),
                           cl::cat(tools::toolCategory()));

/// "\r[op 120/480] vimq.Linear" on stderr, at most ten times a second, and only when stderr is
/// a terminal: logs and pipes get no carriage-return noise.
class Progress {
public:
  explicit Progress(size_t numOps) : numOps_(numOps), enabled_(llvm::errs().is_displayed()) {}
  ~Progress() {
    if (shown_)
      llvm::errs() << "\r" << std::string(width_, ' ') << "\r";
  }
  void step(const ir::Op &op) {
    ++done_;
    if (!enabled_)
      return;
    auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100))
      return;
    last_ = now;
    shown_ = true;
    std::string line =
        llvm::formatv("{0}: op {1}/{2} {3}", toolName, done_, numOps_, op.kind()).str();
    width_ = std::max(width_, line.size());
    llvm::errs() << "\r" << llvm::left_justify(line, unsigned(width_));
  }

private:
  size_t numOps_, done_ = 0, width_ = 0;
  bool enabled_, shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

/// Runs `g` with the progress line: a q graph on the golden model, else on the FP32 interpreter.
llvm::Expected<interp::NamedTensors> evaluate(const ir::Graph &g, bool quantized,
                                              const interp::NamedTensors &inputs) {
  Progress progress(g.numOps());
  auto onOpDone = [&](const ir::Op &op, llvm::ArrayRef<Tensor>) { progress.step(op); };
  if (quantized) {
    golden::Evaluator evaluator(g);
    evaluator.onOpDone = onOpDone;
    return evaluator.run(inputs);
  }
  interp::Interpreter interpreter(g);
  interpreter.onOpDone = onOpDone;
  return interpreter.run(inputs);
}

llvm::Error runReference() {
  if (tools::listPassesRequested()) {
    tools::registerAllPasses();
    quant::registerQuantPasses();
    tools::printPassList(llvm::outs());
    return tools::flushStdout();
  }
  if (tools::modelPath().empty())
    return makeError("no input model (usage: vimq-ref MODEL.onnx --input NAME=FILE.npy ... "
                     "--output DIR; see --help)");
  if (outputDir.empty())
    return makeError("no --output folder given");
  auto pipeline = tools::modelPipelineFromCommandLine(
      scheme, "--pipeline does not apply to a quantization --scheme (its pipeline is fixed: "
              "frontend, then the scheme's passes)");
  if (!pipeline)
    return pipeline.takeError();
  if (llvm::Error e = tools::checkOutputDir(outputDir))
    return e;

  auto model = tools::importAndLower(tools::modelPath(), *pipeline, inputArgs);
  if (!model)
    return model.takeError();
  auto outputs = evaluate(*model->graph, pipeline->quantized, model->inputs);
  if (!outputs)
    return outputs.takeError();

  auto written = tools::writeOutputs(outputDir, *outputs);
  if (!written)
    return written.takeError();
  if (printOutputs)
    for (const auto &[name, tensor] : *outputs)
      tools::printTensorSummary(llvm::outs(), name, tensor);
  return tools::flushStdout();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  tools::parseModelToolCommandLine(argc, argv,
                                   "vimq-ref: run an ONNX model on vimq's FP32 reference "
                                   "interpreter\n");
  if (llvm::Error e = runReference())
    return reportError(toolName, std::move(e));
  return 0;
}
