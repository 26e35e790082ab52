//===- ProgramBuilder.h - hand-assembled programs and DDR images for overlay tests --*- C++ -*-===//
#pragma once

#include "vimq/hw/Overlay.h"
#include "vimq/isa/Isa.h"

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

namespace vimq::hw::test {

using FieldList = std::initializer_list<std::pair<const char *, int64_t>>;

/// Instructions built with the ISA encoder (isa::setField validates every value).
class Program {
public:
  size_t add(isa::Opcode op, FieldList fields) {
    isa::Instr in = isa::makeInstr(op);
    for (const auto &[name, value] : fields)
      if (llvm::Error e = isa::setField(in, name, value))
        ADD_FAILURE() << llvm::toString(std::move(e));
    insns.push_back(in);
    return insns.size() - 1;
  }
  std::vector<isa::Instr> insns;
};

inline int64_t bit(isa::Module m) { return isa::moduleBit(m); }

/// A DDR image made of buffers appended one after the other (64-byte aligned).
class Ddr {
public:
  template <typename T> uint32_t add(const std::vector<T> &data) {
    return addBytes(data.data(), data.size() * sizeof(T));
  }
  uint32_t addZeros(size_t bytes) {
    std::vector<uint8_t> z(bytes, 0);
    return addBytes(z.data(), bytes);
  }
  template <typename T> std::vector<T> read(uint32_t id) const {
    std::vector<T> out(buffers[id].size / sizeof(T));
    std::memcpy(out.data(), &image[buffers[id].base], buffers[id].size);
    return out;
  }
  Control run(const Program &p) {
    Control ctl;
    ctl.start = 1;
    ctl.insnCount = uint32_t(p.insns.size());
    ctl.numBuffers = uint32_t(buffers.size());
    vimq_overlay(p.insns.data(), image.data(), buffers.data(), ctl);
    return ctl;
  }

  std::vector<uint8_t> image;
  std::vector<DdrBuffer> buffers;

private:
  uint32_t addBytes(const void *src, size_t bytes) {
    uint64_t base = (image.size() + 63) / 64 * 64;
    image.resize(base + bytes);
    if (bytes)
      std::memcpy(&image[base], src, bytes);
    buffers.push_back(DdrBuffer{base, bytes});
    return uint32_t(buffers.size() - 1);
  }
};

} // namespace vimq::hw::test
