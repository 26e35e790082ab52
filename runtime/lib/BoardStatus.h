//===- BoardStatus.h - what the board devices share: ABI images and the status block -*- C++ -*-===//
//
// Both board paths (xrt, xdma) hand the kernel the same byte images (instruction stream,
// buffer table) and read the same status block (hw/include/vimq/hw/KernelAbi.h); this turns
// them into llvm::Errors and a Profile.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/hw/KernelAbi.h"
#include "vimq/runtime/Device.h"

namespace vimq::rt {

/// The `insns` argument: code.size() * 32 bytes.
std::vector<uint8_t> encodeProgram(llvm::ArrayRef<isa::Instr> code);
/// The `buffers` argument: image.table.size() entries of {u64 base, u64 size}, LE.
std::vector<uint8_t> encodeBufferTable(const DdrImage &image);

/// Decodes a status block and checks magic and ABI version. `device` prefixes messages.
llvm::Expected<hw::abi::StatusBlock> decodeStatusBlock(llvm::StringRef device,
                                                       llvm::ArrayRef<uint8_t> bytes);

/// The run's profile, or the overlay's error naming the instruction (index and mnemonic)
/// and, for a deadlock, the waiting units.
llvm::Expected<Profile> profileFromStatus(llvm::StringRef device,
                                          const hw::abi::StatusBlock &status,
                                          llvm::ArrayRef<isa::Instr> code);

/// Whether a run must upload buffer `b` before it: everything when the image is not yet
/// resident on the card, then only inputs (DdrImage).
bool uploadBuffer(const DdrImage::Buffer &b, bool resident);
/// Whether a run must read buffer `b` back after it: only outputs for an image with a
/// generation (a Session's), everything for an unknown one.
bool downloadBuffer(const DdrImage::Buffer &b, uint64_t generation);

} // namespace vimq::rt
