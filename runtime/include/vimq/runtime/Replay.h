//===- Replay.h - record one device run as a replay directory for the HLS testbench --*- C++ -*-===//
//
// A replay directory holds everything the overlay's top function sees in one run, so that the
// C-simulation testbench of the HLS flow (hw/hls/tb/replay_tb.cpp) can run it again and compare:
//
//   insns.bin          the instruction stream, raw 32-byte instructions
//   buffers.bin        the buffer table: {u64 base, u64 size} little-endian per buffer id
//   ddr_in.bin         the DDR image before the run
//   ddr_expected.bin   the DDR image after the run
//   meta.txt           "key value" lines: version, target, fingerprint, insns, buffers, ddr_bytes
//
// See docs/hls-flow.md.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/runtime/Device.h"

#include <memory>

namespace vimq::rt {

/// Writes a replay directory for one run: `before` is the image given to the device, `after`
/// the image it returned. Files are written atomically.
llvm::Error writeReplay(llvm::StringRef dir, const Device &device, llvm::ArrayRef<isa::Instr> code,
                        const DdrImage &before, const DdrImage &after);

/// A Device that forwards to `inner` and writes `dir` as the replay of the last successful run.
std::unique_ptr<Device> createReplayRecorder(Device &inner, std::string dir);

} // namespace vimq::rt
