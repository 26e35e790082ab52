//===- Modules.h - the overlay's modules: one Exec function and one HLS top each -----*- C++ -*-===//
//
// `<module>Exec` runs one instruction on the on-chip memories and returns its error and its
// cycle-model figures (ExecResult); the C-simulation harness (hw/sim/Overlay.cpp) calls these.
// `vimq_<module>` is the module's HLS top: a free-running (ap_ctrl_none) process that pops one
// command, pops the tokens it names (blocking), runs Exec, pushes its tokens and reports to
// FETCH. Memories are array ports partitioned into the banks of Common.h.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Common.h"

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

/// `buffer`: the table entry of the instruction's ddr_buf (null: beyond the table).
ExecResult loadExec(const isa::Instr &in, const OnChipRefs &mem, uint8_t *ddr,
                    const DdrBuffer *buffer);
ExecResult storeExec(const isa::Instr &in, const OnChipRefs &mem, uint8_t *ddr,
                     const DdrBuffer *buffer);
ExecResult linearExec(const isa::Instr &in, const OnChipRefs &mem);
ExecResult convExec(const isa::Instr &in, const OnChipRefs &mem);
ExecResult ssmExec(const isa::Instr &in, const OnChipRefs &mem);
ExecResult vectorExec(const isa::Instr &in, const OnChipRefs &mem);

/// FETCH, the kernel the host starts: the kernel ABI's arguments (vimq/hw/KernelAbi.def), then
/// the command queue of every module and the report stream from every module.
void vimq_fetch(const uint64_t *insns, uint32_t insn_count, uint8_t *ddr,
                const uint64_t *buffers, uint32_t num_buffers, uint64_t *status,
                hls::stream<Command> cmd[kModules], hls::stream<Report> report[kModules]);

/// The whole overlay as one kernel that owns the memories and runs the modules one at a time in
/// token order (Sequential.cpp): vimq_fetch's ABI and status block, no module overlap.
void vimq_seq(const uint64_t *insns, uint32_t insn_count, uint8_t *ddr, const uint64_t *buffers,
              uint32_t num_buffers, uint64_t *status);

/// LOAD also executes FINISH (it travels in LOAD's command queue): after FINISH's tokens it
/// reports `finish` to FETCH.
void vimq_load(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
               hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
               int8_t act[kActSize], uint8_t wgt[kWgtSize], int32_t vec[kVecSize],
               int32_t state[kStateSize], uint8_t *ddr);
void vimq_store(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                int8_t act[kActSize], uint8_t wgt[kWgtSize], int32_t vec[kVecSize],
                int32_t state[kStateSize], uint8_t *ddr);
void vimq_linear(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                 hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                 int8_t act[kActSize], uint8_t wgt[kWgtSize], int32_t vec[kVecSize]);
void vimq_conv(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
               hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
               uint8_t wgt[kWgtSize], int32_t vec[kVecSize]);
void vimq_ssm(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
              hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
              int32_t vec[kVecSize], int32_t state[kStateSize]);
void vimq_vector(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                 hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                 int8_t act[kActSize], int32_t vec[kVecSize]);

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
