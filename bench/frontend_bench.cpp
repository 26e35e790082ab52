//===- frontend_bench.cpp - import/canonicalize and FP32 interpreter timings ------------------===//
//
// bench-frontend MODEL.onnx [--input NAME=FILE.npy ...] [--runs N]
// Prints: import time, frontend pipeline time, and (with inputs) the mean interpreter time per
// run. The ONNX Runtime side of the ratio is measured by bench/run in the same invocation.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/interp/Interpreter.h"
#include "vimq/onnx/Importer.h"
#include "vimq/passes/PassManager.h"
#include "vimq/support/Error.h"
#include "vimq/support/Npy.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace vimq;
namespace cl = llvm::cl;

static cl::OptionCategory cat("bench-frontend options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required, cl::desc("<model.onnx>"),
                                      cl::cat(cat));
static cl::list<std::string> inputs("input", cl::desc("NAME=FILE.npy"), cl::cat(cat));
static cl::opt<unsigned> runs("runs", cl::desc("interpreter runs"), cl::init(3), cl::cat(cat));

static double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(argc, argv, "vimq frontend benchmark\n");
  auto t0 = std::chrono::steady_clock::now();
  auto g = importOnnxFile(modelPath);
  if (!g)
    return reportError("bench-frontend", g.takeError());
  double tImport = secondsSince(t0);
  registerFrontendPasses();
  PassManager pm;
  buildFrontendPipeline(pm);
  t0 = std::chrono::steady_clock::now();
  if (llvm::Error e = pm.run(**g))
    return reportError("bench-frontend", std::move(e));
  double tPasses = secondsSince(t0);
  llvm::outs() << llvm::formatv("import {0:f3} s  canonicalize {1:f3} s  total {2:f3} s  ({3} ops)\n",
                                tImport, tPasses, tImport + tPasses, (*g)->numOps());
  if (inputs.empty())
    return 0;
  interp::NamedTensors in;
  for (const std::string &spec : inputs) {
    auto [name, file] = llvm::StringRef(spec).split('=');
    auto t = readNpy(file);
    if (!t)
      return reportError("bench-frontend", t.takeError());
    in.insert({name.str(), std::move(*t)});
  }
  interp::Interpreter it(**g);
  double best = 1e30, total = 0;
  for (unsigned r = 0; r < runs; ++r) {
    t0 = std::chrono::steady_clock::now();
    auto out = it.run(in);
    if (!out)
      return reportError("bench-frontend", out.takeError());
    double s = secondsSince(t0);
    best = std::min(best, s);
    total += s;
  }
  llvm::outs() << llvm::formatv("interpreter mean {0:f3} s  best {1:f3} s  over {2} runs\n",
                                total / runs, best, unsigned(runs));
  return 0;
}
