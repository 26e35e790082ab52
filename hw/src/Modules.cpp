//===- Modules.cpp - LOAD, STORE, LINEAR, CONV, SSM and VECTOR modules ------------------------===//
//
// In hardware each module streams its operands straight out of the on-chip banks; the sim
// gathers strided operands into dense scratch arrays first and calls the host-callable engine
// functions, which are the same code the HLS build pipelines. Cycle counts follow the loop
// structure the HLS code is written with (docs/overlay.md, "Cycle model").
//
//===----------------------------------------------------------------------------------------===//

#include "Modules.h"

#include "vimq/hw/ConvEngine.h"
#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/SsmEngine.h"
#include "vimq/hw/VectorEngine.h"

#include <bit>
#include <cstring>
#include <vector>

namespace vimq::hw {

using namespace isa;

namespace {

uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/// A rows x cols region with a row pitch, starting at addr, inside a buffer of `size` elements.
bool regionOk(uint64_t addr, uint64_t pitch, uint64_t rows, uint64_t cols, uint64_t size) {
  if (rows == 0 || cols == 0)
    return addr <= size;
  return addr + (rows - 1) * pitch + cols <= size;
}

uint64_t f(const Instr &in, Field fl) { return getBits(in, fl); }

/// Which DDR element types each on-chip buffer accepts (the DMA converts integers only: the
/// overlay has no floating-point datapath).
bool dtypeAllowed(Buf b, DType t) {
  switch (b) {
  case Buf::act:
    return t == DType::i8;
  case Buf::wgt:
    return t == DType::i8 || t == DType::u8;
  case Buf::vec:
  case Buf::state:
    return t == DType::i8 || t == DType::u8 || t == DType::i16 || t == DType::i32;
  }
  return false;
}

uint64_t bufSize(Buf b) {
  switch (b) {
  case Buf::act:
    return cfg::kActBufBytes;
  case Buf::wgt:
    return cfg::kWgtBufBytes;
  case Buf::vec:
    return cfg::kVecBufWords;
  case Buf::state:
    return cfg::kStateBufWords;
  }
  return 0;
}

int64_t readDdr(const uint8_t *p, DType t) {
  switch (t) {
  case DType::i8:
    return static_cast<int8_t>(p[0]);
  case DType::u8:
    return p[0];
  case DType::i16:
    return static_cast<int16_t>(uint16_t(p[0] | (p[1] << 8)));
  case DType::i32:
    return static_cast<int32_t>(uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
                                (uint32_t(p[3]) << 24));
  default:
    return 0;
  }
}

/// Stores clamp to the DDR type's range (two's-complement bounds, unlike the symmetric
/// quantizer); documented in docs/overlay.md.
void writeDdr(uint8_t *p, DType t, int64_t v) {
  auto clamp = [](int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; };
  switch (t) {
  case DType::i8:
    p[0] = static_cast<uint8_t>(clamp(v, -128, 127));
    break;
  case DType::u8:
    p[0] = static_cast<uint8_t>(clamp(v, 0, 255));
    break;
  case DType::i16: {
    uint16_t u = static_cast<uint16_t>(clamp(v, -32768, 32767));
    p[0] = uint8_t(u), p[1] = uint8_t(u >> 8);
    break;
  }
  case DType::i32: {
    uint32_t u = static_cast<uint32_t>(clamp(v, kInt32Min, kInt32Max));
    for (int i = 0; i < 4; ++i)
      p[i] = uint8_t(u >> (8 * i));
    break;
  }
  default:
    break;
  }
}

int64_t readBuf(const OnChip &m, Buf b, uint64_t i) {
  switch (b) {
  case Buf::act:
    return m.act[i];
  case Buf::wgt:
    return m.wgt[i];
  case Buf::vec:
    return m.vec[i];
  case Buf::state:
    return m.state[i];
  }
  return 0;
}

void writeBuf(OnChip &m, Buf b, uint64_t i, int64_t v) {
  switch (b) {
  case Buf::act:
    m.act[i] = static_cast<int8_t>(v);
    break;
  case Buf::wgt:
    m.wgt[i] = static_cast<uint8_t>(v);
    break;
  case Buf::vec:
    m.vec[i] = sat32(v);
    break;
  case Buf::state:
    m.state[i] = sat32(v);
    break;
  }
}

/// Port occupancy of a DDR transfer: one burst per row at the DDR width. The instruction also
/// pays the fixed ddr_latency_cycles, which overlaps other modules' transfers.
uint64_t dmaPortCycles(uint64_t rows, uint64_t rowBytes) {
  return rows * ceilDiv(rowBytes ? rowBytes : 1, cfg::kDdrBytesPerCycle);
}

bool ddrRangeOk(const DdrView &d, uint64_t id, uint64_t off, uint64_t stride, uint64_t rows,
                uint64_t rowBytes) {
  if (id >= d.numBuffers)
    return false;
  if (rows == 0 || rowBytes == 0)
    return off <= d.buffers[id].size;
  return off + (rows - 1) * stride + rowBytes <= d.buffers[id].size;
}

/// memcpy that accepts empty ranges (an empty std::vector's data() may be null).
void copyBytes(void *dst, const void *src, size_t bytes) {
  if (bytes)
    std::memcpy(dst, src, bytes);
}

ExecResult fail(OverlayError e) { return ExecResult{e, 0, 0}; }

/// Dense copy of a strided vec-buffer region (the sim's stand-in for streaming reads).
std::vector<int32_t> gatherVec(const OnChip &m, uint64_t addr, uint64_t pitch, uint64_t rows,
                               uint64_t cols, bool reverse = false) {
  std::vector<int32_t> out(rows * cols);
  for (uint64_t r = 0; r < rows; ++r) {
    uint64_t src = addr + (reverse ? rows - 1 - r : r) * pitch;
    copyBytes(out.data() + r * cols, &m.vec[src], cols * sizeof(int32_t));
  }
  return out;
}

void scatterVec(OnChip &m, uint64_t addr, uint64_t pitch, uint64_t rows, uint64_t cols,
                const int32_t *src) {
  for (uint64_t r = 0; r < rows; ++r)
    copyBytes(&m.vec[addr + r * pitch], &src[r * cols], cols * sizeof(int32_t));
}

} // namespace

#ifndef __SYNTHESIS__
/// Simulation only: the on-chip element a DMA row moves through when the DDR element's bytes
/// *are* the on-chip element's bytes (same width, identity conversion, little-endian host), so a
/// row is one memcpy instead of a per-element decode/convert; null otherwise. Load: act<-i8,
/// wgt<-u8/i8 (the byte is kept), vec/state<-i32. Store: act->i8 (an int8 never clamps),
/// wgt->u8, vec/state->i32 (wgt->i8 clamps, so it is not raw).
uint8_t *rawElem(OnChip &m, Buf b, DType t, bool store) {
  if constexpr (std::endian::native != std::endian::little)
    return nullptr;
  if (b == Buf::act && t == DType::i8)
    return reinterpret_cast<uint8_t *>(m.act);
  if (b == Buf::wgt && (t == DType::u8 || (!store && t == DType::i8)))
    return m.wgt;
  if (b == Buf::vec && t == DType::i32)
    return reinterpret_cast<uint8_t *>(m.vec);
  if (b == Buf::state && t == DType::i32)
    return reinterpret_cast<uint8_t *>(m.state);
  return nullptr;
}
#endif

ExecResult execLoad(const Instr &in, OnChip &mem, const DdrView &d) {
  const Buf buf = static_cast<Buf>(f(in, fld::LOAD_buf));
  const DType dt = static_cast<DType>(f(in, fld::LOAD_dtype));
  const uint64_t addr = f(in, fld::LOAD_addr), pitch = f(in, fld::LOAD_pitch);
  const uint64_t rows = f(in, fld::LOAD_rows), cols = f(in, fld::LOAD_cols);
  const uint64_t padRows = f(in, fld::LOAD_pad_rows), padCols = f(in, fld::LOAD_pad_cols);
  const uint64_t off = f(in, fld::LOAD_ddr_off), stride = f(in, fld::LOAD_ddr_stride);
  const bool reverse = f(in, fld::LOAD_reverse);
  if (f(in, fld::LOAD_buf) > 3 || f(in, fld::LOAD_dtype) > 5 || !dtypeAllowed(buf, dt))
    return fail(OverlayError::BadField);
  const unsigned eb = dtypeBytes(dt);
  if (!ddrRangeOk(d, f(in, fld::LOAD_ddr_buf), off, stride, rows, cols * eb))
    return fail(OverlayError::DmaOutOfRange);
  if (!regionOk(addr, pitch, padRows + rows, cols + padCols, bufSize(buf)))
    return fail(OverlayError::OnChipOutOfRange);
  const uint8_t *base = d.ddr + d.buffers[f(in, fld::LOAD_ddr_buf)].base + off;
  for (uint64_t r = 0; r < padRows; ++r)
    for (uint64_t c = 0; c < cols + padCols; ++c)
      writeBuf(mem, buf, addr + r * pitch + c, 0);
#ifndef __SYNTHESIS__
  uint8_t *raw = rawElem(mem, buf, dt, false);
#endif
  for (uint64_t i = 0; i < rows; ++i) {
    const uint64_t row = addr + (padRows + (reverse ? rows - 1 - i : i)) * pitch;
#ifndef __SYNTHESIS__
    if (raw)
      copyBytes(raw + row * eb, base + i * stride, cols * eb);
    else
#endif
      for (uint64_t c = 0; c < cols; ++c) {
#pragma HLS PIPELINE II = 1
        writeBuf(mem, buf, row + c, readDdr(base + i * stride + c * eb, dt));
      }
    for (uint64_t c = cols; c < cols + padCols; ++c)
      writeBuf(mem, buf, row + c, 0);
  }
  ExecResult r;
  r.ddrBytes = rows * cols * eb;
  r.ddrPortCycles = dmaPortCycles(rows, cols * eb);
  r.cycles = cfg::kDdrLatencyCycles + r.ddrPortCycles + padRows;
  return r;
}

ExecResult execStore(const Instr &in, const OnChip &mem, const DdrView &d) {
  const Buf buf = static_cast<Buf>(f(in, fld::STORE_buf));
  const DType dt = static_cast<DType>(f(in, fld::STORE_dtype));
  const uint64_t addr = f(in, fld::STORE_addr), pitch = f(in, fld::STORE_pitch);
  const uint64_t rows = f(in, fld::STORE_rows), cols = f(in, fld::STORE_cols);
  const uint64_t off = f(in, fld::STORE_ddr_off), stride = f(in, fld::STORE_ddr_stride);
  const bool reverse = f(in, fld::STORE_reverse);
  if (f(in, fld::STORE_buf) > 3 || f(in, fld::STORE_dtype) > 5 || !dtypeAllowed(buf, dt))
    return fail(OverlayError::BadField);
  const unsigned eb = dtypeBytes(dt);
  if (!ddrRangeOk(d, f(in, fld::STORE_ddr_buf), off, stride, rows, cols * eb))
    return fail(OverlayError::DmaOutOfRange);
  if (!regionOk(addr, pitch, rows, cols, bufSize(buf)))
    return fail(OverlayError::OnChipOutOfRange);
  uint8_t *base = d.ddr + d.buffers[f(in, fld::STORE_ddr_buf)].base + off;
#ifndef __SYNTHESIS__
  const uint8_t *raw = rawElem(const_cast<OnChip &>(mem), buf, dt, true);
#endif
  for (uint64_t i = 0; i < rows; ++i) {
    const uint64_t row = addr + (reverse ? rows - 1 - i : i) * pitch;
#ifndef __SYNTHESIS__
    if (raw) {
      copyBytes(base + i * stride, raw + row * eb, cols * eb);
      continue;
    }
#endif
    for (uint64_t c = 0; c < cols; ++c) {
#pragma HLS PIPELINE II = 1
      writeDdr(base + i * stride + c * eb, dt, readBuf(mem, buf, row + c));
    }
  }
  ExecResult r;
  r.ddrBytes = rows * cols * eb;
  r.ddrPortCycles = dmaPortCycles(rows, cols * eb);
  r.cycles = cfg::kDdrLatencyCycles + r.ddrPortCycles;
  return r;
}

ExecResult execLinear(const Instr &in, OnChip &mem) {
  LinearParams p;
  p.m = int(f(in, fld::LINEAR_m));
  p.k = int(f(in, fld::LINEAR_k));
  p.n = int(f(in, fld::LINEAR_n));
  const uint64_t wfmt = f(in, fld::LINEAR_wfmt), act = f(in, fld::LINEAR_act);
  // Zero dimensions are invalid (docs/isa.md invariants): every engine does some work.
  if ((wfmt != uint64_t(WFmt::apot4) && wfmt != uint64_t(WFmt::int8)) || act > 2 || p.m == 0 ||
      p.k == 0 || p.n == 0)
    return fail(OverlayError::BadField);
  p.kind = wfmt == uint64_t(WFmt::apot4) ? WeightKind::Apot4 : WeightKind::Int8;
  p.act = static_cast<Activation>(act);
  p.block = f(in, fld::LINEAR_block) ? int(f(in, fld::LINEAR_block)) : p.k;
  p.shift = int(f(in, fld::LINEAR_shift));
  p.outFrac = int(f(in, fld::LINEAR_frac));
  const bool hasBias = f(in, fld::LINEAR_bias), accumulate = f(in, fld::LINEAR_acc);
  const uint64_t aAddr = f(in, fld::LINEAR_a_addr), aPitch = f(in, fld::LINEAR_a_pitch);
  const uint64_t asAddr = f(in, fld::LINEAR_as_addr), wAddr = f(in, fld::LINEAR_w_addr);
  const uint64_t wsAddr = f(in, fld::LINEAR_ws_addr), bAddr = f(in, fld::LINEAR_b_addr);
  const uint64_t oAddr = f(in, fld::LINEAR_o_addr), oPitch = f(in, fld::LINEAR_o_pitch);
  const uint64_t nb = ceilDiv(p.k, p.block);
  if (!regionOk(aAddr, aPitch, p.m, p.k, cfg::kActBufBytes) ||
      !regionOk(asAddr, 0, 1, p.m, cfg::kVecBufWords) ||
      !regionOk(wAddr, 0, 1, uint64_t(p.n) * p.k, cfg::kWgtBufBytes) ||
      !regionOk(wsAddr, 0, 1, p.n * nb, cfg::kVecBufWords) ||
      (hasBias && !regionOk(bAddr, 0, 1, p.n, cfg::kVecBufWords)) ||
      !regionOk(oAddr, oPitch, p.m, p.n, cfg::kVecBufWords))
    return fail(OverlayError::OnChipOutOfRange);

  std::vector<int8_t> a(uint64_t(p.m) * p.k);
  for (int i = 0; i < p.m; ++i)
    copyBytes(a.data() + uint64_t(i) * p.k, &mem.act[aAddr + i * aPitch], p.k);
  // Scale mantissas are the low 16 bits of their vec words.
  std::vector<uint16_t> ws(p.n * nb);
  for (uint64_t i = 0; i < ws.size(); ++i)
    ws[i] = static_cast<uint16_t>(mem.vec[wsAddr + i]);
  std::vector<int32_t> y(uint64_t(p.m) * p.n);
  linearEngine(p, a.data(), &mem.wgt[wAddr], ws.data(), &mem.vec[asAddr],
               hasBias ? &mem.vec[bAddr] : nullptr, y.data());
  for (int i = 0; i < p.m; ++i)
    for (int j = 0; j < p.n; ++j) {
      int32_t &o = mem.vec[oAddr + i * oPitch + j];
      o = accumulate ? sat32(i128(o) + y[uint64_t(i) * p.n + j]) : y[uint64_t(i) * p.n + j];
    }
  // A linear_rows x linear_cols tile of outputs consumes one k per cycle (II=1), then drains.
  ExecResult r;
  r.cycles = ceilDiv(p.m, cfg::kLinearRows) * ceilDiv(p.n, cfg::kLinearCols) *
             (uint64_t(p.k) + cfg::kPipelineDepthLinear);
  return r;
}

ExecResult execConv(const Instr &in, OnChip &mem) {
  ConvParams p;
  p.l = int(f(in, fld::CONV1D_len));
  p.c = int(f(in, fld::CONV1D_ch));
  p.kernel = int(f(in, fld::CONV1D_ksize));
  const uint64_t wfmt = f(in, fld::CONV1D_wfmt);
  if (p.kernel < 1 || p.kernel > kMaxConvKernel || p.l == 0 || p.c == 0 ||
      (wfmt != uint64_t(WFmt::apot5) && wfmt != uint64_t(WFmt::int8)))
    return fail(OverlayError::BadField);
  p.kind = wfmt == uint64_t(WFmt::apot5) ? ConvWeightKind::Apot5 : ConvWeightKind::Int8;
  p.act = f(in, fld::CONV1D_silu) ? Activation::Silu : Activation::None;
  p.shift = int(f(in, fld::CONV1D_shift));
  p.outFrac = int(f(in, fld::CONV1D_frac));
  const bool hasBias = f(in, fld::CONV1D_bias);
  const bool carryIn = f(in, fld::CONV1D_carry_in), carryOut = f(in, fld::CONV1D_carry_out);
  const uint64_t xAddr = f(in, fld::CONV1D_x_addr), xPitch = f(in, fld::CONV1D_x_pitch);
  const uint64_t yAddr = f(in, fld::CONV1D_y_addr), yPitch = f(in, fld::CONV1D_y_pitch);
  const uint64_t wAddr = f(in, fld::CONV1D_w_addr), wsAddr = f(in, fld::CONV1D_ws_addr);
  const uint64_t bAddr = f(in, fld::CONV1D_b_addr), hAddr = f(in, fld::CONV1D_h_addr);
  const uint64_t hist = uint64_t(p.kernel) - 1;
  if (!regionOk(xAddr, xPitch, p.l, p.c, cfg::kVecBufWords) ||
      !regionOk(yAddr, yPitch, p.l, p.c, cfg::kVecBufWords) ||
      !regionOk(wAddr, 0, 1, uint64_t(p.c) * p.kernel, cfg::kWgtBufBytes) ||
      !regionOk(wsAddr, 0, 1, p.c, cfg::kVecBufWords) ||
      (hasBias && !regionOk(bAddr, 0, 1, p.c, cfg::kVecBufWords)) ||
      ((carryIn || carryOut) && !regionOk(hAddr, 0, 1, hist * p.c, cfg::kVecBufWords)))
    return fail(OverlayError::OnChipOutOfRange);

  // History rows first, then the tile: the engine sees one causal window.
  std::vector<int32_t> x((hist + p.l) * p.c, 0);
  if (carryIn)
    copyBytes(x.data(), &mem.vec[hAddr], hist * p.c * sizeof(int32_t));
  for (int t = 0; t < p.l; ++t)
    copyBytes(x.data() + (hist + t) * p.c, &mem.vec[xAddr + t * xPitch], p.c * sizeof(int32_t));
  std::vector<uint16_t> ws(p.c);
  for (int c = 0; c < p.c; ++c)
    ws[c] = static_cast<uint16_t>(mem.vec[wsAddr + c]);
  std::vector<int32_t> y(uint64_t(p.l) * p.c);
  convEngine(p, x.data(), &mem.wgt[wAddr], ws.data(), hasBias ? &mem.vec[bAddr] : nullptr,
             y.data());
  scatterVec(mem, yAddr, yPitch, p.l, p.c, y.data());
  if (carryOut) // the last kernel-1 input rows of the window (history included if l is short)
    copyBytes(&mem.vec[hAddr], x.data() + uint64_t(p.l) * p.c, hist * p.c * sizeof(int32_t));
  ExecResult r;
  r.cycles = uint64_t(p.l) * ceilDiv(p.c, cfg::kConvLanes) + p.kernel + cfg::kPipelineDepthVector;
  return r;
}

ExecResult execSsm(const Instr &in, OnChip &mem) {
  const bool ssd = f(in, fld::SSM_mode) == uint64_t(SsmMode::ssd);
  const bool gate = f(in, fld::SSM_gate), skip = f(in, fld::SSM_dskip);
  const bool carryIn = f(in, fld::SSM_carry_in), carryOut = f(in, fld::SSM_carry_out);
  const uint64_t len = f(in, fld::SSM_len), ch = f(in, fld::SSM_ch);
  const uint64_t heads = f(in, fld::SSM_heads), n = f(in, fld::SSM_n);
  const uint64_t groups = f(in, fld::SSM_groups);
  const uint64_t uAddr = f(in, fld::SSM_u_addr), xPitch = f(in, fld::SSM_x_pitch);
  const uint64_t dtAddr = f(in, fld::SSM_dt_addr), bcAddr = f(in, fld::SSM_bc_addr);
  const uint64_t tPitch = f(in, fld::SSM_t_pitch), aAddr = f(in, fld::SSM_a_addr);
  const uint64_t zAddr = f(in, fld::SSM_z_addr), yAddr = f(in, fld::SSM_y_addr);
  const uint64_t sAddr = f(in, fld::SSM_s_addr);
  const int frac = int(f(in, fld::SSM_frac));
  // The overlay's only exp is the PWL unit; groups must divide heads and heads the channels.
  if (!f(in, fld::SSM_approx) || len == 0 || ch == 0 || n == 0 || groups == 0 ||
      (ssd && (heads == 0 || ch % heads != 0 || heads % groups != 0)) || (!ssd && groups != 1))
    return fail(OverlayError::BadField);
  const uint64_t dtCols = ssd ? heads : ch, aLen = ssd ? heads : ch * n, dLen = ssd ? heads : ch;
  if (!regionOk(uAddr, xPitch, len, ch, cfg::kVecBufWords) ||
      !regionOk(yAddr, xPitch, len, ch, cfg::kVecBufWords) ||
      (gate && !regionOk(zAddr, xPitch, len, ch, cfg::kVecBufWords)) ||
      !regionOk(dtAddr, tPitch, len, dtCols, cfg::kVecBufWords) ||
      !regionOk(bcAddr, tPitch, len, 2 * groups * n, cfg::kVecBufWords) ||
      !regionOk(aAddr, 0, 1, aLen + (skip ? dLen : 0), cfg::kVecBufWords) ||
      // The running state always lives in the state buffer, carried or not.
      !regionOk(sAddr, 0, 1, ch * n, cfg::kStateBufWords))
    return fail(OverlayError::OnChipOutOfRange);

  SsmFormats fm;
  fm.u = fm.delta = fm.a = fm.b = fm.c = fm.d = fm.z = fm.state = fm.out = frac;
  std::vector<int32_t> u = gatherVec(mem, uAddr, xPitch, len, ch);
  std::vector<int32_t> z = gate ? gatherVec(mem, zAddr, xPitch, len, ch) : std::vector<int32_t>();
  std::vector<int32_t> dt = gatherVec(mem, dtAddr, tPitch, len, dtCols);
  std::vector<int32_t> b(len * groups * n), c(len * groups * n);
  for (uint64_t t = 0; t < len; ++t) {
    copyBytes(b.data() + t * groups * n, &mem.vec[bcAddr + t * tPitch], groups * n * 4);
    copyBytes(c.data() + t * groups * n, &mem.vec[bcAddr + t * tPitch + groups * n],
              groups * n * 4);
  }
  const int32_t *a = &mem.vec[aAddr];
  const int32_t *dsk = skip ? &mem.vec[aAddr + aLen] : nullptr;
  std::vector<int32_t> s(ch * n, 0);
  if (carryIn)
    copyBytes(s.data(), &mem.state[sAddr], s.size() * 4);
  std::vector<int32_t> y(len * ch);
  ExecResult r;
  if (ssd) {
    SsdScanParams p;
    p.l = int(len), p.h = int(heads), p.p = int(ch / heads), p.n = int(n), p.g = int(groups);
    p.f = fm;
    ssdScan(p, u.data(), dt.data(), a, b.data(), c.data(), dsk, gate ? z.data() : nullptr, s.data(),
            y.data());
  } else {
    SelectiveScanParams p;
    p.l = int(len), p.d = int(ch), p.n = int(n);
    p.f = fm;
    selectiveScan(p, u.data(), dt.data(), a, b.data(), c.data(), dsk, gate ? z.data() : nullptr,
                  s.data(), y.data());
  }
  scatterVec(mem, yAddr, xPitch, len, ch, y.data());
  if (carryOut)
    copyBytes(&mem.state[sAddr], s.data(), s.size() * 4);
  // Tokens sequential; per (token, channel) the ssm_lanes lanes take ceil(n / lanes) cycles at
  // II=1; the recurrence's pipeline depth is paid once per tile (channels interleave).
  r.cycles = len * ch * ceilDiv(n, cfg::kSsmLanes) + cfg::kPipelineDepthSsm;
  return r;
}

static_assert(isa::kMaxNormFrac == unsigned(kMaxNormFrac), "one norm frac limit (Fields.h)");

ExecResult execVector(const Instr &in, OnChip &mem) {
  const uint64_t op = f(in, fld::VECTOR_op);
  const uint64_t rows = f(in, fld::VECTOR_rows), cols = f(in, fld::VECTOR_cols);
  const uint64_t aAddr = f(in, fld::VECTOR_a_addr), aPitch = f(in, fld::VECTOR_a_pitch);
  const uint64_t bAddr = f(in, fld::VECTOR_b_addr), bPitch = f(in, fld::VECTOR_b_pitch);
  const uint64_t cAddr = f(in, fld::VECTOR_c_addr);
  const uint64_t oAddr = f(in, fld::VECTOR_o_addr), oPitch = f(in, fld::VECTOR_o_pitch);
  const int32_t imm = static_cast<int32_t>(getSigned(in, fld::VECTOR_imm));
  const int frac = int(f(in, fld::VECTOR_frac)), shift = int(f(in, fld::VECTOR_shift));
  const unsigned log2g = unsigned(f(in, fld::VECTOR_log2g));
  const bool reverse = f(in, fld::VECTOR_reverse), approx = f(in, fld::VECTOR_approx);
  if (op > uint64_t(VOp::silu) || rows == 0 || cols == 0)
    return fail(OverlayError::BadField);
  const VOp vop = static_cast<VOp>(op);
  const bool usesB = vop == VOp::add || vop == VOp::mul || vop == VOp::grmsnorm;
  const bool usesC = vop == VOp::scale || vop == VOp::rmsnorm || vop == VOp::grmsnorm;
  const bool isPwl = vop == VOp::exp || vop == VOp::softplus || vop == VOp::silu;
  if ((isPwl && !approx) || (vop == VOp::fwht && (log2g > kMaxFwhtLog2 || cols % (1u << log2g))))
    return fail(OverlayError::BadField);
  const uint64_t oSize = vop == VOp::quant ? cfg::kActBufBytes : cfg::kVecBufWords;
  if (!regionOk(aAddr, aPitch, rows, cols, cfg::kVecBufWords) ||
      (usesB && !regionOk(bAddr, bPitch, rows, cols, cfg::kVecBufWords)) ||
      (usesC && !regionOk(cAddr, 0, 1, cols, cfg::kVecBufWords)) ||
      (vop == VOp::quant && !regionOk(cAddr, 0, 1, rows, cfg::kVecBufWords)) ||
      !regionOk(oAddr, oPitch, rows, cols, oSize))
    return fail(OverlayError::OnChipOutOfRange);

  const uint64_t count = rows * cols;
  std::vector<int32_t> a = gatherVec(mem, aAddr, aPitch, rows, cols, reverse);
  std::vector<int32_t> b =
      usesB ? gatherVec(mem, bAddr, bPitch, rows, cols) : std::vector<int32_t>();
  std::vector<int32_t> y(count);
  const uint64_t beats = rows * ceilDiv(cols ? cols : 1, cfg::kVectorWidth);
  uint64_t cycles = beats + cfg::kPipelineDepthVector;
  switch (vop) {
  case VOp::copy:
    y = a;
    break;
  case VOp::add:
    vecAdd(int(count), a.data(), b.data(), y.data());
    break;
  case VOp::mul:
    vecMul(int(count), a.data(), b.data(), shift, y.data());
    break;
  case VOp::scale:
    vecScaleChannels(int(rows), int(cols), a.data(), &mem.vec[cAddr], shift, y.data());
    break;
  case VOp::muli:
    for (uint64_t i = 0; i < count; ++i)
      y[i] = sat32(shiftRne(static_cast<i128>(a[i]) * imm, shift));
    break;
  case VOp::rmsnorm:
  case VOp::grmsnorm: {
    RmsNormParams p;
    p.rows = int(rows), p.cols = int(cols);
    p.group = vop == VOp::grmsnorm && log2g ? 1 << log2g : 0;
    p.inFrac = p.weightFrac = p.outFrac = p.gateFrac = frac;
    p.epsBits = static_cast<uint32_t>(imm); // eps is the fp32 bit pattern of imm
    // A negative, infinite or NaN eps has no factor; a wider frac would overflow the 128-bit
    // factor datapath (Numerics.h "RMSNorm factor").
    if (!normEpsValid(p.epsBits) || frac > kMaxNormFrac)
      return fail(OverlayError::BadField);
    vecRmsNorm(p, a.data(), &mem.vec[cAddr], usesB ? b.data() : nullptr, y.data());
    cycles = 2 * beats + rows * cfg::kPipelineDepthVector; // sum pass, scale pass, rsqrt per row
    break;
  }
  case VOp::quant: {
    std::vector<int8_t> q(count);
    vecAbsmaxQuantize(int(rows), int(cols), a.data(), q.data(), &mem.vec[cAddr]);
    for (uint64_t r = 0; r < rows; ++r)
      copyBytes(&mem.act[oAddr + r * oPitch], q.data() + r * cols, cols);
    return ExecResult{OverlayError::None, 2 * beats + cfg::kPipelineDepthVector, 0};
  }
  case VOp::fwht:
    vecFwht(int(rows), int(cols), int(log2g), imm, shift, a.data(), y.data());
    cycles = beats * (log2g ? log2g : 1) + cfg::kPipelineDepthVector;
    break;
  case VOp::exp:
    vecPwl(int(count), PwlFunc::Exp, frac, a.data(), y.data());
    break;
  case VOp::softplus:
    vecPwl(int(count), PwlFunc::Softplus, frac, a.data(), y.data());
    break;
  case VOp::silu:
    vecPwl(int(count), PwlFunc::Silu, frac, a.data(), y.data());
    break;
  }
  scatterVec(mem, oAddr, oPitch, rows, cols, y.data());
  return ExecResult{OverlayError::None, cycles, 0};
}

} // namespace vimq::hw
