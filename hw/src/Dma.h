//===- Dma.h - what LOAD and STORE share: DDR element conversion and the DMA beat width -*- C++ -*-===//
#pragma once

#include "Common.h"

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN

/// Which DDR element types each on-chip memory accepts (the DMA converts integers only: the
/// overlay has no floating-point datapath).
inline bool dmaTypeAllowed(isa::Buf b, isa::DType t) {
  switch (b) {
  case isa::Buf::act:
    return t == isa::DType::i8;
  case isa::Buf::wgt:
    return t == isa::DType::i8 || t == isa::DType::u8;
  case isa::Buf::vec:
  case isa::Buf::state:
    return t == isa::DType::i8 || t == isa::DType::u8 || t == isa::DType::i16 ||
           t == isa::DType::i32;
  }
  return false;
}

inline uint64_t memSize(isa::Buf b) {
  switch (b) {
  case isa::Buf::act:
    return kActSize;
  case isa::Buf::wgt:
    return kWgtSize;
  case isa::Buf::vec:
    return kVecSize;
  case isa::Buf::state:
    return kStateSize;
  }
  return 0;
}

inline uint64_t memBanks(isa::Buf b) {
  switch (b) {
  case isa::Buf::act:
    return kActBanks;
  case isa::Buf::wgt:
    return kWgtBanks;
  case isa::Buf::vec:
    return kVecBanks;
  case isa::Buf::state:
    return kStateBanks;
  }
  return 1;
}

/// The unrolled width of the DMA's element loop: the most banks any memory has.
constexpr int kDmaLanes = int(maxOf(maxOf(kActBanks, kWgtBanks), maxOf(kVecBanks, kStateBanks)));

/// Elements moved per cycle: as many as the DDR port delivers, at most one per bank.
inline uint64_t dmaLanes(isa::Buf b, unsigned elemBytes) {
  uint64_t byDdr = uint64_t(cfg::kDdrBytesPerCycle) / elemBytes;
  if (byDdr < 1)
    byDdr = 1;
  const uint64_t banks = memBanks(b);
  return byDdr < banks ? byDdr : banks;
}

/// Port occupancy of a DDR transfer: one burst per row at the DDR width.
inline uint64_t dmaPortCycles(uint64_t rows, uint64_t rowBytes) {
  return rows * ceilDiv(rowBytes ? rowBytes : 1, uint64_t(cfg::kDdrBytesPerCycle));
}

/// rows of rowBytes at off + i * stride lie inside the buffer.
inline bool ddrRangeOk(const DdrBuffer &buffer, uint64_t off, uint64_t stride, uint64_t rows,
                       uint64_t rowBytes) {
  if (rows == 0 || rowBytes == 0)
    return off <= buffer.size;
  return off + (rows - 1) * stride + rowBytes <= buffer.size;
}

inline int64_t readDdrElem(const uint8_t *p, isa::DType t) {
  switch (t) {
  case isa::DType::i8:
    return int8_t(p[0]);
  case isa::DType::u8:
    return p[0];
  case isa::DType::i16:
    return int16_t(uint16_t(p[0] | (p[1] << 8)));
  case isa::DType::i32:
    return int32_t(uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
                   (uint32_t(p[3]) << 24));
  default:
    return 0;
  }
}

inline int64_t clampTo(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

/// Stores clamp to the DDR type's range (two's-complement bounds, unlike the symmetric
/// quantizer); documented in docs/overlay.md.
inline void writeDdrElem(uint8_t *p, isa::DType t, int64_t v) {
  switch (t) {
  case isa::DType::i8:
    p[0] = uint8_t(clampTo(v, -128, 127));
    break;
  case isa::DType::u8:
    p[0] = uint8_t(clampTo(v, 0, 255));
    break;
  case isa::DType::i16: {
    const uint16_t u = uint16_t(clampTo(v, -32768, 32767));
    p[0] = uint8_t(u);
    p[1] = uint8_t(u >> 8);
    break;
  }
  case isa::DType::i32: {
    const uint32_t u = uint32_t(clampTo(v, kInt32Min, kInt32Max));
    for (int i = 0; i < 4; ++i) {
#pragma HLS UNROLL
      p[i] = uint8_t(u >> (8 * i));
    }
    break;
  }
  default:
    break;
  }
}

VIMQ_HW_TARGET_NS_END
} // namespace hw
} // namespace vimq
