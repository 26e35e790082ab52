//===- PassTiming.cpp - the --time-passes report ----------------------------------------------===//
#include "vimq/passes/PassTiming.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

namespace vimq {

void PassTimingReport::add(llvm::StringRef name, double seconds) {
  unsigned seen = llvm::count_if(rows_, [&](const Row &r) {
    llvm::StringRef n(r.name);
    return n == name || (n.startswith(name) && n.drop_front(name.size()).startswith(" #"));
  });
  std::string rowName = name.str();
  if (seen)
    rowName += llvm::formatv(" #{0}", seen + 1).str();
  rows_.push_back({std::move(rowName), seconds});
}

void PassTimingReport::accumulate(llvm::StringRef name, double seconds) {
  auto it = llvm::find_if(rows_, [&](const Row &r) { return r.name == name; });
  if (it == rows_.end())
    rows_.push_back({name.str(), seconds});
  else
    it->seconds += seconds;
}

double PassTimingReport::totalSeconds() const {
  double total = 0;
  for (const Row &r : rows_)
    total += r.seconds;
  return total;
}

void PassTimingReport::print(llvm::raw_ostream &os) const {
  std::vector<Row> sorted = rows_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Row &a, const Row &b) { return a.seconds > b.seconds; });
  double total = totalSeconds();
  // A pipeline of no-op passes can total 0 s at clock resolution; print 0% rather than NaN.
  auto percent = [&](double s) { return total > 0 ? 100.0 * s / total : 0.0; };
  const char *rule =
      "===-------------------------------------------------------------------------===\n";
  os << rule << "                      ... Pass execution timing report ...\n" << rule;
  os << llvm::format("  Total Execution Time: %.4f seconds (%.4f wall clock)\n\n", total, total);
  os << "   ---Wall Time---  --- Name ---\n";
  for (const Row &r : sorted)
    os << llvm::format("   %7.4f (%5.1f%%)  ", r.seconds, percent(r.seconds)) << r.name << "\n";
  os << llvm::format("   %7.4f (%5.1f%%)  ", total, total > 0 ? 100.0 : 0.0) << "Total\n\n";
  os.flush();
}

} // namespace vimq
