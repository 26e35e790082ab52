//===- Target.h - hardware target description read from hw/targets/*.json -----------*- C++ -*-===//
//
// The compiler and the runtime read the same JSON file that the simulator/HLS build turns into
// constexpr parameters at configure time (hw/cmake/VimqTargetConfig.cmake). There is no second
// copy of the numbers.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>

namespace vimq::hw {

struct ResourceBudget {
  int64_t lut = 0, ff = 0, dsp = 0, bram36 = 0;
};

class Target {
public:
  /// Parses and validates a target file. Errors name the file and the offending key.
  static llvm::Expected<Target> loadFile(llvm::StringRef path);
  /// Loads `<VIMQ_HW_TARGETS_DIR>/<name>.json` (the source tree's hw/targets).
  static llvm::Expected<Target> loadByName(llvm::StringRef name);
  /// Parses JSON text; `origin` names it in errors.
  static llvm::Expected<Target> parse(llvm::StringRef json, llvm::StringRef origin);

  const std::string &name() const { return Name; }
  const std::string &part() const { return Part; }
  const ResourceBudget &budget() const { return Budget; }
  /// Synthesis parameters, sorted by key (the fingerprint's order).
  const std::map<std::string, int64_t> &params() const { return Params; }
  /// A parameter that validation guaranteed to exist (see kRequiredParams in Target.cpp).
  int64_t param(llvm::StringRef key) const;

  int64_t clockMhz() const { return param("clock_mhz"); }
  int64_t ddrBytesPerCycle() const { return param("ddr_bytes_per_cycle"); }
  int64_t linearRows() const { return param("linear_rows"); }
  int64_t linearCols() const { return param("linear_cols"); }
  int64_t ssmLanes() const { return param("ssm_lanes"); }
  int64_t vectorWidth() const { return param("vector_width"); }

  /// Fingerprint for the given ISA version (see Fingerprint.h for the definition).
  uint64_t fingerprint(uint64_t isaVersion) const;

private:
  std::string Name, Part;
  ResourceBudget Budget;
  std::map<std::string, int64_t> Params;
};

} // namespace vimq::hw
