//===- vimq-debug-compare.cpp - overlay (sim) vs golden model, value by value ----------------===//
//
// vimq-debug-compare MODEL.onnx --input NAME=FILE.npy ... [--target zcu102|vc709] [quant options]
//
// Quantizes the model exactly as vimq-compile / vimq-ref do, compiles it in debug mode (every
// intermediate value of the q graph kept in its own DDR bytes and returned as an output
// "cp<N>", see backend::LowerOptions), runs it on the sim device (its simulator of --target:
// the sim has every target built in) and the golden model side by side, and compares every
// value in program order. The first difference is reported with the q op, the value, the
// element and the instruction that wrote it (the STORE whose DDR range holds the element).
// Exit status 0 when every value is bit-exact, 1 on a difference.
//
//===----------------------------------------------------------------------------------------===//
#include "OutputPaths.h"
#include "Pipeline.h"
#include "ReferenceIO.h"
#include "ToolOptions.h"

#include "vimq/backend/Compile.h"
#include "vimq/golden/Golden.h"
#include "vimq/isa/Asm.h"
#include "vimq/isa/Isa.h"
#include "vimq/quant/CommandLine.h"
#include "vimq/runtime/Session.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace vimq;
namespace cl = llvm::cl;

namespace {

constexpr const char *toolName = "vimq-debug-compare";

cl::list<std::string> inputArgs("input", cl::desc("An input tensor: NAME=FILE.npy"),
                                cl::value_desc("NAME=FILE"), cl::cat(tools::toolCategory()));
cl::opt<std::string> target("target",
                            cl::desc("Hardware target (default zcu102); the sim runs every one"),
                            cl::value_desc("name"), cl::init("zcu102"),
                            cl::cat(tools::toolCategory()));

cl::opt<std::string> scheme("scheme", cl::desc("Quantization scheme: vimq or fastmamba"),
                            cl::value_desc("name"), cl::init("vimq"),
                            cl::cat(tools::toolCategory()));

// Test hook: proves that the comparison finds and names a wrong instruction.
cl::opt<int> corruptLinear("corrupt-linear",
                           cl::desc("Testing: add 1 to the shift of the N-th LINEAR (from 0)"),
                           cl::init(-1), cl::Hidden, cl::cat(tools::toolCategory()));

/// "[1, 96, 17]" for the flat index `i` of `shape`.
std::string indexString(llvm::ArrayRef<int64_t> shape, int64_t i) {
  llvm::SmallVector<int64_t, 4> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = i % shape[d];
    i /= shape[d];
  }
  std::string s = "[";
  for (size_t d = 0; d < idx.size(); ++d)
    s += (d ? ", " : "") + std::to_string(idx[d]);
  return s + "]";
}

int64_t element(const Tensor &t, int64_t i) {
  return t.dtype() == DType::I8 ? int64_t(t.data<int8_t>()[i]) : int64_t(t.data<int32_t>()[i]);
}

/// The last instruction in [first, end) that stores the DDR byte `byte` of buffer `buf`.
llvm::Optional<unsigned> writerOf(const isa::Bundle &b, const backend::Checkpoint &cp,
                                  uint64_t byte) {
  llvm::Optional<unsigned> found;
  for (unsigned i = cp.firstInstr; i < cp.endInstr && i < b.code.size(); ++i) {
    auto r = isa::ddrRange(b.code[i]);
    if (!r || !r->write || r->buffer != cp.buffer || byte < r->begin || byte >= r->end)
      continue;
    // A 2-D STORE covers [begin, end) with gaps between rows; check the row it would write.
    const isa::Instr &in = b.code[i];
    uint64_t stride = isa::getBits(in, isa::fld::STORE_ddr_stride);
    uint64_t cols = isa::getBits(in, isa::fld::STORE_cols);
    uint64_t width = cols * isa::dtypeBytes(isa::DType(isa::getBits(in, isa::fld::STORE_dtype)));
    uint64_t rel = byte - r->begin;
    if (stride == 0 || rel % stride < width)
      found = i;
  }
  return found;
}

llvm::Expected<int> compare() {
  if (tools::modelPath().empty())
    return makeError("no input model (usage: vimq-debug-compare MODEL.onnx --input "
                     "NAME=FILE.npy ...; see --help)");
  // Always a quantization pipeline, and without the instrumentation flags: the pass dumps of
  // vimq-compile are not what this tool is for.
  if (scheme != "vimq" && scheme != "fastmamba")
    return makeError("unknown --scheme '{0}'; expected vimq or fastmamba", std::string(scheme));
  tools::ModelPipeline pipeline;
  pipeline.quantized = true;
  auto quantOpts = quant::quantOptionsFromCommandLine(
      scheme == "fastmamba" ? quant::Scheme::FastMamba : quant::Scheme::ViMQ);
  if (!quantOpts)
    return quantOpts.takeError();
  pipeline.quantOpts = *quantOpts;
  auto targetInfo = backend::TargetInfo::load(target);
  if (!targetInfo)
    return targetInfo.takeError();
  auto model = tools::importAndLower(tools::modelPath(), pipeline, inputArgs);
  if (!model)
    return model.takeError();
  ir::Graph &graph = *model->graph;
  const interp::NamedTensors &inputs = model->inputs;

  backend::CompileOptions opts;
  opts.model = tools::modelPath();
  opts.scheme = scheme;
  opts.lower.checkpointOutputs = true;
  auto compiled = backend::compileGraph(graph, *targetInfo, opts);
  if (!compiled)
    return compiled.takeError();

  // Golden model: keep every op's results by value name.
  llvm::StringMap<Tensor> golden;
  golden::Evaluator evaluator(graph);
  evaluator.onOpDone = [&](const ir::Op &op, llvm::ArrayRef<Tensor> results) {
    for (unsigned i = 0; i < results.size(); ++i)
      golden.insert({op.result(i)->name(), results[i]});
  };
  auto goldenOut = evaluator.run(inputs);
  if (!goldenOut)
    return goldenOut.takeError();

  if (corruptLinear >= 0) {
    int seen = 0;
    isa::Instr *victim = nullptr;
    for (isa::Instr &in : compiled->bundle.code)
      if (isa::opcodeOf(in) == isa::Opcode::LINEAR && seen++ == corruptLinear)
        victim = &in;
    if (!victim)
      return makeError("--corrupt-linear={0}: the program has {1} LINEAR instructions",
                       int(corruptLinear), seen);
    isa::setBits(*victim, isa::fld::LINEAR_shift,
                 isa::getBits(*victim, isa::fld::LINEAR_shift) + 1);
  }
  auto device = rt::Device::open("sim");
  if (!device)
    return device.takeError();
  auto session = rt::Session::create(compiled->bundle, **device);
  if (!session)
    return session.takeError();
  rt::TensorMap feeds;
  for (const auto &[name, t] : inputs)
    feeds.emplace(name, t);
  auto sim = session->run(feeds);
  if (!sim)
    return sim.takeError();

  const isa::Bundle &bundle = compiled->bundle;
  unsigned compared = 0;
  for (const backend::Checkpoint &cp : compiled->lowered.checkpoints) {
    if (cp.output.empty() || !golden.count(cp.value))
      continue;
    const Tensor &s = sim->at(cp.output), &g = golden.find(cp.value)->second;
    if (s.numel() != g.numel())
      return makeError("{0}: value '%{1}' has {2} elements on the sim, {3} in the golden model",
                       cp.origin, cp.value, s.numel(), g.numel());
    ++compared;
    for (int64_t i = 0; i < s.numel(); ++i) {
      int64_t sv = element(s, i), gv = element(g, i);
      if (sv == gv)
        continue;
      uint64_t byte = cp.offset + uint64_t(i) * (cp.dtype == "i8" ? 1 : 4);
      llvm::outs() << llvm::formatv("first difference: {0}, value %{1}, element {2}: sim {3}, "
                                    "golden {4} (Q{5})\n",
                                    cp.origin, cp.value, indexString(cp.shape, i), sv, gv,
                                    cp.frac);
      if (auto w = writerOf(bundle, cp, byte)) {
        // The STORE copies on-chip data; the instruction that computed it is the latest one
        // before it (in this op) that wrote what the STORE reads.
        const auto &prog = compiled->lowered.prog.instrs();
        for (unsigned j = *w; j-- > cp.firstInstr;) {
          bool feeds = llvm::any_of(prog[j].writes, [&](const backend::Region &wr) {
            return llvm::any_of(prog[*w].reads,
                                [&](const backend::Region &rd) { return wr.overlaps(rd); });
          });
          if (!feeds)
            continue;
          llvm::outs() << llvm::formatv("computed by instruction {0}: {1}\n", j,
                                        isa::printInstr(bundle.code[j]));
          break;
        }
        llvm::outs() << llvm::formatv("stored by instruction {0}: {1}\n", *w,
                                      isa::printInstr(bundle.code[*w]));
      }
      llvm::outs() << llvm::formatv("the op's instructions: [{0}, {1}); every value before it "
                                    "is bit-exact ({2} compared)\n",
                                    cp.firstInstr, cp.endInstr, compared - 1);
      return 1;
    }
  }
  llvm::outs() << llvm::formatv("all {0} intermediate values bit-exact ({1} instructions)\n",
                                compared, bundle.code.size());
  if (llvm::Error e = tools::flushStdout())
    return e;
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  tools::parseModelToolCommandLine(argc, argv,
                                   "vimq-debug-compare: run a model on the sim and the golden "
                                   "model side by side and name the first instruction whose "
                                   "output differs\n");
  auto status = compare();
  if (!status)
    return reportError(toolName, status.takeError());
  return *status;
}
