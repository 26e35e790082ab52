//===- Sequential.cpp - vimq_seq: the whole overlay as one kernel, modules one at a time ------===//
//
// The concurrent overlay (one IP per module) needs the shared on-chip memories arbitrated
// between the module IPs, which is not designed yet (docs/overlay.md). This top is the other
// build, after VTA's single-function `vta()`: one HLS kernel that owns the memories and runs the
// same module Exec functions one instruction at a time, in the order the dependency tokens
// allow — the C simulation's scheduler without the clocks. It has exactly vimq_fetch's
// arguments and status block (KernelAbi.def), so the host paths drive either. No two modules
// overlap here: its latency is the sum of the modules' busy cycles, which the status reports.
//
//===----------------------------------------------------------------------------------------===//
#include "Fetch.h"
#include "Modules.h"
#include "vimq/hw/KernelAbi.h"

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

constexpr unsigned kQueueDepth = unsigned(cfg::kCmdFifoDepth);
constexpr uint32_t kTokenDepth = uint32_t(cfg::kTokenFifoDepth);

/// One module's command queue and its progress on the command at its head.
struct ModuleQueue {
  Command slot[kQueueDepth];
  unsigned head, count;
  bool executed;       ///< the head command ran; its pushes are pending
  uint8_t pendingPush; ///< modules still owed a token by the head command
};

struct SeqState {
  ModuleQueue q[kModules];
  uint32_t tokens[kModules][kModules]; ///< [from][to] tokens queued
  uint64_t busy[kModules];
  uint32_t error, errorInsn;
};

bool drained(const SeqState &st) {
  for (unsigned m = 0; m < kModules; ++m) {
#pragma HLS UNROLL
    if (st.q[m].count != 0)
      return false;
  }
  return true;
}

ExecResult execOne(const Command &c, const OnChipRefs &mem, uint8_t *ddr) {
  switch (isa::opcodeOf(c.in)) {
  case isa::Opcode::LOAD:
    return loadExec(c.in, mem, ddr, c.ddrValid ? &c.ddr : 0);
  case isa::Opcode::STORE:
    return storeExec(c.in, mem, ddr, c.ddrValid ? &c.ddr : 0);
  case isa::Opcode::LINEAR:
    return linearExec(c.in, mem);
  case isa::Opcode::CONV1D:
    return convExec(c.in, mem);
  case isa::Opcode::SSM:
    return ssmExec(c.in, mem);
  case isa::Opcode::VECTOR:
    return vectorExec(c.in, mem);
  default:
    return execOk(0, 0); // FINISH: a synchronisation point only
  }
}

/// Advances module m as far as it can: pop its head's tokens, run it, push its tokens.
/// Returns whether anything changed.
bool stepModule(SeqState &st, unsigned m, const OnChipRefs &mem, uint8_t *ddr) {
  ModuleQueue &q = st.q[m];
  if (q.count == 0)
    return false;
  bool progressed = false;
  const Command &c = q.slot[q.head];
  if (!q.executed) {
    const uint8_t need = isa::popMask(c.in);
    for (unsigned src = 0; src < kModules; ++src) {
#pragma HLS UNROLL
      if ((need >> src & 1) && st.tokens[src][m] == 0)
        return false; // waiting for a token
    }
    for (unsigned src = 0; src < kModules; ++src) {
#pragma HLS UNROLL
      if (need >> src & 1)
        --st.tokens[src][m];
    }
    const ExecResult r = execOne(c, mem, ddr);
    if (r.error != OverlayError::None) {
      st.error = uint32_t(r.error);
      st.errorInsn = c.index;
      return true;
    }
    st.busy[m] += r.cycles;
    q.executed = true;
    q.pendingPush = isa::pushMask(c.in);
    progressed = true;
  }
  for (unsigned dst = 0; dst < kModules; ++dst) {
#pragma HLS UNROLL
    if ((q.pendingPush >> dst & 1) && st.tokens[m][dst] < kTokenDepth) {
      ++st.tokens[m][dst];
      q.pendingPush = uint8_t(q.pendingPush & ~(1u << dst));
      progressed = true;
    }
  }
  if (q.pendingPush == 0) { // done with the head command
    q.head = (q.head + 1) % kQueueDepth;
    --q.count;
    q.executed = false;
    progressed = true;
  }
  return progressed;
}

} // namespace

void vimq_seq(const uint64_t *insns, uint32_t insn_count, uint8_t *ddr, const uint64_t *buffers,
              uint32_t num_buffers, uint64_t *status) {
#pragma HLS INTERFACE m_axi port = insns offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = ddr offset = slave bundle = gmem1
#pragma HLS INTERFACE m_axi port = buffers offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = status offset = slave bundle = gmem0
#pragma HLS INTERFACE s_axilite port = insns bundle = control
#pragma HLS INTERFACE s_axilite port = insn_count bundle = control
#pragma HLS INTERFACE s_axilite port = ddr bundle = control
#pragma HLS INTERFACE s_axilite port = buffers bundle = control
#pragma HLS INTERFACE s_axilite port = num_buffers bundle = control
#pragma HLS INTERFACE s_axilite port = status bundle = control
#pragma HLS INTERFACE s_axilite port = return bundle = control
  // The on-chip memories, owned by this kernel alone (one writer and reader: the kernel).
  static int8_t act[kActSize];
  static uint8_t wgt[kWgtSize];
  static int32_t vec[kVecSize];
  static int32_t state[kStateSize];
#pragma HLS ARRAY_PARTITION variable = act cyclic factor = kActBanks
#pragma HLS ARRAY_PARTITION variable = wgt cyclic factor = kWgtBanks
#pragma HLS ARRAY_PARTITION variable = vec cyclic factor = kVecBanks
#pragma HLS ARRAY_PARTITION variable = state cyclic factor = kStateBanks
  const OnChipRefs mem = {act, wgt, vec, state};
  abi::StatusBlock s = abi::makeStatusBlock(kTargetFingerprint, uint32_t(cfg::kClockMhz));
  if (insn_count == 0) {
    for (uint32_t w = 0; w < abi::kStatusHeaderWords; ++w) {
#pragma HLS PIPELINE II = 1
      status[w] = abi::statusWord(s, w);
    }
    return;
  }
  SeqState st = {};
  uint32_t pc = 0;
  uint64_t fetchCycles = 0;
  bool fetchStopped = false;
  // Every step that progresses consumes an instruction, a token or a queue slot; a step that
  // does not, with work left, is a deadlock. The bound only sizes the loop for HLS.
  for (uint32_t step = 0; st.error == 0 && !(fetchStopped && drained(st)); ++step) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1048576
    bool progressed = false;
    if (!fetchStopped) {
      if (pc >= insn_count) {
        st.error = uint32_t(OverlayError::NoFinish);
        st.errorInsn = pc;
        break;
      }
      Command c;
      unsigned m = 0;
      const OverlayError e = fetchCommand(insns, pc, buffers, num_buffers, c, m);
      if (e != OverlayError::None) {
        st.error = uint32_t(e);
        st.errorInsn = pc;
        break;
      }
      const isa::Opcode op = isa::opcodeOf(c.in);
      ModuleQueue &q = st.q[m];
      if (q.count < kQueueDepth) {
        q.slot[(q.head + q.count) % kQueueDepth] = c;
        ++q.count;
        ++pc;
        fetchCycles += kFetchCycles;
        fetchStopped = op == isa::Opcode::FINISH;
        progressed = true;
      }
    }
    for (unsigned m = 0; m < kModules && st.error == 0; ++m)
      progressed = stepModule(st, m, mem, ddr) || progressed;
    if (!progressed && st.error == 0) {
      st.error = uint32_t(OverlayError::Deadlock);
      st.errorInsn = pc;
    }
  }
  // Left-over tokens once everything ran: a missing pop somewhere in the program.
  if (st.error == 0) {
    for (unsigned a = 0; a < kModules; ++a)
      for (unsigned b = 0; b < kModules; ++b)
        if (st.tokens[a][b] != 0 && st.error == 0) {
          st.error = uint32_t(OverlayError::TokenLeftOver);
          st.errorInsn = pc;
        }
  }
  uint64_t cycles = fetchCycles;
  for (unsigned m = 0; m < kModules; ++m)
    cycles += st.busy[m];
  s.error = st.error;
  s.errorInsn = st.errorInsn;
  s.cycles = cycles; // modules run one at a time: the sum of their busy cycles
  for (uint32_t w = 0; w < abi::kStatusWords; ++w) {
#pragma HLS PIPELINE II = 1
    status[w] = abi::statusWord(s, w);
  }
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
