//===- PassTiming.h - the --time-passes report ----------------------------------*- C++ -*-===//
//
// Collects wall time per pass execution and prints a table in the style of LLVM's
// -time-passes. Separate from the PassManager so that the table's layout can be tested with
// fixed times (tests never assert measured wall-clock values).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace vimq {

class PassTimingReport {
public:
  /// Records one execution. A name seen before gets a " #2", " #3"... suffix, so that a pass
  /// that occurs twice in a pipeline keeps two rows.
  void add(llvm::StringRef name, double seconds);
  /// Adds `seconds` to the row `name` (created on first use, never suffixed); used for the
  /// verifier, which runs many times but is reported once.
  void accumulate(llvm::StringRef name, double seconds);
  bool empty() const { return rows_.empty(); }
  double totalSeconds() const;

  /// Rows sorted by decreasing time (ties keep execution order), each with its share of the
  /// total, then the total.
  void print(llvm::raw_ostream &os) const;

private:
  struct Row {
    std::string name;
    double seconds;
  };
  std::vector<Row> rows_;
};

} // namespace vimq
