//===- TokenScheduler.cpp - dependency tokens from memory annotations -------------------------===//
//
// For instruction i of module B and every other module A, let j be the latest instruction of A
// that conflicts with i (RAW, WAR or WAW on an overlapping range). B must wait for j unless j
// is already known to be complete when i starts (below). Then j pushes to B and i pops from A.
// Because the producers B waits for only move forward in A's order, the k-th push from A to B
// is exactly the k-th pop of B from A: every token is consumed, by the instruction it was
// meant for.
//
// Only dependences not already implied are turned into tokens: vector clocks record, per
// module, which instructions of every module are known complete (through the tokens popped so
// far, transitively); a dependence on an instruction already known complete needs no token.
// Without this, long-distance dependences (e.g. a STORE overwriting scratch DDR read many ops
// earlier) would leave tokens queued for thousands of instructions, filling the bounded token
// FIFOs and deadlocking the overlay.
//
// Finding j: every memory space keeps the accesses not yet superseded. A write that covers an
// earlier access entirely supersedes it: the writer itself was ordered after that access (it
// conflicts with it), so anything ordered after the writer is ordered after the access too.
// Double-buffered tiles overwrite the same halves over and over, so the lists stay short.
// Reads and writes are kept apart: a read conflicts only with writes, so it never scans the
// reads (weights are read once each and never written: that list grows to thousands).
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/backend/Program.h"

#include "vimq/isa/Isa.h"

#include "llvm/ADT/DenseMap.h"

#include <array>

using namespace vimq;
using namespace vimq::backend;

namespace {

struct Access {
  uint64_t begin, end;
  unsigned instr;
  isa::Module module;
};

constexpr int kNone = -1;
using PerModule = std::array<int, isa::kNumModules>;

PerModule noneForAll() {
  PerModule m;
  m.fill(kNone);
  return m;
}

} // namespace

ScheduleStats backend::scheduleTokens(Program &p, const ScheduleOptions &opts) {
  ScheduleStats stats;
  auto &instrs = p.instrs();
  struct Live {
    std::vector<Access> reads, writes;
  };
  llvm::DenseMap<unsigned, Live> live;
  // Vector clocks: known[B][A] = the latest instruction of module A known to have completed
  // when module B's next instruction starts (through tokens, transitively, and in-order
  // execution); after[i] = the same knowledge once instruction i has completed.
  std::array<PerModule, isa::kNumModules> known;
  known.fill(noneForAll());
  std::vector<PerModule> after;
  after.reserve(instrs.size() + 1);
  PerModule last = noneForAll();

  // Makes instruction `consumer` (module b) wait for `producer` (module a) unless that is
  // already implied; a token carries all the producer's knowledge with it.
  auto waitFor = [&](unsigned producer, unsigned consumer) {
    isa::Module a = isa::opcodeModule(isa::opcodeOf(instrs[producer].in));
    isa::Module b = isa::opcodeModule(isa::opcodeOf(instrs[consumer].in));
    PerModule &k = known[unsigned(b)];
    if (int(producer) <= k[unsigned(a)])
      return;
    for (unsigned m = 0; m < isa::kNumModules; ++m)
      k[m] = std::max(k[m], after[producer][m]);
    isa::Instr &pi = instrs[producer].in;
    isa::Instr &ci = instrs[consumer].in;
    isa::setBits(pi, isa::fld::COMMON_push, isa::pushMask(pi) | isa::moduleBit(b));
    isa::setBits(ci, isa::fld::COMMON_pop, isa::popMask(ci) | isa::moduleBit(a));
    ++stats.tokens;
  };
  // Waits for the producers latest first: the latest carries the most knowledge, which often
  // makes the earlier ones redundant (transitive reduction).
  auto waitForAll = [&](const PerModule &dep, unsigned consumer) {
    llvm::SmallVector<unsigned, isa::kNumModules> order;
    for (unsigned a = 0; a < isa::kNumModules; ++a)
      if (dep[a] != kNone)
        order.push_back(unsigned(dep[a]));
    llvm::sort(order, std::greater<unsigned>());
    for (unsigned producer : order)
      waitFor(producer, consumer);
  };
  auto complete = [&](unsigned i) {
    isa::Module mod = isa::opcodeModule(isa::opcodeOf(instrs[i].in));
    PerModule &k = known[unsigned(mod)];
    k[unsigned(mod)] = int(i);
    after.push_back(k);
  };

  for (unsigned i = 0; i < instrs.size(); ++i) {
    ProgInstr &pi = instrs[i];
    isa::Module mod = isa::opcodeModule(isa::opcodeOf(pi.in));
    PerModule dep = noneForAll();
    auto scanList = [&](const Region &r, const std::vector<Access> &list) {
      for (const Access &a : list)
        if (a.begin < r.end && r.begin < a.end && a.module != mod)
          dep[unsigned(a.module)] = std::max(dep[unsigned(a.module)], int(a.instr));
    };
    auto scan = [&](const Region &r, bool write) {
      auto it = live.find(r.space);
      if (it == live.end())
        return;
      scanList(r, it->second.writes);
      if (write)
        scanList(r, it->second.reads);
    };
    for (const Region &r : pi.reads)
      scan(r, false);
    for (const Region &r : pi.writes)
      scan(r, true);
    if (opts.serialize && i > 0) {
      unsigned prev = unsigned(isa::opcodeModule(isa::opcodeOf(instrs[i - 1].in)));
      if (prev != unsigned(mod))
        dep[prev] = std::max(dep[prev], int(i - 1));
    }
    for (unsigned a = 0; a < isa::kNumModules; ++a)
      if (dep[a] != kNone)
        ++stats.dependences;
    waitForAll(dep, i);
    complete(i);
    for (const Region &r : pi.reads)
      live[r.space].reads.push_back({r.begin, r.end, i, mod});
    for (const Region &r : pi.writes) {
      Live &l = live[r.space];
      auto covered = [&](const Access &a) { return r.begin <= a.begin && a.end <= r.end; };
      llvm::erase_if(l.reads, covered);
      llvm::erase_if(l.writes, covered);
      l.writes.push_back({r.begin, r.end, i, mod});
    }
    last[unsigned(mod)] = int(i);
  }

  // FINISH runs in LOAD's queue after the last instruction of every module.
  isa::Instr finish = isa::makeInstr(isa::Opcode::FINISH);
  p.append(finish, {}, {}, "");
  PerModule dep = last;
  dep[unsigned(isa::Module::load)] = kNone;
  waitForAll(dep, unsigned(instrs.size() - 1));
  return stats;
}
