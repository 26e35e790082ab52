//===- Device.h - where a bundle runs: the sim overlay or a board (XRT, XDMA) ------*- C++ -*-===//
//
// A Device runs an already validated instruction stream on a DDR image. It knows nothing
// about I/O names or host formats (Session does that) and owns no per-model state, so one
// device can run several sessions.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Bundle.h"
#include "vimq/isa/Fields.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vimq::rt {

struct DeviceOptions {
  /// xrt only: the overlay bitstream to load (required for `xrt`).
  std::string xclbin;
  /// xdma only: the directory holding xdma<N>_user, xdma<N>_h2c_0 and xdma<N>_c2h_0.
  std::string xdmaDir = "/dev";
  /// xdma only: card address of the region the runtime owns (docs/runtime.md, "xdma").
  uint64_t cardBase = 0;
  /// Board devices: a run (or the fingerprint query) that does not finish within this many
  /// milliseconds is an error, never a hang.
  unsigned timeoutMs = 30000;
  /// sim only: record every instruction's timing in Profile::instructions (per-op profiles).
  bool traceInstructions = false;
  /// sim only: the cycle model without the arithmetic (hw::setSimTimingOnly): exact cycles
  /// and profile, meaningless outputs. vimq-compile's modeled latency.
  bool timingOnly = false;
  /// sim only: called about every 1 % of a run's instructions with (fetched, total).
  std::function<void(uint64_t, uint64_t)> progress;
};

/// The DDR contents of one run: every bundle buffer at `base` inside `bytes`. `table` is
/// indexed by buffer id (absent ids have size 0), exactly as the overlay reads it.
///
/// Board devices keep an image resident between runs: when `generation` is non-zero and
/// equals the previous run's, only `input` buffers are uploaded (weights, the program and
/// scratch stay on the card, so scratch is not zeroed between runs as in the sim); with a
/// non-zero generation only `output` buffers are read back. A generation of 0 means
/// "unknown": everything is uploaded and read back on every run.
struct DdrImage {
  struct Buffer {
    uint64_t base = 0;
    uint64_t size = 0;
    isa::BufferKind kind = isa::BufferKind::scratch;
  };
  std::vector<uint8_t> bytes;
  std::vector<Buffer> table;
  /// Identifies the program and the constant contents (weights) of this image; a new value
  /// for every Session (newImageGeneration()).
  uint64_t generation = 0;
};

/// A process-unique, non-zero DdrImage::generation.
uint64_t newImageGeneration();

/// Per-unit counters of the cycle model (sim) or of the board's profile registers.
struct UnitProfile {
  std::string unit;
  uint64_t instructions = 0;
  uint64_t busyCycles = 0;
  uint64_t stallCmdCycles = 0;
  uint64_t stallTokenCycles = 0;
  uint64_t stallFullCycles = 0;
  uint64_t stallDdrCycles = 0; ///< LOAD/STORE waiting for the shared DDR port
  uint64_t ddrBytes = 0;
};

/// When one instruction ran in the cycle model: `unit` indexes Profile::units.
struct InstrTiming {
  uint32_t index = 0; ///< in the program
  uint8_t unit = 0;
  uint64_t start = 0, end = 0; ///< cycles: execution start (after its tokens and the DDR port)
  uint64_t ddrBytes = 0;
};

struct Profile {
  uint64_t cycles = 0;
  uint32_t clockMhz = 0;
  std::vector<UnitProfile> units;
  /// Per executed instruction, in completion order, when the device traces them (the sim with
  /// DeviceOptions::traceInstructions); empty otherwise.
  std::vector<InstrTiming> instructions;

  /// Modeled (sim) or measured (board) latency at the target clock.
  double latencyMicroseconds() const { return clockMhz ? double(cycles) / clockMhz : 0.0; }
  std::string toJson() const;
};

class Device {
public:
  virtual ~Device();

  /// "sim", "xrt" / "xrt:N" (board index N, default 0) or "xdma" / "xdma:N" (the XDMA
  /// driver's /dev/xdma<N>_* nodes). Anything else is an error.
  static llvm::Expected<std::unique_ptr<Device>> open(llvm::StringRef spec,
                                                      const DeviceOptions &opts = {});

  /// e.g. "sim (zcu102)".
  virtual std::string description() const = 0;
  /// The overlay's fingerprint (sim: its default target's, VIMQ_HW_DEFAULT_TARGET; boards:
  /// read by a query run at open).
  virtual uint64_t fingerprint() const = 0;
  /// The device that runs `bundle` (Session::create asks): this one when the bundle's
  /// fingerprint is this device's; the sim, which has every target of hw/targets/ built in,
  /// returns its simulator of the bundle's target (owned by this device). Otherwise a
  /// "fingerprint mismatch" error naming the bundle's target and what the device runs.
  virtual llvm::Expected<Device &> forBundle(const isa::Bundle &bundle);
  /// Runs `code` (which ends with FINISH) on `image`, updating image.bytes in place: the
  /// sim updates every buffer; a board device updates only the `output` buffers of an image
  /// with a non-zero generation (see DdrImage). Errors reported by the overlay name the
  /// instruction index and, for deadlocks, the waiting units.
  virtual llvm::Expected<Profile> run(llvm::ArrayRef<isa::Instr> code, DdrImage &image) = 0;
};

/// Defined in SimDevice.cpp / XrtDevice.cpp / XdmaDevice.cpp. The sim device runs bundles of
/// every built-in target; by itself (fingerprint(), run()) it is the default target's.
std::unique_ptr<Device> createSimDevice(const DeviceOptions &opts = {});
llvm::Expected<std::unique_ptr<Device>> createXrtDevice(unsigned index, const DeviceOptions &opts);
llvm::Expected<std::unique_ptr<Device>> createXdmaDevice(unsigned index,
                                                         const DeviceOptions &opts);
/// Whether this build contains the real xrt device (libxrt-dev found at configure time).
bool haveXrtDevice();

} // namespace vimq::rt
