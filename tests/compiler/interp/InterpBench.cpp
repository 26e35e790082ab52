//===- InterpBench.cpp - time the FP32 interpreter on a model, per op kind ------------------===//
//
// interp_bench MODEL.onnx --input NAME=FILE.npy... [--no-lift] [--runs N] [--reference FILE.npy]
//
// Imports MODEL.onnx, runs the frontend pipeline (unless --no-lift), runs the interpreter N
// times, and prints the best wall time and the time per op kind of the best run. With
// --reference, also prints the max abs / relative error of the first output against it (e.g.
// ONNX Runtime's output written by models/ort_run.js). Not a test: wall times are never
// asserted; this is the tool behind the figures in the interpreter's notes.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/interp/Interpreter.h"
#include "vimq/onnx/Importer.h"
#include "vimq/passes/PassManager.h"
#include "vimq/support/Error.h"
#include "vimq/support/Npy.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <map>

using namespace vimq;
namespace cl = llvm::cl;

static cl::opt<std::string> modelPath(cl::Positional, cl::Required, cl::desc("<model.onnx>"));
static cl::list<std::string> inputArgs("input", cl::desc("NAME=FILE.npy, once per input"));
static cl::opt<bool> noLift("no-lift", cl::desc("Run the imported graph without lifting"));
static cl::opt<unsigned> runs("runs", cl::desc("Number of timed runs"), cl::init(3));
static cl::opt<std::string> reference("reference", cl::desc("Expected first output (.npy)"));

static llvm::Error run() {
  auto g = importOnnxFile(modelPath);
  if (!g)
    return g.takeError();
  if (!noLift) {
    registerFrontendPasses();
    PassManager pm;
    buildFrontendPipeline(pm);
    if (auto e = pm.run(**g))
      return e;
  }
  interp::NamedTensors inputs;
  for (const std::string &arg : inputArgs) {
    auto [name, file] = llvm::StringRef(arg).split('=');
    if (file.empty())
      return makeError("--input '{0}': expected NAME=FILE.npy", arg);
    auto t = readNpy(file);
    if (!t)
      return withContext(t.takeError(), file);
    inputs[name.str()] = std::move(*t);
  }
  using Clock = std::chrono::steady_clock;
  interp::Interpreter interp(**g);
  std::map<std::string, double> perKind, bestPerKind;
  Clock::time_point last;
  interp.onOpDone = [&](const ir::Op &op, llvm::ArrayRef<Tensor>) {
    Clock::time_point now = Clock::now();
    perKind[op.kind()] += std::chrono::duration<double>(now - last).count();
    last = now;
  };
  double best = INFINITY;
  interp::NamedTensors outputs;
  for (unsigned r = 0; r < std::max(1u, unsigned(runs)); ++r) {
    perKind.clear();
    Clock::time_point start = Clock::now();
    last = start;
    auto out = interp.run(inputs);
    if (!out)
      return out.takeError();
    double t = std::chrono::duration<double>(Clock::now() - start).count();
    if (t < best) {
      best = t;
      bestPerKind = perKind;
    }
    outputs = std::move(*out);
  }
  llvm::outs() << llvm::formatv("{0} ops, best of {1} runs: {2:F3} s\n", (*g)->numOps(),
                                std::max(1u, unsigned(runs)), best);
  for (const auto &[kind, t] : bestPerKind)
    llvm::outs() << llvm::formatv("  {0,-24} {1,8:F3} s\n", kind, t);
  if (!reference.empty()) {
    auto want = readNpy(reference);
    if (!want)
      return withContext(want.takeError(), reference);
    const Tensor &got = outputs.begin()->second;
    if (got.shape() != want->shape())
      return makeError("output shape {0} differs from the reference {1}", shapeStr(got.shape()),
                       shapeStr(want->shape()));
    double maxErr = 0, maxRef = 0;
    for (int64_t i = 0; i < got.numel(); ++i) {
      maxErr = std::max(maxErr, std::fabs(got.getDouble(i) - want->getDouble(i)));
      maxRef = std::max(maxRef, std::fabs(want->getDouble(i)));
    }
    llvm::outs() << llvm::formatv("max abs error {0:E2}, relative to max |reference| {1:E2}\n",
                                  maxErr, maxRef > 0 ? maxErr / maxRef : maxErr);
  }
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "time the vimq FP32 interpreter\n");
  if (auto e = run())
    return reportError("interp_bench", std::move(e));
  return 0;
}
