//===- Compile.cpp - lower, schedule, emit ----------------------------------------------------===//
#include "vimq/backend/Compile.h"

#include "vimq/backend/Emit.h"
#include "vimq/support/Error.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>

#include <nlohmann/json.hpp>

using namespace vimq;
using namespace vimq::backend;

static std::string metadataJson(const ir::Graph &g, const TargetInfo &target,
                                const CompileOptions &opts, const Compiled &c) {
  // nlohmann::json objects are std::map-backed: keys come out sorted, hence deterministic.
  nlohmann::json j;
  j["model"] = opts.model;
  j["scheme"] = opts.scheme;
  j["target"] = target.name();
  std::map<std::string, unsigned> opCounts;
  for (const auto &op : g.ops())
    ++opCounts[op->kind()];
  for (auto &[k, n] : opCounts)
    j["op_counts"][k] = n;
  std::map<std::string, unsigned> insnCounts;
  for (const ProgInstr &p : c.lowered.prog.instrs())
    ++insnCounts[isa::lookupOpcode(isa::opcodeOf(p.in))->name.str()];
  for (auto &[k, n] : insnCounts)
    j["instruction_counts"][k] = n;
  j["tokens"] = c.schedule.tokens;
  j["serialized"] = opts.schedule.serialize;
  j["scratch_reuse"] = opts.lower.reuseScratch;
  j["fuse_row_chains"] = opts.lower.fuseRowChains;
  j["fingerprint"] = llvm::formatv("{0:x16}", target.fingerprint()).str();
  const DdrPlan &plan = c.lowered.plan;
  j["ddr"]["weights_bytes"] = plan.bufferBytes(DdrKind::weights);
  j["ddr"]["input_bytes"] = plan.bufferBytes(DdrKind::input);
  j["ddr"]["output_bytes"] = plan.bufferBytes(DdrKind::output);
  j["ddr"]["scratch_bytes"] = plan.bufferBytes(DdrKind::scratch);
  j["ddr"]["scratch_bytes_without_reuse"] = plan.scratchBytesWithoutReuse();
  nlohmann::json cps = nlohmann::json::array();
  for (const Checkpoint &cp : c.lowered.checkpoints)
    cps.push_back({{"value", cp.value},
                   {"op", cp.origin},
                   {"first_instr", cp.firstInstr},
                   {"end_instr", cp.endInstr},
                   {"buffer", cp.buffer},
                   {"offset", cp.offset},
                   {"dtype", cp.dtype},
                   {"shape", std::vector<int64_t>(cp.shape.begin(), cp.shape.end())},
                   {"frac", cp.frac},
                   {"scratch", cp.scratch},
                   {"on_chip", cp.onChip},
                   {"output", cp.output}});
  j["checkpoints"] = std::move(cps);
  return j.dump(1);
}

llvm::Expected<Compiled> backend::compileGraph(const ir::Graph &g, const TargetInfo &target,
                                               const CompileOptions &opts) {
  auto lowered = lowerGraph(g, target, opts.lower);
  if (!lowered)
    return lowered.takeError();
  Compiled c;
  c.lowered = std::move(*lowered);
  c.schedule = scheduleTokens(c.lowered.prog, opts.schedule);
  if (llvm::Error e = checkDeadlockFree(c.lowered.prog,
                                        unsigned(target.hw().param("cmd_fifo_depth")),
                                        unsigned(target.hw().param("token_fifo_depth"))))
    return makeError("{0}: internal error, {1}", opts.model, llvm::toString(std::move(e)));
  std::string meta = metadataJson(g, target, opts, c);
  auto b = buildBundle(target, c.lowered.prog, c.lowered.plan, c.lowered.inputs,
                       c.lowered.outputs, std::move(meta));
  if (!b)
    return b.takeError();
  c.bundle = std::move(*b);
  return c;
}

void backend::printTiling(const Lowered &l, llvm::raw_ostream &os) {
  for (const TileInfo &t : l.tiles)
    t.print(os);
  const DdrPlan &p = l.plan;
  static const char *kinds[] = {"weights", "input", "output", "scratch"};
  for (size_t i = 0; i < p.size(); ++i) {
    const DdrTensor &t = p.tensor(unsigned(i));
    os << llvm::formatv("ddr {0,-7} {1,10} +{2,-9} {3}", kinds[unsigned(t.kind)], t.offset,
                        t.bytes, t.name);
    if (t.kind == DdrKind::scratch)
      os << llvm::formatv(" live [{0}, {1}]", t.first, t.last);
    os << "\n";
  }
}
