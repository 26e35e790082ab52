//===- KernelAbi.h - the host <-> kernel contract of vimq_fetch -------------------*- C++ -*-===//
//
// Read by the HLS top (hw/src/Fetch.cpp, compiled with -std=c++14 -nostdinc++) and by the
// runtime's board devices (runtime/lib/XrtDevice.cpp, XdmaDevice.cpp), so it is C++14, has no
// STL, no heap and includes only <stdint.h>. Everything about the argument list is generated
// from KernelAbi.def; the status block layout is fixed here with explicit byte offsets.
//
//   void vimq_fetch(VIMQ_FETCH_PARAMS) { ... }              // the HLS top's signature
//   run.set_arg(abi::kArgInsnCount, n);                       // XRT
//   pwrite(user, &lo, 4, abi::kRegInsns);                     // XDMA (s_axilite registers)
//
// A run with insn_count == 0 is a QUERY: the kernel writes only the status header (magic,
// version, fingerprint, clock) and returns, so a host reads the fingerprint before it runs
// anything. Every other run writes the whole status block when it ends.
//
//===----------------------------------------------------------------------------------------===//
#ifndef VIMQ_HW_KERNELABI_H
#define VIMQ_HW_KERNELABI_H

#include <stdint.h>

#include "vimq/hw/KernelAbi.def"

// Pointee types of the pointer arguments. The HLS top may define them (e.g. as ap_uint<256>)
// before including this header to choose its m_axi data widths; the host never uses them.
#ifndef VIMQ_KERNEL_INSN_T
#define VIMQ_KERNEL_INSN_T const uint8_t
#endif
#ifndef VIMQ_KERNEL_DDR_T
#define VIMQ_KERNEL_DDR_T uint8_t
#endif
#ifndef VIMQ_KERNEL_TABLE_T
#define VIMQ_KERNEL_TABLE_T const uint64_t
#endif
#ifndef VIMQ_KERNEL_STATUS_T
#define VIMQ_KERNEL_STATUS_T uint64_t
#endif

#define VIMQ_ABI_COMMA ,
#define VIMQ_ABI_NOSEP
#define VIMQ_ABI_PARAM_Ptr(TYPE, NAME) TYPE *NAME
#define VIMQ_ABI_PARAM_U32(TYPE, NAME) TYPE NAME
#define VIMQ_ABI_PARAM(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING)                            \
  VIMQ_ABI_PARAM_##KIND(TYPE, NAME)

/// The parameter list of vimq_fetch, in ABI order: `void vimq_fetch(VIMQ_FETCH_PARAMS)`.
#define VIMQ_FETCH_PARAMS VIMQ_KERNEL_ARGS(VIMQ_ABI_PARAM, VIMQ_ABI_COMMA)

// `_Pragma` forms of the interface pragmas, one per argument, for a top that wants them
// generated too (Vitis HLS accepts _Pragma in macros, UG1399 "Using the _Pragma Operator").
#define VIMQ_ABI_STR2(...) #__VA_ARGS__
#define VIMQ_ABI_STR(...) VIMQ_ABI_STR2(__VA_ARGS__)
#define VIMQ_ABI_PRAGMA_Ptr(NAME, BUNDLE)                                                      \
  _Pragma(VIMQ_ABI_STR(HLS INTERFACE mode = m_axi port = NAME bundle = BUNDLE offset = slave)) \
  _Pragma(VIMQ_ABI_STR(HLS INTERFACE mode = s_axilite port = NAME bundle = control))
#define VIMQ_ABI_PRAGMA_U32(NAME, BUNDLE)                                                      \
  _Pragma(VIMQ_ABI_STR(HLS INTERFACE mode = s_axilite port = NAME bundle = control))
#define VIMQ_ABI_PRAGMA(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING)                           \
  VIMQ_ABI_PRAGMA_##KIND(NAME, BUNDLE)
/// Inside vimq_fetch's body: the m_axi/s_axilite INTERFACE pragmas of every argument plus
/// ap_ctrl_hs on s_axilite for the return (the block protocol the XDMA path drives).
#define VIMQ_FETCH_INTERFACE_PRAGMAS                                                           \
  VIMQ_KERNEL_ARGS(VIMQ_ABI_PRAGMA, VIMQ_ABI_NOSEP)                                             \
  _Pragma("HLS INTERFACE mode = s_axilite port = return bundle = control")                     \
  _Pragma("HLS INTERFACE mode = ap_ctrl_hs port = return")

namespace vimq {
namespace hw {
namespace abi {

/// Bumped whenever the argument list, the register map or the status block changes. The
/// kernel writes it into every status block; hosts refuse a different one.
constexpr uint32_t kAbiVersion = 1;
/// The kernel's name in the xclbin (XRT) and the HLS top function.
constexpr const char *kKernelName = "vimq_fetch";
/// Bytes per instruction in the `insns` region and per entry of the `buffers` table.
constexpr uint32_t kInsnBytes = 32;
constexpr uint32_t kBufferEntryBytes = 16;

//===-- arguments ----------------------------------------------------------------------===//

enum class ArgKind : uint8_t { Ptr, U32 };

/// Argument indices (xrt::run::set_arg, xrt::kernel::group_id): kArgInsns = 0, ...
#define VIMQ_ABI_ENUM(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING) kArg##CAMEL = I,
enum KernelArg : uint32_t { VIMQ_KERNEL_ARGS(VIMQ_ABI_ENUM, VIMQ_ABI_NOSEP) kNumKernelArgs };
#undef VIMQ_ABI_ENUM

#define VIMQ_ABI_CASE(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING)                             \
  case I:                                                                                      \
    return ArgKind::KIND;
constexpr ArgKind kernelArgKind(uint32_t index) {
  switch (index) { VIMQ_KERNEL_ARGS(VIMQ_ABI_CASE, VIMQ_ABI_NOSEP) }
  return ArgKind::U32;
}
#undef VIMQ_ABI_CASE

#define VIMQ_ABI_CASE(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING)                             \
  case I:                                                                                      \
    return #NAME;
/// The parameter name ("insns", "insn_count", ...); nullptr past the end.
constexpr const char *kernelArgName(uint32_t index) {
  switch (index) { VIMQ_KERNEL_ARGS(VIMQ_ABI_CASE, VIMQ_ABI_NOSEP) }
  return nullptr;
}
#undef VIMQ_ABI_CASE

#define VIMQ_ABI_CASE(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING)                             \
  case I:                                                                                      \
    return #BUNDLE;
/// "gmem0", "gmem1" for pointers, "control" for scalars; nullptr past the end.
constexpr const char *kernelArgBundle(uint32_t index) {
  switch (index) { VIMQ_KERNEL_ARGS(VIMQ_ABI_CASE, VIMQ_ABI_NOSEP) }
  return nullptr;
}
#undef VIMQ_ABI_CASE

#define VIMQ_ABI_CASE(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING)                             \
  case I:                                                                                      \
    return MEANING;
constexpr const char *kernelArgMeaning(uint32_t index) {
  switch (index) { VIMQ_KERNEL_ARGS(VIMQ_ABI_CASE, VIMQ_ABI_NOSEP) }
  return nullptr;
}
#undef VIMQ_ABI_CASE

// The INDEX column must be the row's position: row r's index is r.
#define VIMQ_ABI_INDEX(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING) I
constexpr bool kernelArgIndicesInOrder() {
  const uint32_t rows[] = {VIMQ_KERNEL_ARGS(VIMQ_ABI_INDEX, VIMQ_ABI_COMMA)};
  for (uint32_t r = 0; r < sizeof(rows) / sizeof(rows[0]); ++r)
    if (rows[r] != r)
      return false;
  return true;
}
#undef VIMQ_ABI_INDEX
static_assert(kernelArgIndicesInOrder(), "KernelAbi.def: INDEX must equal the row's position");

//===-- s_axilite register map (the XDMA path writes these itself) -----------------------===//
//
// Vitis HLS's register map for an ap_ctrl_hs top whose arguments are all on s_axilite
// (UG1399 "S_AXILITE Control Register Map" and "S_AXILITE Offset Option"; UG1393 "Kernel
// Information" shows krnl_vadd(int*, int*, int*, int) at 0x10, 0x1C, 0x28, 0x34):
//   0x00 control (bit 0 ap_start, 1 ap_done (clear on read), 2 ap_idle, 3 ap_ready)
//   0x04 global interrupt enable, 0x08 IP interrupt enable, 0x0c IP interrupt status
//   0x10 first argument. Each argument takes its data words plus one reserved word:
//   a 64-bit m_axi offset 0x0c bytes (lo, hi, reserved), a 32-bit scalar 0x08 (data, reserved).
// The mailbox/auto-restart registers that move arguments to 0x18+ exist only when enabled;
// the overlay enables neither. After synthesis, compare with the generated x<top>_hw.h.

constexpr uint32_t kRegControl = 0x00;
constexpr uint32_t kRegGlobalIntEnable = 0x04;
constexpr uint32_t kRegIpIntEnable = 0x08;
constexpr uint32_t kRegIpIntStatus = 0x0c;
constexpr uint32_t kRegArgsBase = 0x10;

constexpr uint32_t kCtrlApStart = 1u << 0;
constexpr uint32_t kCtrlApDone = 1u << 1;
constexpr uint32_t kCtrlApIdle = 1u << 2;
constexpr uint32_t kCtrlApReady = 1u << 3;

/// Bytes of register space one argument takes.
constexpr uint32_t kernelArgRegBytes(ArgKind kind) { return kind == ArgKind::Ptr ? 0x0c : 0x08; }

/// Byte offset of argument `index`'s first (low) data word; for a pointer the high word is at
/// +4. Past the last argument: the end of the register map.
constexpr uint32_t kernelArgRegOffset(uint32_t index) {
  uint32_t offset = kRegArgsBase;
  for (uint32_t i = 0; i < index && i < kNumKernelArgs; ++i)
    offset += kernelArgRegBytes(kernelArgKind(i));
  return offset;
}

/// Register offsets: kRegInsns = 0x10, kRegInsnCount = 0x1c, kRegDdr = 0x24, kRegBuffers =
/// 0x30, kRegNumBuffers = 0x3c, kRegStatus = 0x44.
#define VIMQ_ABI_REG(I, NAME, CAMEL, KIND, TYPE, BUNDLE, MEANING)                              \
  constexpr uint32_t kReg##CAMEL = kernelArgRegOffset(I);
VIMQ_KERNEL_ARGS(VIMQ_ABI_REG, VIMQ_ABI_NOSEP)
#undef VIMQ_ABI_REG
constexpr uint32_t kRegMapEnd = kernelArgRegOffset(kNumKernelArgs);

//===-- status block ----------------------------------------------------------------------===//
//
// Written by the kernel to `status` at the end of every run; little-endian, fixed offsets:
//     0 u32 magic 'VQST'        4 u32 abi version       8 u64 fingerprint
//    16 u32 clock_mhz          20 u32 error            24 u32 error_insn   28 u32 waiting_units
//    32 u64 cycles
//    40 7 units (fetch, load, linear, conv, ssm, vector, store) x 7 u64 counters
//       (instructions, busy, stall_cmd, stall_token, stall_full, stall_ddr, ddr_bytes)
//   432 end (54 u64 words)
// A query run (insn_count == 0) writes words 0..2 only (magic, version, fingerprint, clock;
// the error word 2's high half is 0).

/// The bytes 'V','Q','S','T' read as a little-endian u32.
constexpr uint32_t kStatusMagic = 0x54535156u;

constexpr uint32_t kStatusOffMagic = 0;
constexpr uint32_t kStatusOffVersion = 4;
constexpr uint32_t kStatusOffFingerprint = 8;
constexpr uint32_t kStatusOffClockMhz = 16;
constexpr uint32_t kStatusOffError = 20;
constexpr uint32_t kStatusOffErrorInsn = 24;
constexpr uint32_t kStatusOffWaitingUnits = 28;
constexpr uint32_t kStatusOffCycles = 32;
constexpr uint32_t kStatusOffUnits = 40;

constexpr uint32_t kStatusUnits = 7;
enum StatusUnit : uint32_t {
  kUnitFetch = 0,
  kUnitLoad,
  kUnitLinear,
  kUnitConv,
  kUnitSsm,
  kUnitVector,
  kUnitStore
};
constexpr uint32_t kUnitCounters = 7;
enum UnitCounter : uint32_t {
  kCounterInstructions = 0,
  kCounterBusy,
  kCounterStallCmd,
  kCounterStallToken,
  kCounterStallFull,
  kCounterStallDdr,
  kCounterDdrBytes
};

constexpr uint32_t kStatusBytes = kStatusOffUnits + kStatusUnits * kUnitCounters * 8;
constexpr uint32_t kStatusWords = kStatusBytes / 8;
/// The header a query run writes: magic .. clock_mhz (and the zero error word after it).
constexpr uint32_t kStatusHeaderBytes = 24;
constexpr uint32_t kStatusHeaderWords = kStatusHeaderBytes / 8;

/// Byte offset of unit u's counter c.
constexpr uint32_t statusCounterOffset(uint32_t unit, uint32_t counter) {
  return kStatusOffUnits + (unit * kUnitCounters + counter) * 8;
}

static_assert(kStatusOffVersion == kStatusOffMagic + 4, "status layout");
static_assert(kStatusOffFingerprint == kStatusOffVersion + 4, "status layout");
static_assert(kStatusOffClockMhz == kStatusOffFingerprint + 8, "status layout");
static_assert(kStatusOffError == kStatusOffClockMhz + 4, "status layout");
static_assert(kStatusOffErrorInsn == kStatusOffError + 4, "status layout");
static_assert(kStatusOffWaitingUnits == kStatusOffErrorInsn + 4, "status layout");
static_assert(kStatusOffCycles == kStatusOffWaitingUnits + 4, "status layout");
static_assert(kStatusOffUnits == kStatusOffCycles + 8, "status layout");
static_assert(kStatusOffFingerprint % 8 == 0 && kStatusOffCycles % 8 == 0 &&
                  kStatusOffUnits % 8 == 0,
              "64-bit fields are 8-byte aligned");
static_assert(kStatusBytes == 432 && kStatusBytes % 8 == 0, "status block is 54 u64 words");
static_assert(statusCounterOffset(kUnitStore, kCounterDdrBytes) + 8 == kStatusBytes,
              "status layout");

/// The status block's contents (host and kernel side alike; the layout above is the ABI,
/// not this struct's).
struct StatusBlock {
  uint32_t magic;
  uint32_t version;
  uint64_t fingerprint;
  uint32_t clockMhz;
  uint32_t error;        ///< 0 = success, else an hw::OverlayError code
  uint32_t errorInsn;    ///< index of the failing instruction
  uint32_t waitingUnits; ///< on deadlock: bit u set for every waiting unit (StatusUnit)
  uint64_t cycles;
  uint64_t counters[kStatusUnits][kUnitCounters];
};

/// A zeroed block with magic and version set (what a kernel starts from).
inline StatusBlock makeStatusBlock(uint64_t fingerprint, uint32_t clockMhz) {
  StatusBlock s = {};
  s.magic = kStatusMagic;
  s.version = kAbiVersion;
  s.fingerprint = fingerprint;
  s.clockMhz = clockMhz;
  return s;
}

/// Little-endian u64 word `w` (0 .. kStatusWords-1) of the block: what a kernel with a 64-bit
/// status port writes at status[w].
inline uint64_t statusWord(const StatusBlock &s, uint32_t w) {
  switch (w) {
  case 0:
    return uint64_t(s.magic) | uint64_t(s.version) << 32;
  case 1:
    return s.fingerprint;
  case 2:
    return uint64_t(s.clockMhz) | uint64_t(s.error) << 32;
  case 3:
    return uint64_t(s.errorInsn) | uint64_t(s.waitingUnits) << 32;
  case 4:
    return s.cycles;
  default:
    break;
  }
  uint32_t c = w - kStatusOffUnits / 8;
  return c < kStatusUnits * kUnitCounters ? s.counters[c / kUnitCounters][c % kUnitCounters] : 0;
}

inline void storeLe32(uint8_t *p, uint32_t v) {
  for (uint32_t i = 0; i < 4; ++i)
    p[i] = uint8_t(v >> (8 * i));
}
inline void storeLe64(uint8_t *p, uint64_t v) {
  for (uint32_t i = 0; i < 8; ++i)
    p[i] = uint8_t(v >> (8 * i));
}
inline uint32_t loadLe32(const uint8_t *p) {
  uint32_t v = 0;
  for (uint32_t i = 0; i < 4; ++i)
    v |= uint32_t(p[i]) << (8 * i);
  return v;
}
inline uint64_t loadLe64(const uint8_t *p) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < 8; ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return v;
}

/// Writes the first `words` u64 words of the block (kStatusWords for a run,
/// kStatusHeaderWords for a query) to out[0 .. 8 * words), little-endian.
inline void encodeStatus(const StatusBlock &s, uint8_t *out, uint32_t words = kStatusWords) {
  for (uint32_t w = 0; w < words && w < kStatusWords; ++w)
    storeLe64(out + 8 * w, statusWord(s, w));
}

/// Reads a whole block from in[0 .. kStatusBytes). Check magic and version before trusting it.
inline StatusBlock decodeStatus(const uint8_t *in) {
  StatusBlock s = {};
  s.magic = loadLe32(in + kStatusOffMagic);
  s.version = loadLe32(in + kStatusOffVersion);
  s.fingerprint = loadLe64(in + kStatusOffFingerprint);
  s.clockMhz = loadLe32(in + kStatusOffClockMhz);
  s.error = loadLe32(in + kStatusOffError);
  s.errorInsn = loadLe32(in + kStatusOffErrorInsn);
  s.waitingUnits = loadLe32(in + kStatusOffWaitingUnits);
  s.cycles = loadLe64(in + kStatusOffCycles);
  for (uint32_t u = 0; u < kStatusUnits; ++u)
    for (uint32_t c = 0; c < kUnitCounters; ++c)
      s.counters[u][c] = loadLe64(in + statusCounterOffset(u, c));
  return s;
}

/// Buffer-table entry i in table[0 .. kBufferEntryBytes * n): {u64 base, u64 size}, LE.
inline void encodeBufferEntry(uint8_t *table, uint32_t i, uint64_t base, uint64_t size) {
  storeLe64(table + uint64_t(i) * kBufferEntryBytes, base);
  storeLe64(table + uint64_t(i) * kBufferEntryBytes + 8, size);
}
inline uint64_t bufferEntryBase(const uint8_t *table, uint32_t i) {
  return loadLe64(table + uint64_t(i) * kBufferEntryBytes);
}
inline uint64_t bufferEntrySize(const uint8_t *table, uint32_t i) {
  return loadLe64(table + uint64_t(i) * kBufferEntryBytes + 8);
}

} // namespace abi
} // namespace hw
} // namespace vimq

#endif // VIMQ_HW_KERNELABI_H
