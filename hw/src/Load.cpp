//===- Load.cpp - LOAD: 2-D strided DDR -> on-chip copy with padding and row reversal --------===//
//
// One pipelined beat moves dmaLanes(buf, element bytes) elements: as many as the DDR port
// delivers per cycle, at most one per bank of the destination memory (consecutive elements of
// a row are in distinct banks under cyclic partitioning). Zero rows and columns of padding
// take beats too. A gathering LOAD (an embedding lookup) first reads the row's index from vec,
// one beat per row, and checks it against the table's `limit` before it forms the DDR address:
// an invalid token id stops the overlay instead of reading outside the table.
//
//===----------------------------------------------------------------------------------------===//
#include "Modules.h"

#include "Dma.h"

#ifndef __SYNTHESIS__
#include "SimHooks.h"
#endif

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

void writeMem(const OnChipRefs &m, isa::Buf b, uint64_t i, int64_t v) {
  switch (b) {
  case isa::Buf::act:
    m.act[i] = int8_t(v);
    break;
  case isa::Buf::wgt:
    m.wgt[i] = uint8_t(v);
    break;
  case isa::Buf::vec:
    m.vec[i] = sat32From64(v);
    break;
  case isa::Buf::state:
    m.state[i] = sat32From64(v);
    break;
  }
}

struct LoadFn {
  OnChipRefs mem;
  uint8_t *ddr;
  ExecResult operator()(const Command &c) const {
    return loadExec(c.in, mem, ddr, c.ddrValid ? &c.ddr : 0);
  }
};

} // namespace

ExecResult loadExec(const isa::Instr &in, const OnChipRefs &mem, uint8_t *ddr,
                    const DdrBuffer *buffer) {
  namespace fld = isa::fld;
  const uint64_t bufField = fieldOf(in, fld::LOAD_buf), dtField = fieldOf(in, fld::LOAD_dtype);
  const uint64_t addr = fieldOf(in, fld::LOAD_addr), pitch = fieldOf(in, fld::LOAD_pitch);
  const uint64_t rows = fieldOf(in, fld::LOAD_rows), cols = fieldOf(in, fld::LOAD_cols);
  const uint64_t padRows = fieldOf(in, fld::LOAD_pad_rows);
  const uint64_t padCols = fieldOf(in, fld::LOAD_pad_cols);
  const uint64_t off = fieldOf(in, fld::LOAD_ddr_off), stride = fieldOf(in, fld::LOAD_ddr_stride);
  const bool reverse = fieldOf(in, fld::LOAD_reverse);
  const bool gather = fieldOf(in, fld::LOAD_gather);
  const uint64_t idxAddr = fieldOf(in, fld::LOAD_idx_addr), limit = fieldOf(in, fld::LOAD_limit);
  if (bufField > 3 || dtField > 5)
    return execFail(OverlayError::BadField);
  const isa::Buf buf = static_cast<isa::Buf>(bufField);
  const isa::DType dt = static_cast<isa::DType>(dtField);
  if (!dmaTypeAllowed(buf, dt))
    return execFail(OverlayError::BadField);
  // An empty table, or indices the gather itself would overwrite (ISA verifier rules).
  if (gather && (limit == 0 || isa::gatherIndicesOverlapDestination(in)))
    return execFail(OverlayError::BadField);
  const unsigned eb = isa::dtypeBytes(dt);
  // A gather may read any of the table's `limit` rows: the whole table must be in the buffer.
  if (!buffer || !ddrRangeOk(*buffer, off, stride, isa::dmaDdrRows(in), cols * eb))
    return execFail(OverlayError::DmaOutOfRange);
  const uint64_t width = cols + padCols;
  if (!regionOk(addr, pitch, padRows + rows, width, memSize(buf)) ||
      (gather && !regionOk(idxAddr, 0, 1, rows, kVecSize)))
    return execFail(OverlayError::OnChipOutOfRange);

  const uint8_t *base = ddr + buffer->base + off;
  const uint64_t lanes = dmaLanes(buf, eb), padLanes = memBanks(buf);
  const uint64_t padBeats = ceilDiv(width, padLanes), rowBeats = ceilDiv(width, lanes);
  // A gather reads each row's index from vec in a beat of its own.
  const uint64_t idxBeats = gather ? 1 : 0;
  ExecResult r = execOk(padRows * padBeats + rows * (idxBeats + rowBeats),
                        uint64_t(cfg::kDdrLatencyCycles));
  r.ddrBytes = rows * cols * eb;
  r.ddrPortCycles = dmaPortCycles(rows, cols * eb);
#ifndef __SYNTHESIS__
  if (sim::fastPathsEnabled() &&
      sim::loadRaw(mem, buf, dt, addr, pitch, rows, cols, padRows, padCols, reverse, base, stride,
                   gather ? mem.vec + idxAddr : 0, limit))
    return r;
#endif
  for (uint64_t row = 0; row < padRows + rows; ++row) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
    const bool pad = row < padRows;
    const uint64_t i = row - padRows; // DDR row (when not padding)
    const uint64_t dst = addr + (pad ? row : padRows + (reverse ? rows - 1 - i : i)) * pitch;
    uint64_t ddrRow = i;
    if (!pad && gather) {
      VIMQ_COUNT_ITERATION(Unit::Load);
      const int32_t idx = mem.vec[idxAddr + i];
      if (idx < 0 || uint64_t(idx) >= limit)
        return execFail(OverlayError::IndexOutOfRange);
      ddrRow = uint64_t(idx);
    }
    // Not formed for a padding row: i wraps there, and so would the pointer (UB).
    const uint8_t *src = pad ? base : base + ddrRow * stride;
    const uint64_t perBeat = pad ? padLanes : lanes, beats = pad ? padBeats : rowBeats;
    for (uint64_t beat = 0; beat < beats; ++beat) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
#pragma HLS PIPELINE II = 1
      VIMQ_COUNT_ITERATION(Unit::Load);
      for (int e = 0; e < kDmaLanes; ++e) {
#pragma HLS UNROLL
        const uint64_t c = beat * perBeat + uint64_t(e);
        if (uint64_t(e) < perBeat && c < width)
          writeMem(mem, buf, dst + c, pad || c >= cols ? 0 : readDdrElem(src + c * eb, dt));
      }
    }
  }
  return r;
}

void vimq_load(hls::stream<Command> &cmd, hls::stream<Token> tokIn[kModules],
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
  serveCommand(cmd, tokIn, tokOut, report, LoadFn{mem, ddr});
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
