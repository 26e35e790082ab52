//===- Overlay.cpp - the C simulation of the overlay: FETCH, FIFOs and the dataflow scheduler ===//
//
// In hardware the modules (hw/src, one HLS top each) run concurrently, joined by command and
// token FIFOs. Here they are state machines stepped round-robin by a deterministic scheduler
// that calls each module's Exec function (the code its HLS top runs): a unit that cannot proceed (empty command queue, missing token, full FIFO) waits;
// when every unfinished unit waits, that is a deadlock, reported with the waiting units and the
// lowest waiting instruction, never a hang. Each unit keeps a local clock; tokens and commands
// carry the time they were produced, which yields the cycle model's stalls (docs/overlay.md).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/Overlay.h"

#include "Fetch.h"
#include "Modules.h"
#include "vimq/hw/Fifo.h"
#include "vimq/hw/Fingerprint.h"
#include "vimq/hw/SimControl.h"

#include <iterator>
#include <map>
#include <memory>
#include <string_view>

// This library's users declare its entries in the namespace VIMQ_HW_SIM_TARGET names
// (vimq/hw/Overlay.h); its modules define them in the one of the generated TargetConfig.h.
#define VIMQ_HW_STR2(x) #x
#define VIMQ_HW_STR(x) VIMQ_HW_STR2(x)
#ifdef VIMQ_HW_SIM_TARGET
static_assert(std::string_view(VIMQ_HW_STR(VIMQ_HW_SIM_TARGET)) ==
                  std::string_view(vimq::hw::cfg::kTargetName),
              "VIMQ_HW_SIM_TARGET names the target of the generated TargetConfig.h");
#endif

namespace vimq::hw {
VIMQ_HW_TARGET_NS_BEGIN

/// The on-chip memories (BRAM/URAM banks in hardware); on the heap in the sim (megabytes).
struct OnChip {
  int8_t act[kActSize];
  uint8_t wgt[kWgtSize];
  int32_t vec[kVecSize];
  int32_t state[kStateSize];
  OnChipRefs refs() { return OnChipRefs{act, wgt, vec, state}; }
};

struct DdrView {
  uint8_t *ddr;
  const DdrBuffer *buffers;
  uint32_t numBuffers;
  /// What FETCH looks up for a LOAD/STORE (hw/src/Fetch.cpp): the entry, or null.
  const DdrBuffer *entry(uint64_t id) const { return id < numBuffers ? &buffers[id] : nullptr; }
};

using namespace isa;

static_assert(kNumUnits == kNumModules + 1, "units are FETCH plus the ISA's modules");

uint64_t simFingerprint() { return kTargetFingerprint; }
const char *simTargetName() { return cfg::kTargetName; }

const SimTarget kSimTarget = {cfg::kTargetName, kTargetFingerprint, uint32_t(cfg::kClockMhz),
                              &vimq_overlay, &vimq_seq};

namespace {

struct SimCommand {
  Instr in;
  uint32_t index = 0; ///< relative to insnBase
  uint64_t time = 0;  ///< cycle FETCH issued it
};

struct SimToken {
  uint32_t index = 0; ///< instruction that pushed it
  uint64_t time = 0;  ///< cycle it was pushed
};

using CommandFifo = BoundedFifo<SimCommand, unsigned(cfg::kCmdFifoDepth)>;
using TokenFifo = BoundedFifo<SimToken, unsigned(cfg::kTokenFifoDepth)>;

/// A FIFO plus the time its most recently freed slot became free (for full-FIFO stalls).
template <typename F> struct TimedFifo {
  F fifo;
  uint64_t lastPop = 0;
};

/// The DDR port shared by LOAD and STORE, as a calendar of reserved intervals. Modules are
/// stepped out of time order, so a transfer takes the earliest free gap at or after the time it
/// is ready rather than the end of the last reservation: the result does not depend on which
/// module the scheduler happened to step first. (Sim-only bookkeeping; the hardware arbitrates.)
class DdrPort {
public:
  /// Reserves `duration` cycles at or after `ready`; returns the start.
  uint64_t reserve(uint64_t ready, uint64_t duration) {
    if (duration == 0)
      return ready;
    uint64_t start = ready;
    auto it = busy.upper_bound(start);
    if (it != busy.begin() && std::prev(it)->second > start)
      start = std::prev(it)->second;
    for (; it != busy.end() && it->first < start + duration; ++it)
      start = it->second > start ? it->second : start;
    busy.emplace(start, start + duration);
    return start;
  }

private:
  std::map<uint64_t, uint64_t> busy; // start -> end, disjoint
};

enum class Phase : uint8_t { Idle, Pop, Push };

struct ModuleState {
  Phase phase = Phase::Idle;
  SimCommand cur;
  uint8_t pendingPush = 0;
  uint64_t time = 0;
  bool blockedOnFull = false;
};

class Dataflow {
public:
  Dataflow(const Instr *insns, const DdrView &ddr, Control &ctl)
      : insns(insns), ddr(ddr), ctl(ctl), mem(std::make_unique<OnChip>()) {}

  void run();

private:
  bool stepFetch();
  bool stepModule(unsigned m);
  void fail(OverlayError e, uint32_t index) {
    if (error == OverlayError::None) {
      error = e;
      errorIndex = index;
    }
  }
  bool allDrained() const;

  const Instr *insns;
  DdrView ddr;
  Control &ctl;
  std::unique_ptr<OnChip> mem; // on-chip BRAM/URAM; heap in the sim (megabytes)

  TimedFifo<CommandFifo> cmd[kNumModules];
  TimedFifo<TokenFifo> tokens[kNumModules][kNumModules]; // [from][to]
  ModuleState mod[kNumModules];
  DdrPort ddrPort;

  uint32_t pc = 0;
  uint64_t fetchTime = 0;
  bool fetchStopped = false, fetchBlocked = false;
  OverlayError error = OverlayError::None;
  uint32_t errorIndex = 0;
};

bool Dataflow::stepFetch() {
  if (fetchStopped)
    return false;
  if (pc >= ctl.insnCount) {
    fail(OverlayError::NoFinish, pc);
    return false;
  }
  const Instr &in = insns[ctl.insnBase + pc];
  unsigned m = 0;
  if (OverlayError e = fetchRoute(in, m); e != OverlayError::None) {
    fail(e, pc);
    return false;
  }
  const uint64_t opc = getBits(in, fld::COMMON_opcode);
  auto &q = cmd[m];
  if (q.fifo.full()) {
    fetchBlocked = true;
    return false;
  }
  UnitProfile &prof = ctl.profile[unsigned(Unit::Fetch)];
  if (fetchBlocked && q.lastPop > fetchTime) {
    prof.stallFullCycles += q.lastPop - fetchTime;
    fetchTime = q.lastPop;
  }
  fetchBlocked = false;
  q.fifo.push(SimCommand{in, pc, fetchTime + kFetchCycles});
  fetchTime += kFetchCycles;
  prof.busyCycles += kFetchCycles;
  prof.ddrBytes += kInstrBytes;
  ++prof.instructions;
  ++pc;
  if (static_cast<Opcode>(opc) == Opcode::FINISH)
    fetchStopped = true;
  return true;
}

bool Dataflow::stepModule(unsigned m) {
  ModuleState &s = mod[m];
  UnitProfile &prof = ctl.profile[m + 1];
  bool progressed = false;
  if (s.phase == Phase::Idle) {
    auto &q = cmd[m];
    if (!q.fifo.pop(s.cur))
      return false;
    q.lastPop = s.time > s.cur.time ? s.time : s.cur.time;
    if (s.cur.time > s.time) {
      prof.stallCmdCycles += s.cur.time - s.time;
      s.time = s.cur.time;
    }
    s.phase = Phase::Pop;
    progressed = true;
  }
  if (s.phase == Phase::Pop) {
    const uint8_t need = popMask(s.cur.in);
    for (unsigned src = 0; src < kNumModules; ++src)
      if ((need >> src & 1) && tokens[src][m].fifo.empty())
        return progressed; // waiting for a token
    uint64_t ready = s.time;
    for (unsigned src = 0; src < kNumModules; ++src) {
      if (!(need >> src & 1))
        continue;
      SimToken t;
      tokens[src][m].fifo.pop(t);
      tokens[src][m].lastPop = s.time;
      ready = t.time > ready ? t.time : ready;
    }
    prof.stallTokenCycles += ready - s.time;
    s.time = ready;

    ExecResult r = execOk(0, 0);
    const OnChipRefs refs = mem->refs();
    switch (static_cast<Opcode>(getBits(s.cur.in, fld::COMMON_opcode))) {
    case Opcode::LOAD:
      r = loadExec(s.cur.in, refs, ddr.ddr, ddr.entry(getBits(s.cur.in, fld::LOAD_ddr_buf)));
      break;
    case Opcode::STORE:
      r = storeExec(s.cur.in, refs, ddr.ddr, ddr.entry(getBits(s.cur.in, fld::STORE_ddr_buf)));
      break;
    case Opcode::LINEAR:
      r = linearExec(s.cur.in, refs);
      break;
    case Opcode::CONV1D:
      r = convExec(s.cur.in, refs);
      break;
    case Opcode::SSM:
      r = ssmExec(s.cur.in, refs);
      break;
    case Opcode::VECTOR:
      r = vectorExec(s.cur.in, refs);
      break;
    case Opcode::FINISH:
      break; // a synchronisation point only: its pops wait for the named modules
    }
    if (r.error != OverlayError::None) {
      fail(r.error, s.cur.index);
      return true;
    }
    const uint64_t portStart = ddrPort.reserve(s.time, r.ddrPortCycles);
    prof.stallDdrCycles += portStart - s.time;
    s.time = portStart + r.cycles;
    if (std::vector<SimTraceEvent> *trace = simTrace())
      trace->push_back({s.cur.index, uint8_t(m + 1), portStart, s.time, r.ddrBytes});
    prof.busyCycles += r.cycles;
    prof.loopIterations += r.iterations;
    prof.ddrBytes += r.ddrBytes;
    ++prof.instructions;
    s.pendingPush = pushMask(s.cur.in);
    s.phase = Phase::Push;
    progressed = true;
  }
  if (s.phase == Phase::Push) {
    for (unsigned dst = 0; dst < kNumModules; ++dst) {
      if (!(s.pendingPush >> dst & 1))
        continue;
      auto &q = tokens[m][dst];
      if (q.fifo.full()) {
        s.blockedOnFull = true;
        return progressed;
      }
      if (s.blockedOnFull && q.lastPop > s.time) {
        prof.stallFullCycles += q.lastPop - s.time;
        s.time = q.lastPop;
      }
      s.blockedOnFull = false;
      q.fifo.push(SimToken{s.cur.index, s.time});
      s.pendingPush &= uint8_t(~(1u << dst));
      progressed = true;
    }
    s.phase = Phase::Idle;
  }
  return progressed;
}

bool Dataflow::allDrained() const {
  if (!fetchStopped)
    return false;
  for (unsigned m = 0; m < kNumModules; ++m)
    if (mod[m].phase != Phase::Idle || !cmd[m].fifo.empty())
      return false;
  return true;
}

void Dataflow::run() {
  // Round-robin until done; a round without progress is a deadlock (no hang: every step that
  // progresses consumes an instruction, a token or a FIFO slot, all finite).
  const uint32_t reportEvery = ctl.insnCount / 100 + 1;
  uint32_t reported = 0;
  while (error == OverlayError::None && !allDrained()) {
    bool progressed = stepFetch();
    if (pc >= reported + reportEvery) {
      reported = pc;
      reportSimProgress(pc, ctl.insnCount);
    }
    for (unsigned m = 0; m < kNumModules && error == OverlayError::None; ++m)
      while (stepModule(m) && error == OverlayError::None)
        progressed = true;
    if (error != OverlayError::None || progressed)
      continue;
    uint32_t waiting = 0, lowest = UINT32_MAX;
    if (!fetchStopped) {
      waiting |= 1u << unsigned(Unit::Fetch);
      lowest = pc;
    }
    for (unsigned m = 0; m < kNumModules; ++m)
      if (mod[m].phase != Phase::Idle) {
        waiting |= 1u << (m + 1);
        lowest = mod[m].cur.index < lowest ? mod[m].cur.index : lowest;
      }
    ctl.waitingUnits = waiting;
    fail(OverlayError::Deadlock, lowest);
  }
  if (error == OverlayError::None) {
    // Every token must have been consumed: a left-over one means a missing pop.
    uint32_t lowest = UINT32_MAX;
    for (unsigned a = 0; a < kNumModules; ++a)
      for (unsigned b = 0; b < kNumModules; ++b)
        if (!tokens[a][b].fifo.empty() && tokens[a][b].fifo.front().index < lowest)
          lowest = tokens[a][b].fifo.front().index;
    if (lowest != UINT32_MAX)
      fail(OverlayError::TokenLeftOver, lowest);
  }
  uint64_t end = fetchTime;
  for (unsigned m = 0; m < kNumModules; ++m)
    end = mod[m].time > end ? mod[m].time : end;
  // Idle time at the end of the run counts as waiting for commands.
  for (unsigned m = 0; m < kNumModules; ++m)
    ctl.profile[m + 1].stallCmdCycles += end - mod[m].time;
  ctl.cycles = end;
  ctl.error = uint32_t(error);
  ctl.errorInsn = errorIndex;
}

} // namespace

void vimq_overlay(const Instr *insns, uint8_t *ddr, const DdrBuffer *buffers, Control &ctl) {
  ctl.fingerprint = kTargetFingerprint;
  ctl.clockMhz = uint32_t(cfg::kClockMhz);
  ctl.done = 0;
  ctl.error = 0;
  ctl.errorInsn = 0;
  ctl.waitingUnits = 0;
  ctl.cycles = 0;
  for (UnitProfile &p : ctl.profile)
    p = UnitProfile();
  if (!ctl.start) {
    ctl.error = uint32_t(OverlayError::NotStarted);
    ctl.done = 1;
    return;
  }
  Dataflow df(insns, DdrView{ddr, buffers, ctl.numBuffers}, ctl);
  df.run();
  ctl.done = 1;
}

VIMQ_HW_TARGET_NS_END
} // namespace vimq::hw
