//===- ToolOptions.cpp - command-line options shared by the vimq tools ------------------------===//
#include "ToolOptions.h"

#include "vimq/isa/Version.h"

#include "vimq/passes/Debug.h"
#include "vimq/support/Error.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

#ifndef VIMQ_VERSION
#define VIMQ_VERSION "unknown"
#endif

namespace cl = llvm::cl;

namespace vimq::tools {

cl::OptionCategory &toolCategory() {
  static cl::OptionCategory category("vimq options");
  return category;
}

namespace {

cl::opt<bool> printAfterAll("print-after-all", cl::desc("Print the IR after each pass"),
                            cl::cat(toolCategory()));
cl::opt<bool> printBeforeAll("print-before-all", cl::desc("Print the IR before each pass"),
                             cl::cat(toolCategory()));
cl::list<std::string> printAfter("print-after",
                                 cl::desc("Print the IR after the named passes (comma-separated "
                                          "or repeated)"),
                                 cl::value_desc("pass"), cl::CommaSeparated,
                                 cl::cat(toolCategory()));
cl::list<std::string> printBefore("print-before",
                                  cl::desc("Print the IR before the named passes (comma-"
                                           "separated or repeated)"),
                                  cl::value_desc("pass"), cl::CommaSeparated,
                                  cl::cat(toolCategory()));
cl::opt<std::string> dumpDir("dump-dir",
                             cl::desc("Write the IR before the pipeline and after each pass to "
                                      "DIR/NN-<pass>.ir"),
                             cl::value_desc("dir"), cl::cat(toolCategory()));
cl::opt<bool> timePasses("time-passes",
                         cl::desc("Print a table of wall time per pass to stderr at the end"),
                         cl::cat(toolCategory()));
cl::opt<bool> verifyEach("verify-each", cl::desc("Verify the IR after every pass"),
                         cl::cat(toolCategory()));
cl::opt<std::string> debugOnly("debug-only",
                               cl::desc("Print debug output of the given comma-separated debug "
                                        "types ('all' for every type)"),
                               cl::value_desc("types"), cl::cat(toolCategory()));
cl::list<std::string> pipeline("pipeline",
                              cl::desc("Run these registered passes instead of the standard "
                                       "pipeline (comma-separated; see --list-passes)"),
                              cl::value_desc("passes"), cl::CommaSeparated,
                              cl::cat(toolCategory()));
cl::opt<bool> listPasses("list-passes", cl::desc("List the registered passes and exit"),
                         cl::cat(toolCategory()));

} // namespace

void parseToolCommandLine(int argc, char **argv, llvm::StringRef overview) {
  cl::HideUnrelatedOptions(toolCategory());
  cl::SetVersionPrinter(isa::printVersion);
  cl::ParseCommandLineOptions(argc, argv, overview);
  setDebugOnly(debugOnly);
}

Instrumentation instrumentationFromOptions() {
  Instrumentation instr;
  instr.printAfterAll = printAfterAll;
  instr.printBeforeAll = printBeforeAll;
  instr.printAfter.assign(printAfter.begin(), printAfter.end());
  instr.printBefore.assign(printBefore.begin(), printBefore.end());
  instr.dumpDir = dumpDir;
  instr.timePasses = timePasses;
  instr.verifyEach = verifyEach;
  return instr;
}

llvm::Optional<std::vector<std::string>> customPipeline() {
  if (pipeline.getNumOccurrences() == 0)
    return llvm::None;
  // "--pipeline=" (no passes: print the imported graph) arrives as one empty element.
  std::vector<std::string> names;
  for (const std::string &name : pipeline)
    if (!name.empty())
      names.push_back(name);
  return names;
}

bool listPassesRequested() { return listPasses; }

void printPassList(llvm::raw_ostream &os) {
  size_t width = 0;
  for (const PassInfo *p : registeredPasses())
    width = std::max(width, p->name.size());
  for (const PassInfo *p : registeredPasses())
    os << "  " << llvm::left_justify(p->name, width) << "  " << p->description << "\n";
}

llvm::Error checkScheme(llvm::StringRef scheme) {
  if (scheme == "fp32" || scheme == "vimq" || scheme == "fastmamba")
    return llvm::Error::success();
  return makeError("unknown --scheme '{0}'; expected one of: fp32, vimq, fastmamba", scheme);
}

} // namespace vimq::tools
