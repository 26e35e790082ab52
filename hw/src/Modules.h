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

ExecResult loadExec(const isa::Instr &in, const OnChipRefs &mem, uint8_t *ddr,
                    const DdrBuffer *buffers, uint32_t numBuffers);
ExecResult storeExec(const isa::Instr &in, const OnChipRefs &mem, uint8_t *ddr,
                     const DdrBuffer *buffers, uint32_t numBuffers);
ExecResult linearExec(const isa::Instr &in, const OnChipRefs &mem);
ExecResult convExec(const isa::Instr &in, const OnChipRefs &mem);
ExecResult ssmExec(const isa::Instr &in, const OnChipRefs &mem);
ExecResult vectorExec(const isa::Instr &in, const OnChipRefs &mem);

/// LOAD also executes FINISH (it travels in LOAD's command queue): after FINISH's tokens it
/// reports `finish` to FETCH.
void vimq_load(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
               hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
               int8_t act[kActSize], uint8_t wgt[kWgtSize], int32_t vec[kVecSize],
               int32_t state[kStateSize], uint8_t *ddr, const DdrBuffer *buffers,
               uint32_t numBuffers);
void vimq_store(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                int8_t act[kActSize], uint8_t wgt[kWgtSize], int32_t vec[kVecSize],
                int32_t state[kStateSize], uint8_t *ddr, const DdrBuffer *buffers,
                uint32_t numBuffers);
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

} // namespace hw
} // namespace vimq
