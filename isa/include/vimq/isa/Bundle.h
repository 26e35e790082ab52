//===- Bundle.h - the .vimq bundle: program, buffers, I/O, metadata ----------------*- C++ -*-===//
//
// In-memory form of a bundle plus its reader and writer; docs/bundle.md specifies the bytes.
// The compiler writes bundles, the runtime reads them; this library links neither.
//
// A Bundle that has passed validateBundle() is safe to run: every instruction verifies, the
// program ends with FINISH, every DDR range of every LOAD/STORE lies inside a buffer of the
// buffer table, STOREs only target output and scratch buffers, and every I/O descriptor lies
// inside a buffer of the matching kind. parseBundle() and serializeBundle() both enforce it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Isa.h"

#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace vimq::isa {

inline constexpr char kBundleMagic[8] = {'V', 'I', 'M', 'Q', 'B', 'N', 'D', 'L'};
/// 2: I/O descriptors gained the `index` host format and its `limit` (docs/bundle.md).
inline constexpr uint32_t kBundleFormatVersion = 2;
/// Longest target name (the header field is 24 bytes, NUL-terminated).
inline constexpr size_t kMaxTargetName = 23;
/// Longest I/O name (64-byte field, NUL-terminated).
inline constexpr size_t kMaxIoName = 63;
inline constexpr size_t kMaxIoRank = 8;
/// Buffer ids must fit the 8-bit `ddr_buf` field.
inline constexpr uint32_t kMaxBuffers = 256;
/// Upper bound on the sum of buffer sizes, so a hostile bundle cannot make the runtime
/// allocate without limit (every `ddr_off` is 32-bit, so one buffer never needs more).
inline constexpr uint64_t kMaxTotalBufferBytes = uint64_t(1) << 32;
/// Upper bound on the bytes of all buffers beyond their initial data (input, output, scratch
/// and zero tails of weights). The file carries the initial data, so it bounds those bytes;
/// the rest costs the runtime memory without costing the file anything, so a 2 KB bundle
/// could otherwise make every session allocate and copy 4 GiB. Models compiled so far need
/// tens of MB.
inline constexpr uint64_t kMaxZeroFilledBufferBytes = uint64_t(1) << 30;

enum class BufferKind : uint32_t { weights = 1, input = 2, output = 3, scratch = 4 };
llvm::StringRef bufferKindName(BufferKind k);

struct BufferDesc {
  uint32_t id = 0;
  BufferKind kind = BufferKind::scratch;
  uint64_t size = 0;
  /// Initial contents of the first init.size() bytes (weights only); the rest is zero.
  std::vector<uint8_t> init;
};

/// How the host sees an I/O tensor: `raw` = the device element type itself; `fixed` = float32
/// on the host, device value = saturate(RNE(x * 2^frac)) on input and x = value * 2^-frac on
/// output; `index` (inputs only, device i32) = token ids, int64 or int32 on the host, each in
/// [0, limit) or the run is refused (q.FromIndex, docs/numerics.md).
enum class HostFormat : uint8_t { raw = 0, fixed = 1, index = 2 };
llvm::StringRef hostFormatName(HostFormat h);

struct IoDesc {
  std::string name;
  DType dtype = DType::i32;
  HostFormat host = HostFormat::raw;
  uint8_t frac = 0;
  /// `index` inputs: the number of valid ids (the embedding table's rows); 0 otherwise.
  uint32_t limit = 0;
  llvm::SmallVector<int64_t, 4> shape;
  uint32_t buffer = 0;
  uint64_t offset = 0;

  uint64_t numElements() const;
  uint64_t numBytes() const { return numElements() * dtypeBytes(dtype); }
};

struct Bundle {
  uint64_t fingerprint = 0;
  std::string target;
  std::vector<Instr> code;
  std::vector<BufferDesc> buffers;
  std::vector<IoDesc> inputs;
  std::vector<IoDesc> outputs;
  /// Compile metadata, UTF-8 JSON (opaque to the runtime).
  std::string metadata = "{}";

  const BufferDesc *findBuffer(uint32_t id) const;
  BufferDesc *findBuffer(uint32_t id);
};

/// Everything except the byte layout; see the file comment.
llvm::Error validateBundle(const Bundle &b);
/// Only the security-relevant part of validateBundle(): every LOAD/STORE inside its buffer.
llvm::Error checkDmaRanges(const Bundle &b);

/// Errors are prefixed with `nameForErrors` (normally the file path).
llvm::Expected<Bundle> parseBundle(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef nameForErrors);
llvm::Expected<Bundle> readBundleFile(llvm::StringRef path);

llvm::Expected<std::string> serializeBundle(const Bundle &b);
/// Atomic: a failed write leaves no file behind.
llvm::Error writeBundleFile(llvm::StringRef path, const Bundle &b);

} // namespace vimq::isa
