//===- FakeKernel.h - vimq_fetch emulated on byte images, for the board-device tests -*- C++ -*-===//
//
// What the HLS kernel does with its arguments (hw/include/vimq/hw/KernelAbi.h), done by the
// sim overlay: a query (insn_count 0) writes the status header; a run decodes the instruction
// stream and the buffer table from their little-endian bytes, runs vimq_overlay on the DDR
// bytes and writes the whole status block. The fake XRT and the fake XDMA card both call it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/KernelAbi.h"
#include "vimq/hw/Overlay.h"
#include "vimq/isa/Fields.h"

#include <vector>

namespace vimq::test {

/// `fingerprintXor` lets a test pose as a different overlay.
inline void emulateVimqFetch(const uint8_t *insns, uint32_t insnCount, uint8_t *ddr,
                             const uint8_t *table, uint32_t numBuffers, uint8_t *status,
                             uint64_t fingerprintXor = 0) {
  namespace abi = hw::abi;
  hw::Control ctl;
  if (insnCount == 0) {
    ctl.start = 0; // reports fingerprint and clock without running anything
    hw::vimq_overlay(nullptr, nullptr, nullptr, ctl);
    abi::StatusBlock s = abi::makeStatusBlock(ctl.fingerprint ^ fingerprintXor, ctl.clockMhz);
    abi::encodeStatus(s, status, abi::kStatusHeaderWords);
    return;
  }
  std::vector<isa::Instr> code(insnCount);
  for (uint32_t i = 0; i < insnCount; ++i)
    code[i] = isa::loadInstr(insns + uint64_t(i) * abi::kInsnBytes);
  std::vector<hw::DdrBuffer> buffers(numBuffers);
  for (uint32_t i = 0; i < numBuffers; ++i)
    buffers[i] = {abi::bufferEntryBase(table, i), abi::bufferEntrySize(table, i)};
  ctl.start = 1;
  ctl.insnCount = insnCount;
  ctl.numBuffers = numBuffers;
  hw::vimq_overlay(code.data(), ddr, buffers.data(), ctl);
  abi::StatusBlock s = abi::makeStatusBlock(ctl.fingerprint ^ fingerprintXor, ctl.clockMhz);
  s.error = ctl.error;
  s.errorInsn = ctl.errorInsn;
  s.waitingUnits = ctl.waitingUnits;
  s.cycles = ctl.cycles;
  for (uint32_t u = 0; u < abi::kStatusUnits; ++u) {
    const hw::UnitProfile &p = ctl.profile[u];
    const uint64_t values[abi::kUnitCounters] = {
        p.instructions,     p.busyCycles,      p.stallCmdCycles, p.stallTokenCycles,
        p.stallFullCycles, p.stallDdrCycles, p.ddrBytes};
    for (uint32_t c = 0; c < abi::kUnitCounters; ++c)
      s.counters[u][c] = values[c];
  }
  abi::encodeStatus(s, status);
}

/// A small bundle program: y = w + x (weights buffer 0, input 1, output 2; i32 3x8).
inline const char *kAddWeightsProgram = R"(
.buffer 0 weights 96
.buffer 1 input 96
.buffer 2 output 96
.input x buf=1 off=0 dtype=i32 shape=3x8
.output y buf=2 off=0 dtype=i32 shape=3x8
LOAD buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=0, ddr_stride=32
LOAD buf=vec, dtype=i32, addr=32, pitch=8, rows=3, cols=8, ddr_buf=1, ddr_stride=32 ; push=vector
VECTOR op=add, rows=3, cols=8, a_pitch=8, b_addr=32, b_pitch=8, o_addr=64, o_pitch=8 ; pop=load, push=store
STORE buf=vec, dtype=i32, addr=64, pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=vector
FINISH
)";

/// Instruction 1 (VECTOR) pops a token nobody pushes: a deadlock the overlay reports.
inline const char *kDeadlockProgram = R"(
.buffer 1 input 96
.buffer 2 output 96
LOAD buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=1, ddr_stride=32
VECTOR op=copy, rows=3, cols=8, a_pitch=8, o_addr=64, o_pitch=8 ; pop=load, push=store
STORE buf=vec, dtype=i32, addr=64, pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=vector
FINISH
)";

} // namespace vimq::test
