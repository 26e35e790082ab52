//===- Overlay.h - the overlay's top function and its control/status interface ------*- C++ -*-===//
//
// This is the kernel interface as synthesised (m_axi for instructions, DDR and the buffer
// table; s_axilite for Control) and as the `sim` device calls it. Each vimq_hw_sim_<target>
// library defines vimq_overlay & co. for one target in the inline namespace vimq::hw::<target>
// (the macro VIMQ_HW_SIM_TARGET, which that library gives its users, names it), so the
// libraries of every target link into one binary: a binary linking one of them (vimq_hw_sim
// is the default target's) calls hw::vimq_overlay; one linking all of them
// (vimq_hw_sim_targets, the runtime) picks a target from vimq/hw/SimTargets.h.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/OverlayStatus.h"
#include "vimq/isa/Fields.h"

#include <cstdint>

namespace vimq::hw {


const char *overlayErrorName(OverlayError e);

const char *unitName(Unit u);
inline constexpr Unit unitOf(isa::Module m) { return static_cast<Unit>(unsigned(m) + 1); }

/// Cycle-model counters of one unit (see docs/overlay.md, "Cycle model").
struct UnitProfile {
  uint64_t instructions = 0;
  uint64_t busyCycles = 0;       ///< executing (loop structure + DDR transfer time)
  uint64_t loopIterations = 0;   ///< of busyCycles, the pipelined-loop iterations (II = 1)
  uint64_t stallCmdCycles = 0;   ///< idle, its command queue empty
  uint64_t stallTokenCycles = 0; ///< waiting for a dependency token
  uint64_t stallFullCycles = 0;  ///< blocked on a full command or token FIFO
  uint64_t stallDdrCycles = 0;   ///< LOAD/STORE: waiting for the shared DDR port
  uint64_t ddrBytes = 0;
};

/// The s_axilite register file. Inputs are written by the host before `start`; outputs are
/// valid once `done` is 1.
struct Control {
  // inputs
  uint32_t start = 0;
  uint32_t insnBase = 0;  ///< index of the first instruction in the instruction region
  uint32_t insnCount = 0; ///< instructions available from insnBase (FINISH must be among them)
  uint32_t numBuffers = 0;
  // outputs
  uint32_t done = 0;
  uint32_t error = 0;        ///< an OverlayError
  uint32_t errorInsn = 0;    ///< index (relative to insnBase) of the failing instruction
  uint32_t waitingUnits = 0; ///< on Deadlock: bit u set for every waiting Unit
  uint64_t cycles = 0;       ///< modeled cycles from start to done
  uint64_t fingerprint = 0;  ///< read-only: ISA version + target parameters
  uint32_t clockMhz = 0;     ///< read-only: the target clock (latency = cycles / clockMhz us)
  UnitProfile profile[kNumUnits];
};

/// Modeled latency of the last run at the target clock, in microseconds.
inline double modeledLatencyUs(const Control &ctl) {
  return ctl.clockMhz ? double(ctl.cycles) / double(ctl.clockMhz) : 0.0;
}

/// One target's simulator: what the sim device needs to pick it by a bundle's fingerprint and
/// run it. Each vimq_hw_sim_<target> library defines one (kSimTarget, below).
struct SimTarget {
  const char *name;     ///< hw/targets/<name>.json
  uint64_t fingerprint; ///< ISA version + the target's parameters (docs/overlay.md)
  uint32_t clockMhz;
  /// The target's vimq_overlay and vimq_seq (below).
  void (*overlay)(const isa::Instr *insns, uint8_t *ddr, const DdrBuffer *buffers, Control &ctl);
  void (*seq)(const uint64_t *insns, uint32_t insn_count, uint8_t *ddr, const uint64_t *buffers,
              uint32_t num_buffers, uint64_t *status);
};

// The entries of one target: in its namespace when the includer names one (a binary linking
// vimq_hw_sim_<target>), else in vimq::hw as the HLS flow's one-target C simulation has them.
// A user of every target (vimq_hw_sim_targets: VIMQ_HW_SIM_ALL_TARGETS) reaches them through
// SimTargets.h only.
#if defined(VIMQ_HW_SIM_TARGET) || !defined(VIMQ_HW_SIM_ALL_TARGETS)
#ifdef VIMQ_HW_SIM_TARGET
inline namespace VIMQ_HW_SIM_TARGET {
#endif

/// Runs the instruction stream insns[insnBase .. insnBase + insnCount) to FINISH.
/// ddr is the DDR image; buffers[0 .. ctl.numBuffers) the buffer table.
void vimq_overlay(const isa::Instr *insns, uint8_t *ddr, const DdrBuffer *buffers, Control &ctl);

/// The single-kernel build of the overlay (hw/src/Sequential.cpp): the kernel ABI's arguments
/// (vimq/hw/KernelAbi.def) — instructions as 4 words each, the buffer table as {base, size}
/// pairs relative to `ddr`, the status block — with the modules run one at a time.
void vimq_seq(const uint64_t *insns, uint32_t insn_count, uint8_t *ddr, const uint64_t *buffers,
              uint32_t num_buffers, uint64_t *status);

/// The fingerprint of the linked sim target, and its name (also readable through Control).
uint64_t simFingerprint();
const char *simTargetName();

/// This target's entry for the registry of built-in targets (vimq/hw/SimTargets.h).
extern const SimTarget kSimTarget;

#ifdef VIMQ_HW_SIM_TARGET
} // namespace VIMQ_HW_SIM_TARGET
#endif
#endif

} // namespace vimq::hw
