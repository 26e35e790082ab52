//===- Device.h - where a bundle runs: the sim overlay or a board through XRT -----*- C++ -*-===//
//
// A Device runs an already validated instruction stream on a DDR image. It knows nothing
// about I/O names or host formats (Session does that) and owns no per-model state, so one
// device can run several sessions.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Fields.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace vimq::rt {

struct DeviceOptions {
  /// xrt only: the overlay bitstream to load (required for `xrt`).
  std::string xclbin;
};

/// The DDR contents of one run: every bundle buffer at `base` inside `bytes`. `table` is
/// indexed by buffer id (absent ids have size 0), exactly as the overlay reads it.
struct DdrImage {
  struct Buffer {
    uint64_t base = 0;
    uint64_t size = 0;
  };
  std::vector<uint8_t> bytes;
  std::vector<Buffer> table;
};

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

struct Profile {
  uint64_t cycles = 0;
  uint32_t clockMhz = 0;
  std::vector<UnitProfile> units;

  /// Modeled (sim) or measured (board) latency at the target clock.
  double latencyMicroseconds() const { return clockMhz ? double(cycles) / clockMhz : 0.0; }
  std::string toJson() const;
};

class Device {
public:
  virtual ~Device();

  /// "sim" or "xrt" / "xrt:N" (board index N, default 0). Anything else is an error.
  static llvm::Expected<std::unique_ptr<Device>> open(llvm::StringRef spec,
                                                      const DeviceOptions &opts = {});

  /// e.g. "sim (zcu102)".
  virtual std::string description() const = 0;
  /// The overlay's read-only fingerprint register.
  virtual uint64_t fingerprint() const = 0;
  /// Runs `code` (which ends with FINISH) on `image`, updating image.bytes in place. Errors
  /// reported by the overlay name the instruction index and, for deadlocks, the waiting units.
  virtual llvm::Expected<Profile> run(llvm::ArrayRef<isa::Instr> code, DdrImage &image) = 0;
};

/// Defined in SimDevice.cpp / XrtDevice.cpp.
std::unique_ptr<Device> createSimDevice();
llvm::Expected<std::unique_ptr<Device>> createXrtDevice(unsigned index, const DeviceOptions &opts);
/// Whether this build contains the xrt device (libxrt-dev found at configure time).
bool haveXrtDevice();

} // namespace vimq::rt
