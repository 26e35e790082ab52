//===- ProgramBuilder.h - hand-assembled programs and DDR images for overlay tests --*- C++ -*-===//
#pragma once

#include "vimq/hw/Overlay.h"
#include "vimq/hw/SimControl.h"
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
  /// Runs the program three times: the simulated overlay with its simulation-only fast paths
  /// (the result returned), the single-kernel top vimq_seq (same bytes and error), and the
  /// simulated overlay with every module's loops as synthesised (same bytes and cycles, and the
  /// pipelined-loop iterations the code executed equal the cycle model's `loopIterations`,
  /// computed from the same trip counts: the model is the code's).
  Control run(const Program &p) {
    const std::vector<uint8_t> initial = image;
    std::vector<uint8_t> copy = image;
    Control ctl = runOnce(p, image);
    // The single-kernel build runs the same modules one at a time: the same bytes and error.
    std::vector<uint8_t> seqImage = initial;
    const std::vector<uint64_t> seqStatus = runSequential(p, seqImage);
    EXPECT_EQ(uint32_t(seqStatus[2] >> 32), ctl.error) << "vimq_seq's status error";
    if (ctl.error == 0) {
      EXPECT_EQ(seqImage, image) << "vimq_seq differs from the simulated overlay";
    }
    // Last, so that the loop counters describe this run when run() returns.
    setSimFastPaths(false);
    resetSimLoopIterations();
    Control hls = runOnce(p, copy);
    setSimFastPaths(true);
    EXPECT_EQ(copy, image) << "the loops as synthesised differ from the sim's fast paths";
    EXPECT_EQ(hls.error, ctl.error);
    EXPECT_EQ(hls.cycles, ctl.cycles);
    // The model's figures count completed instructions: an instruction that stops the overlay
    // midway (a gather's invalid index) has run loop iterations but reports none.
    for (unsigned u = unsigned(Unit::Load); u < kNumUnits && hls.error == 0; ++u) {
      EXPECT_EQ(simLoopIterations(Unit(u)), hls.profile[u].loopIterations) << unitName(Unit(u));
      EXPECT_LE(hls.profile[u].loopIterations, hls.profile[u].busyCycles) << unitName(Unit(u));
    }
    return ctl;
  }
  static Control runOnce(const Program &p, std::vector<uint8_t> &ddr,
                         const std::vector<DdrBuffer> &table) {
    Control ctl;
    ctl.start = 1;
    ctl.insnCount = uint32_t(p.insns.size());
    ctl.numBuffers = uint32_t(table.size());
    vimq_overlay(p.insns.data(), ddr.data(), table.data(), ctl);
    return ctl;
  }
  /// vimq_seq on `ddr` (the kernel ABI's forms: instruction words, table words); returns the
  /// status block's words.
  std::vector<uint64_t> runSequential(const Program &p, std::vector<uint8_t> &ddr) const {
    std::vector<uint64_t> words, table, status(54, 0);
    for (const isa::Instr &in : p.insns)
      words.insert(words.end(), in.w, in.w + isa::kInstrWords);
    for (const DdrBuffer &b : buffers) {
      table.push_back(b.base);
      table.push_back(b.size);
    }
    vimq_seq(words.data(), uint32_t(p.insns.size()), ddr.data(), table.data(),
             uint32_t(buffers.size()), status.data());
    return status;
  }
  Control runOnce(const Program &p, std::vector<uint8_t> &ddr) const {
    return runOnce(p, ddr, buffers);
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
