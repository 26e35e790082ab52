//===- Store.cpp - STORE: 2-D strided on-chip -> DDR copy with row reversal ------------------===//
//
// The mirror of LOAD (Load.cpp): one pipelined beat moves dmaLanes(buf, element bytes) elements,
// clamped to the DDR type's range.
//
//===----------------------------------------------------------------------------------------===//
#include "Dma.h"
#include "Modules.h"

#ifndef __SYNTHESIS__
#include "SimHooks.h"
#endif

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

int64_t readMem(const OnChipRefs &m, isa::Buf b, uint64_t i) {
  switch (b) {
  case isa::Buf::act:
    return m.act[i];
  case isa::Buf::wgt:
    return m.wgt[i];
  case isa::Buf::vec:
    return m.vec[i];
  case isa::Buf::state:
    return m.state[i];
  }
  return 0;
}

struct StoreFn {
  OnChipRefs mem;
  uint8_t *ddr;
  ExecResult operator()(const Command &c) const {
    return storeExec(c.in, mem, ddr, c.ddrValid ? &c.ddr : 0);
  }
};

} // namespace

ExecResult storeExec(const isa::Instr &in, const OnChipRefs &mem, uint8_t *ddr,
                     const DdrBuffer *buffer) {
  namespace fld = isa::fld;
  const uint64_t bufField = fieldOf(in, fld::STORE_buf), dtField = fieldOf(in, fld::STORE_dtype);
  const uint64_t addr = fieldOf(in, fld::STORE_addr), pitch = fieldOf(in, fld::STORE_pitch);
  const uint64_t rows = fieldOf(in, fld::STORE_rows), cols = fieldOf(in, fld::STORE_cols);
  const uint64_t off = fieldOf(in, fld::STORE_ddr_off);
  const uint64_t stride = fieldOf(in, fld::STORE_ddr_stride);
  const bool reverse = fieldOf(in, fld::STORE_reverse);
  if (bufField > 3 || dtField > 5)
    return execFail(OverlayError::BadField);
  const isa::Buf buf = static_cast<isa::Buf>(bufField);
  const isa::DType dt = static_cast<isa::DType>(dtField);
  if (!dmaTypeAllowed(buf, dt))
    return execFail(OverlayError::BadField);
  const unsigned eb = isa::dtypeBytes(dt);
  if (!buffer || !ddrRangeOk(*buffer, off, stride, rows, cols * eb))
    return execFail(OverlayError::DmaOutOfRange);
  if (!regionOk(addr, pitch, rows, cols, memSize(buf)))
    return execFail(OverlayError::OnChipOutOfRange);

  uint8_t *base = ddr + buffer->base + off;
  const uint64_t lanes = dmaLanes(buf, eb), beats = ceilDiv(cols, lanes);
  ExecResult r = execOk(rows * beats, uint64_t(cfg::kDdrLatencyCycles));
  r.ddrBytes = rows * cols * eb;
  r.ddrPortCycles = dmaPortCycles(rows, cols * eb);
#ifndef __SYNTHESIS__
  if (sim::fastPathsEnabled() && sim::storeRaw(mem, buf, dt, addr, pitch, rows, cols, reverse,
                                                base, stride))
    return r;
#endif
  for (uint64_t i = 0; i < rows; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
    const uint64_t src = addr + (reverse ? rows - 1 - i : i) * pitch;
    uint8_t *dst = base + i * stride;
    for (uint64_t beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Store);
      for (int e = 0; e < kDmaLanes; ++e) {
#pragma HLS UNROLL
        const uint64_t c = beat * lanes + uint64_t(e);
        if (uint64_t(e) < lanes && c < cols)
          writeDdrElem(dst + c * eb, dt, readMem(mem, buf, src + c));
      }
    }
  }
  return r;
}

void vimq_store(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
                hls::stream<Token> tokOut[kModules], hls::stream<Report> &report,
                int8_t act[kActSize], uint8_t wgt[kWgtSize], int32_t vec[kVecSize],
                int32_t state[kStateSize], uint8_t *ddr) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = cmd
#pragma HLS INTERFACE axis port = tokIn
#pragma HLS INTERFACE axis port = tokOut
#pragma HLS INTERFACE axis port = report
#pragma HLS INTERFACE bram port = act
#pragma HLS INTERFACE bram port = wgt
#pragma HLS INTERFACE bram port = vec
#pragma HLS INTERFACE bram port = state
#pragma HLS INTERFACE m_axi port = ddr offset = direct bundle = gmem_ddr
#pragma HLS ARRAY_PARTITION variable = act cyclic factor = kActBanks
#pragma HLS ARRAY_PARTITION variable = wgt cyclic factor = kWgtBanks
#pragma HLS ARRAY_PARTITION variable = vec cyclic factor = kVecBanks
#pragma HLS ARRAY_PARTITION variable = state cyclic factor = kStateBanks
  const OnChipRefs mem = {act, wgt, vec, state};
  serveCommand(cmd, tokIn, tokOut, report, StoreFn{mem, ddr});
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
