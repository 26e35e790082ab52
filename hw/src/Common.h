//===- Common.h - what every overlay module shares (synthesizable, C++14) -----------*- C++ -*-===//
//
// The modules in hw/src are written as Vitis HLS synthesizes them: C++14, no STL, no heap, fixed
// sizes from the target's generated TargetConfig.h. Each module is one file with
//   - `<module>Exec`: the work of one instruction on the on-chip memories (and DDR), returning its
//     error and its cycle-model figures, computed from the same loop constants the code uses;
//   - `vimq_<module>`: the HLS top: pop a command, pop the tokens it names, run Exec, push tokens.
// The C-simulation harness (hw/sim) models the FIFOs and time around the same Exec functions.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/Hls.h"
#include "Instrument.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/OverlayStatus.h"
#include "vimq/hw/TargetConfig.h"
#include "vimq/isa/Fields.h"

#include <stdint.h>

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

/// What executing one instruction cost, by the cycle model. `iterations` is the number of
/// pipelined-loop iterations (II = 1) the module's loops run for it; `cycles` adds the fixed
/// costs (pipeline fill per loop entry, DDR latency) to them: busy = iterations + overhead.
struct ExecResult {
  OverlayError error;
  uint64_t cycles;
  uint64_t iterations;
  uint64_t ddrBytes;
  uint64_t ddrPortCycles; ///< of `cycles`, the part that occupies the shared DDR port
};

inline ExecResult execOk(uint64_t iterations, uint64_t overhead) {
  ExecResult r = {OverlayError::None, iterations + overhead, iterations, 0, 0};
  return r;
}
inline ExecResult execFail(OverlayError e) {
  ExecResult r = {e, 0, 0, 0, 0};
  return r;
}

constexpr int64_t maxOf(int64_t a, int64_t b) { return a > b ? a : b; }
constexpr uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/// Bank counts of the on-chip memories (cyclic partitioning on the element address). Each is
/// the widest parallel access any engine makes to that memory in one cycle:
///   act:   LINEAR reads linear_rows rows (one per bank, pitch coprime to 6), VECTOR quant
///          writes vector_width consecutive codes;
///   wgt:   LINEAR reads linear_cols weight rows (pitch isa::bankPitch(k));
///   vec:   VECTOR/CONV/SSM/LINEAR-epilogue lanes read or write consecutive words;
///   state: the SSM lanes read and write consecutive state words.
constexpr int kActBanks = int(maxOf(cfg::kLinearRows, cfg::kVectorWidth));
constexpr int kWgtBanks = int(cfg::kLinearCols);
constexpr int kVecBanks =
    int(maxOf(maxOf(cfg::kVectorWidth, cfg::kSsmLanes), maxOf(cfg::kConvLanes, cfg::kLinearCols)));
constexpr int kStateBanks = int(cfg::kSsmLanes);

/// 2^a * 3^b for a <= 9, b <= 6: exactly the divisors of 2^9 * 3^6.
constexpr bool isBankCount(int64_t n) { return n > 0 && (int64_t(512) * 729) % n == 0; }
static_assert(isBankCount(kActBanks) && isBankCount(kWgtBanks) && isBankCount(kVecBanks) &&
                  isBankCount(kStateBanks),
              "bank counts are 2^a * 3^b: pitches coprime to 6 then spread rows over the banks");

/// The on-chip memories' sizes (elements).
constexpr uint64_t kActSize = uint64_t(cfg::kActBufBytes);
constexpr uint64_t kWgtSize = uint64_t(cfg::kWgtBufBytes);
constexpr uint64_t kVecSize = uint64_t(cfg::kVecBufWords);
constexpr uint64_t kStateSize = uint64_t(cfg::kStateBufWords);

inline uint64_t fieldOf(const isa::Instr &in, isa::Field f) { return isa::getBits(in, f); }

/// A rows x cols region with a row pitch, starting at addr, inside a memory of `size` elements.
inline bool regionOk(uint64_t addr, uint64_t pitch, uint64_t rows, uint64_t cols, uint64_t size) {
  if (rows == 0 || cols == 0)
    return addr <= size;
  return addr + (rows - 1) * pitch + cols <= size;
}

/// The four on-chip memories as a module sees them (array ports of the HLS tops).
struct OnChipRefs {
  int8_t *act;
  uint8_t *wgt;
  int32_t *vec;
  int32_t *state;
};

/// The FIFO words between modules: a command (the instruction and its index in the stream,
/// which errors report) and a dependency token.
struct Command {
  isa::Instr in;
  uint32_t index;
  /// LOAD/STORE: the buffer table entry of the instruction's ddr_buf, looked up by FETCH (the
  /// modules have no port to the table); ddrValid is 0 for an id beyond the table.
  DdrBuffer ddr;
  uint8_t ddrValid;
};
typedef uint8_t Token;
/// What a module tells FETCH after each instruction: its index and error; `finish` marks
/// FINISH, which LOAD executes last (after the tokens it names).
struct Report {
  uint32_t index;
  uint32_t error;
  uint8_t finish;
};

constexpr unsigned kModules = isa::kNumModules;

/// The top's handshake around Exec: take one token from each module named in `pop` (blocking
/// reads), and give one to each named in `push`.
inline void popTokens(const isa::Instr &in, hls::stream<Token> tokIn[kModules]) {
  const uint8_t m = isa::popMask(in);
  for (unsigned src = 0; src < kModules; ++src) {
#pragma HLS UNROLL
    if (m >> src & 1)
      (void)tokIn[src].read();
  }
}
inline void pushTokens(const isa::Instr &in, hls::stream<Token> tokOut[kModules]) {
  const uint8_t m = isa::pushMask(in);
  for (unsigned dst = 0; dst < kModules; ++dst) {
#pragma HLS UNROLL
    if (m >> dst & 1)
      tokOut[dst].write(Token(1));
  }
}

/// One command served by a module's HLS top: the blocking handshake around `exec` (a functor
/// taking the Command and returning its ExecResult). FINISH (in LOAD's queue) executes
/// nothing: its tokens order it after the modules it names, then FETCH is told.
template <typename ExecFn>
inline void serveCommand(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                         hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                         const ExecFn &exec) {
  const Command c = cmd.read();
  popTokens(c.in, tokIn);
  Report rep;
  rep.index = c.index;
  rep.finish = isa::opcodeOf(c.in) == isa::Opcode::FINISH;
  rep.error = rep.finish ? 0u : uint32_t(exec(c).error);
  pushTokens(c.in, tokOut);
  report.write(rep);
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
