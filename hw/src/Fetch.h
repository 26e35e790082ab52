//===- Fetch.h - FETCH's decisions, shared by its HLS top and the C simulation -------*- C++ -*-===//
#pragma once

#include "Common.h"
#include "vimq/hw/Fingerprint.h"

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

/// The module whose command queue takes `in`, or the error that stops the stream there: an
/// unknown opcode, or a token mask naming the executing module itself or a bit beyond the
/// modules (there is no token queue from a module to itself).
inline OverlayError fetchRoute(const isa::Instr &in, unsigned &module) {
  const uint64_t opc = isa::getBits(in, isa::fld::COMMON_opcode);
  if (!isa::isKnownOpcode(opc))
    return OverlayError::UnknownOpcode;
  module = unsigned(isa::opcodeModule(static_cast<isa::Opcode>(opc)));
  const unsigned masks = unsigned(isa::popMask(in)) | unsigned(isa::pushMask(in));
  if (masks & (unsigned(isa::moduleBit(isa::Module(module))) | ~((1u << kModules) - 1)))
    return OverlayError::BadField;
  return OverlayError::None;
}

/// FETCH's work for instruction i of the stream: read its words, route it (`module`, or the
/// error that stops the stream) and, for LOAD/STORE, put its buffer-table entry in the command
/// (the modules have no port to the table). Shared by vimq_fetch and vimq_seq.
inline OverlayError fetchCommand(const uint64_t *insns, uint32_t i, const uint64_t *buffers,
                                 uint32_t numBuffers, Command &c, unsigned &module) {
  for (unsigned w = 0; w < isa::kInstrWords; ++w) {
#pragma HLS UNROLL
    c.in.w[w] = insns[uint64_t(i) * isa::kInstrWords + w];
  }
  c.index = i;
  c.ddr.base = 0;
  c.ddr.size = 0;
  c.ddrValid = 0;
  const OverlayError e = fetchRoute(c.in, module);
  if (e != OverlayError::None)
    return e;
  const isa::Opcode op = isa::opcodeOf(c.in);
  if (op == isa::Opcode::LOAD || op == isa::Opcode::STORE) {
    const uint64_t id = isa::getBits(c.in, op == isa::Opcode::LOAD ? isa::fld::LOAD_ddr_buf
                                                                   : isa::fld::STORE_ddr_buf);
    if (id < numBuffers) {
      c.ddr.base = buffers[2 * id];
      c.ddr.size = buffers[2 * id + 1];
      c.ddrValid = 1;
    }
  }
  return OverlayError::None;
}

/// Cycles FETCH spends reading one instruction from DDR.
constexpr uint64_t kFetchCycles =
    (isa::kInstrBytes + uint64_t(cfg::kDdrBytesPerCycle) - 1) / uint64_t(cfg::kDdrBytesPerCycle);

constexpr uint64_t computeTargetFingerprint() {
  FingerprintBuilder fp;
  fp.addIsaVersion(isa::kIsaVersion);
  for (unsigned i = 0; i < sizeof(cfg::kParams) / sizeof(cfg::kParams[0]); ++i)
    fp.addParam(cfg::kParams[i].name, static_cast<uint64_t>(cfg::kParams[i].value));
  return fp.value();
}
/// The read-only fingerprint register: the ISA version and every synthesis parameter.
constexpr uint64_t kTargetFingerprint = computeTargetFingerprint();

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
