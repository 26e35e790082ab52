//===- Fetch.cpp - FETCH: the kernel the host starts (XRT / XDMA) ----------------------------===//
//
// vimq_fetch is the only module with a control interface (ap_ctrl_hs + s_axilite): its
// arguments are KernelAbi.def's, in that order. A run reads the instruction stream in order,
// routes every instruction to its module's command queue (blocking when the queue is full, as
// the C simulation models), looks up LOAD/STORE's DDR buffer in the table so those modules need
// no port to it, and collects the modules' reports: the first error stops the run, the report
// of FINISH (which LOAD executes after the tokens it names) ends it. A watchdog turns a run that
// makes no progress into a Deadlock error instead of a hang. Then it writes the status block.
// A run with insn_count == 0 is a query: only the status header (fingerprint, clock).
//
// What the board's status holds: error, failing instruction and the cycles FETCH counted; the
// per-unit profile is the C simulation's cycle model (the counters stay 0 on a board).
//
//===----------------------------------------------------------------------------------------===//
#define VIMQ_KERNEL_INSN_T const uint64_t // four little-endian words per instruction
#define VIMQ_KERNEL_DDR_T uint8_t
#define VIMQ_KERNEL_TABLE_T const uint64_t // {base, size} per buffer
#define VIMQ_KERNEL_STATUS_T uint64_t
#include "Fetch.h"
#include "Modules.h"
#include "vimq/hw/KernelAbi.h"

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

/// Cycles without a report after the last dispatch before the run is declared deadlocked.
constexpr uint32_t kWatchdogCycles = 1u << 24;

void writeStatus(const abi::StatusBlock &s, uint64_t *status, uint32_t words) {
  for (uint32_t w = 0; w < abi::kStatusWords; ++w) {
#pragma HLS PIPELINE II = 1
    if (w < words)
      status[w] = abi::statusWord(s, w);
  }
}

/// Takes the reports that are ready (non-blocking): records the first error, sees FINISH.
void collectReports(hls::stream<Report> report[kModules], uint32_t &error, uint32_t &errorInsn,
                    bool &finished, bool &any) {
  for (unsigned m = 0; m < kModules; ++m) {
#pragma HLS UNROLL
    Report r;
    if (report[m].read_nb(r)) {
      any = true;
      if (r.error != 0 && error == 0) {
        error = r.error;
        errorInsn = r.index;
      }
      if (r.finish)
        finished = true;
    }
  }
}

} // namespace

/// The ABI (KernelAbi.def) fixes the order and types of vimq_fetch's first parameters; they are
/// spelled out below so that the pragmas name them, and checked against the table here.
template <typename A, typename B> struct SameType { static const bool value = false; };
template <typename A> struct SameType<A, A> { static const bool value = true; };
typedef void FetchAbiSignature(VIMQ_FETCH_PARAMS, hls::stream<Command> *, hls::stream<Report> *);
static_assert(SameType<decltype(vimq_fetch), FetchAbiSignature>::value,
              "vimq_fetch's parameters follow KernelAbi.def");

void vimq_fetch(const uint64_t *insns, uint32_t insn_count, uint8_t *ddr,
                const uint64_t *buffers, uint32_t num_buffers, uint64_t *status,
                hls::stream<Command> cmd[kModules], hls::stream<Report> report[kModules]) {
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
#pragma HLS INTERFACE axis port = cmd
#pragma HLS INTERFACE axis port = report
  (void)ddr; // the LOAD/STORE modules' DDR port: the block design gives them this base
  abi::StatusBlock s = abi::makeStatusBlock(kTargetFingerprint, uint32_t(cfg::kClockMhz));
  if (insn_count == 0) {
    writeStatus(s, status, abi::kStatusHeaderWords);
    return;
  }
  uint32_t error = 0, errorInsn = 0;
  bool finished = false, sentFinish = false;
  uint64_t cycles = 0;
  for (uint32_t i = 0; i < insn_count && error == 0 && !sentFinish; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65536
    Command c;
    unsigned m = 0;
    const OverlayError e = fetchCommand(insns, i, buffers, num_buffers, c, m);
    if (e != OverlayError::None) {
      error = uint32_t(e);
      errorInsn = i;
      break;
    }
    const isa::Opcode op = isa::opcodeOf(c.in);
    cmd[m].write(c);
    cycles += kFetchCycles;
    sentFinish = op == isa::Opcode::FINISH;
    bool any = false;
    collectReports(report, error, errorInsn, finished, any);
  }
  if (error == 0 && !sentFinish) {
    error = uint32_t(OverlayError::NoFinish);
    errorInsn = insn_count;
  }
  // Wait for FINISH's report; every report restarts the watchdog.
  for (uint32_t idle = 0; idle < kWatchdogCycles && error == 0 && !finished;) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16777216
#pragma HLS PIPELINE II = 1
    bool any = false;
    collectReports(report, error, errorInsn, finished, any);
    idle = any ? 0 : idle + 1;
    ++cycles;
  }
  if (error == 0 && !finished) {
    error = uint32_t(OverlayError::Deadlock);
    errorInsn = insn_count;
  }
  s.error = error;
  s.errorInsn = errorInsn;
  s.cycles = cycles;
  writeStatus(s, status, abi::kStatusWords);
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
