//===- PassManager.cpp - runs a pipeline with LLVM-style instrumentation ----------------------===//
//
// Order of events around pass #i (1-based, "NN" below):
//   --print-before(-all)  ->  run  ->  --print-after(-all)  ->  DIR/NN-<pass>.ir  ->  --verify-each
// Printing and dumping come before verification so that the IR a pass broke can be inspected.
// The graph is verified before the first pass and after the last one in every case.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/passes/PassManager.h"
#include "vimq/passes/Debug.h"
#include "vimq/passes/PassTiming.h"
#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include <chrono>
#include <optional>

#define DEBUG_TYPE "pass-manager"

namespace vimq {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string joinNames(llvm::ArrayRef<std::string> names) {
  return names.empty() ? std::string("(none)") : llvm::join(names, ", ");
}

/// Pass names are kebab-case by convention, but a file name must be safe whatever a pass
/// calls itself.
std::string fileSafe(llvm::StringRef name) {
  std::string out;
  for (char c : name)
    out += (llvm::isAlnum(c) || c == '-' || c == '_' || c == '.') ? c : '_';
  return out.empty() ? std::string("pass") : out;
}

/// Writes DIR/NN-<stem>.ir files. NN has at least two digits and as many as the largest index
/// needs, so that the files sort in pipeline order.
class DumpDir {
public:
  DumpDir(llvm::StringRef dir, size_t numPasses) : dir_(dir.str()) {
    width_ = std::max<size_t>(2, std::to_string(numPasses).size());
  }

  /// Creates the directory and removes NN-*.ir files of an earlier run, which would otherwise
  /// interleave with this run's files and mislead whoever reads the folder.
  llvm::Error prepare() const {
    if (llvm::sys::fs::exists(dir_) && !llvm::sys::fs::is_directory(dir_))
      return makeError("--dump-dir={0}: exists and is not a directory", dir_);
    if (std::error_code ec = llvm::sys::fs::create_directories(dir_))
      return makeError("--dump-dir={0}: cannot create directory: {1}", dir_, ec.message());
    llvm::Regex stale("^[0-9]+-.*\\.ir$");
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir_, ec), end; it != end && !ec;
         it.increment(ec)) {
      llvm::StringRef file = llvm::sys::path::filename(it->path());
      if (stale.match(file) && it->type() == llvm::sys::fs::file_type::regular_file)
        llvm::sys::fs::remove(it->path());
    }
    if (ec)
      return makeError("--dump-dir={0}: cannot list directory: {1}", dir_, ec.message());
    return llvm::Error::success();
  }

  llvm::Error write(size_t index, llvm::StringRef stem, const ir::Graph &g) const {
    std::string num = std::to_string(index);
    num.insert(0, width_ - std::min(width_, num.size()), '0');
    llvm::SmallString<256> path(dir_);
    llvm::sys::path::append(path, num + "-" + fileSafe(stem) + ".ir");
    return writeFileAtomically(path, ir::toString(g));
  }

private:
  std::string dir_;
  size_t width_;
};

void printBanner(llvm::raw_ostream &os, llvm::StringRef when, llvm::StringRef pass,
                 const ir::Graph &g) {
  os << "// *** IR Dump " << when << " " << pass << " ***\n";
  ir::print(g, os);
  os.flush();
}

} // namespace

llvm::Error PassManager::add(llvm::StringRef name) {
  const PassInfo *info = lookupPass(name);
  if (!info) {
    std::vector<std::string> names;
    for (const PassInfo *p : registeredPasses())
      names.push_back(p->name);
    return makeError("unknown pass '{0}'; registered passes: {1}", name, joinNames(names));
  }
  add(info->create());
  return llvm::Error::success();
}

llvm::Error PassManager::checkInstrumentationNames() const {
  std::vector<std::string> names;
  for (const auto &p : passes_)
    if (!llvm::is_contained(names, p->name().str()))
      names.push_back(p->name().str());
  auto check = [&](llvm::ArrayRef<std::string> requested, llvm::StringRef flag) -> llvm::Error {
    for (const std::string &n : requested)
      if (!llvm::is_contained(names, n))
        return makeError("{0}: unknown pass '{1}'; passes in this pipeline: {2}", flag, n,
                         joinNames(names));
    return llvm::Error::success();
  };
  if (llvm::Error e = check(instr_.printBefore, "--print-before"))
    return e;
  return check(instr_.printAfter, "--print-after");
}

llvm::Error PassManager::run(ir::Graph &g) {
  if (llvm::Error e = checkInstrumentationNames())
    return e;
  llvm::raw_ostream &printOS = instr_.printStream ? *instr_.printStream : llvm::errs();
  llvm::raw_ostream &timeOS = instr_.timeStream ? *instr_.timeStream : llvm::errs();

  // The timing table is printed however the pipeline ends, like LLVM's, which prints at exit:
  // the time spent up to a failing pass is still worth seeing.
  PassTimingReport timing;
  auto printTiming = llvm::make_scope_exit([&] {
    if (instr_.timePasses)
      timing.print(timeOS);
  });
  auto timedVerify = [&]() -> llvm::Error {
    Clock::time_point t0 = Clock::now();
    llvm::Error e = ir::verify(g);
    timing.accumulate("(verifier)", secondsSince(t0));
    return e;
  };

  if (llvm::Error e = timedVerify())
    return withContext(std::move(e), "input graph fails verification");

  std::optional<DumpDir> dump;
  if (!instr_.dumpDir.empty()) {
    dump.emplace(instr_.dumpDir, passes_.size());
    if (llvm::Error e = dump->prepare())
      return e;
    if (llvm::Error e = dump->write(0, "input", g))
      return e;
  }

  for (size_t i = 0; i < passes_.size(); ++i) {
    Pass &pass = *passes_[i];
    llvm::StringRef name = pass.name();
    if (instr_.printBeforeAll || llvm::is_contained(instr_.printBefore, name))
      printBanner(printOS, "Before", name, g);

    Clock::time_point t0 = Clock::now();
    llvm::Expected<bool> changed = pass.run(g);
    g.purgeErased(); // ops the pass erased: no snapshot of the pass survives it
    timing.add(name, secondsSince(t0));
    if (!changed)
      return withContext(changed.takeError(), name);
    VIMQ_DEBUG(DEBUG_TYPE, llvm::dbgs() << DEBUG_TYPE << ": " << name
                                        << (*changed ? " changed" : " left unchanged")
                                        << " the graph (" << g.numOps() << " ops)\n");

    if (instr_.printAfterAll || llvm::is_contained(instr_.printAfter, name))
      printBanner(printOS, "After", name, g);
    if (dump)
      if (llvm::Error e = dump->write(i + 1, name, g))
        return e;
    if (instr_.verifyEach)
      if (llvm::Error e = timedVerify())
        return withContext(std::move(e),
                           llvm::formatv("IR verification failed after pass '{0}' (#{1})", name,
                                         i + 1));
  }

  if (!instr_.verifyEach && !passes_.empty())
    if (llvm::Error e = timedVerify())
      return withContext(std::move(e), "IR verification failed after the pipeline (rerun with "
                                       "--verify-each to find the pass that broke it)");
  return llvm::Error::success();
}

} // namespace vimq
