//===- vimq-run.cpp - run a bundle on a device ---------------------------------------===//
//
//   vimq-run BUNDLE.vimq --input NAME=FILE.npy ... --output DIR
//            [--device sim|xrt[:N]|xdma[:N]] [--xclbin FILE] [--xdma-dir DIR] [--profile]
//            [--repeat N] [--dump-replay DIR] [--report FILE.html|FILE.json [--reference DIR]]
//
// Writes DIR/<output-name>.npy for every output (and DIR/profile.json with --profile). On the
// sim, --profile also prints the cycles per layer and per op (runtime/include/vimq/runtime/
// Report.h); --report writes them with the engines' utilization over time and, with
// --reference DIR (REF/<output-name>.npy, e.g. ONNX Runtime's), the fidelity of the outputs,
// as JSON or as one self-contained HTML page (by the file's extension). With
// --repeat N the program runs N times after loading and the tool prints the mean seconds per
// run (loading, input reading and output writing excluded); outputs are the last run's.
// --dump-replay DIR writes the last run's replay directory for the HLS csim testbench
// (runtime/include/vimq/runtime/Replay.h, docs/hls-flow.md). All
// inputs are read and checked, and the run completes, before anything is written; each file is
// written atomically, so a failure never leaves a partial output behind.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/runtime/Replay.h"
#include "vimq/runtime/Report.h"
#include "vimq/runtime/Session.h"

#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"
#include "vimq/support/Npy.h"

#include "vimq/isa/Version.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <optional>

using namespace llvm;
using namespace vimq;

namespace {
cl::OptionCategory category("vimq-run options");
cl::opt<std::string> bundlePath(cl::Positional, cl::desc("<bundle.vimq>"), cl::Required,
                                cl::cat(category));
cl::list<std::string> inputArgs("input", cl::desc("an input tensor"),
                                cl::value_desc("NAME=FILE.npy"), cl::cat(category));
cl::opt<std::string> outputDir("output", cl::desc("directory for <output-name>.npy"),
                               cl::value_desc("DIR"), cl::Required, cl::cat(category));
cl::opt<std::string> deviceSpec("device", cl::desc("sim, xrt, xrt:N, xdma or xdma:N"),
                                cl::init("sim"), cl::cat(category));
cl::opt<std::string> xclbin("xclbin", cl::desc("overlay bitstream for the xrt device"),
                            cl::value_desc("FILE"), cl::cat(category));
cl::opt<std::string> xdmaDir("xdma-dir",
                             cl::desc("directory of the xdma<N>_* device nodes (xdma device)"),
                             cl::value_desc("DIR"), cl::init("/dev"), cl::cat(category));
cl::opt<bool> printProfile("profile", cl::desc("print the profile and write profile.json"),
                           cl::cat(category));
cl::opt<unsigned> repeat("repeat",
                         cl::desc("run N times after loading and print the mean seconds per run "
                                  "(outputs from the last run)"),
                         cl::value_desc("N"), cl::init(1), cl::cat(category));
cl::opt<std::string> replayDir("dump-replay",
                               cl::desc("write the run's replay directory (HLS csim testbench)"),
                               cl::value_desc("DIR"), cl::cat(category));

cl::opt<std::string> reportPath("report",
                               cl::desc("write a run report: FILE.html (one self-contained page) "
                                        "or FILE.json"),
                               cl::value_desc("FILE"), cl::cat(category));
cl::opt<std::string> referenceDir("reference",
                                  cl::desc("with --report: REF/<output>.npy to measure the "
                                           "outputs' fidelity against"),
                                  cl::value_desc("DIR"), cl::cat(category));

Expected<rt::TensorMap> readInputs() {
  rt::TensorMap inputs;
  for (StringRef arg : inputArgs) {
    auto [name, path] = arg.split('=');
    if (name.empty() || path.empty())
      return makeError("--input '{0}': expected NAME=FILE.npy", arg);
    Expected<Tensor> t = readNpy(path);
    if (!t)
      return t.takeError();
    if (!inputs.emplace(name.str(), std::move(*t)).second)
      return makeError("--input '{0}' given twice", name);
  }
  return inputs;
}

void printOpTable(StringRef title, const std::vector<rt::OpCycles> &rows, uint64_t cycles,
                  size_t limit) {
  outs() << title << "\n";
  outs() << formatv("  {0,-56} {1,8} {2,12} {3,7} {4,14}\n", "name", "insns", "span", "share",
                    "ddr-bytes");
  for (size_t i = 0; i < rows.size() && i < limit; ++i) {
    const rt::OpCycles &o = rows[i];
    std::string name = o.kind.empty() ? o.name : o.name + " (" + o.kind + ")";
    if (name.size() > 56)
      name = "..." + name.substr(name.size() - 53);
    outs() << formatv("  {0,-56} {1,8} {2,12} {3,6:f1}% {4,14}\n", name, o.instructions,
                      o.span(), cycles ? 100.0 * double(o.span()) / double(cycles) : 0.0,
                      o.ddrBytes);
  }
  if (rows.size() > limit)
    outs() << formatv("  ... {0} more in --report\n", rows.size() - limit);
}

void printProfileTable(const rt::Profile &p) {
  outs() << formatv("cycles {0}  clock {1} MHz  latency {2:f1} us\n", p.cycles, p.clockMhz,
                    p.latencyMicroseconds());
  outs() << formatv("{0,-8}{1,8}{2,14}{3,14}{4,14}{5,14}{6,14}{7,14}\n", "unit", "insns",
                    "busy", "stall-cmd", "stall-token", "stall-full", "stall-ddr", "ddr-bytes");
  for (const rt::UnitProfile &u : p.units)
    outs() << formatv("{0,-8}{1,8}{2,14}{3,14}{4,14}{5,14}{6,14}{7,14}\n", u.unit,
                      u.instructions, u.busyCycles, u.stallCmdCycles, u.stallTokenCycles,
                      u.stallFullCycles, u.stallDdrCycles, u.ddrBytes);
}

Error runTool() {
  // Options of one device given with another are a mistake, not something to ignore silently.
  const StringRef spec = deviceSpec;
  if (!xclbin.empty() && !spec.startswith("xrt"))
    return makeError("--xclbin applies to --device xrt only (the device is '{0}')", spec);
  if (xdmaDir.getNumOccurrences() && !spec.startswith("xdma"))
    return makeError("--xdma-dir applies to --device xdma only (the device is '{0}')", spec);
  // The output folder is checked before anything runs (a long run must not end in "cannot
  // write"): it is created with its missing parents at the end, so the nearest existing
  // ancestor must be a writable folder (and the path itself a folder if it exists).
  {
    SmallString<128> dir(outputDir);
    sys::fs::make_absolute(dir);
    StringRef probe = dir;
    if (sys::fs::exists(probe) && !sys::fs::is_directory(probe))
      return makeError("--output '{0}' is not a folder", outputDir);
    while (!sys::fs::exists(probe) && sys::path::has_parent_path(probe))
      probe = sys::path::parent_path(probe);
    if (!sys::fs::is_directory(probe))
      return makeError("--output '{0}': '{1}' is not a folder", outputDir, probe);
    if (sys::fs::access(probe, sys::fs::AccessMode::Write))
      return makeError("--output '{0}': folder '{1}' is not writable", outputDir, probe);
  }
  Expected<isa::Bundle> bundle = rt::openBundle(bundlePath);
  if (!bundle)
    return bundle.takeError();
  Expected<rt::TensorMap> inputs = readInputs();
  if (!inputs)
    return inputs.takeError();
  const StringRef reportExt = sys::path::extension(reportPath);
  if (!reportPath.empty() && reportExt != ".html" && reportExt != ".json")
    return makeError("--report '{0}': the file must end in .html or .json", reportPath);
  if (!referenceDir.empty() && reportPath.empty())
    return makeError("--reference applies with --report only");
  if (!referenceDir.empty() && !sys::fs::is_directory(referenceDir))
    return makeError("--reference '{0}' is not a folder", referenceDir);
  const bool byOp = (printProfile || !reportPath.empty()) && spec == "sim";
  rt::DeviceOptions deviceOptions;
  deviceOptions.traceInstructions = byOp;
  // A long run shows how far it is, on a terminal only (never into a pipe or a log).
  if (errs().is_displayed())
    deviceOptions.progress = [](uint64_t done, uint64_t total) {
      errs() << formatv("\rvimq-run: {0} of {1} instructions ({2}%)", done, total,
                        total ? 100 * done / total : 100);
      if (done >= total)
        errs() << "\r" << std::string(60, ' ') << "\r";
    };
  deviceOptions.xclbin = xclbin;
  deviceOptions.xdmaDir = xdmaDir;
  Expected<std::unique_ptr<rt::Device>> device = rt::Device::open(deviceSpec, deviceOptions);
  if (!device)
    return device.takeError();
  std::unique_ptr<rt::Device> recorder;
  if (!replayDir.empty())
    recorder = rt::createReplayRecorder(**device, replayDir);
  Expected<rt::Session> session =
      rt::Session::create(*bundle, recorder ? *recorder : **device);
  if (!session)
    return withContext(session.takeError(), bundlePath);
  if (repeat == 0)
    return makeError("--repeat must be at least 1");
  std::optional<rt::TensorMap> outputs;
  const auto t0 = std::chrono::steady_clock::now();
  for (unsigned r = 0; r < repeat; ++r) {
    Expected<rt::TensorMap> out = session->run(*inputs);
    if (!out)
      return withContext(out.takeError(), bundlePath);
    outputs = std::move(*out);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Values beyond an input's fixed-point range were saturated: the model was calibrated for
  // inputs at least 2x smaller (docs/numerics.md), so its results may be wrong. Any is worth
  // a warning.
  for (const auto &[name, count] : session->inputSaturations()) {
    for (const isa::IoDesc &io : bundle->inputs)
      if (io.name == name)
        errs() << formatv("vimq-run: warning: input '{0}': {1} of {2} values ({3:f3}%) are "
                          "outside its Q{4} format (|x| >= {5}) and were saturated; the model "
                          "was calibrated for smaller inputs\n",
                          name, count, io.numElements(),
                          100.0 * double(count) / double(io.numElements()), unsigned(io.frac),
                          std::ldexp(1.0, int(8 * isa::dtypeBytes(io.dtype)) - 1 - int(io.frac)));
  }
  if (deviceOptions.progress) // clear the progress line
    errs() << "\r" << std::string(60, ' ') << "\r";
  if (repeat.getNumOccurrences())
    outs() << formatv("runs {0}  mean {1:f4} s per run\n", unsigned(repeat), seconds / repeat);

  if (std::error_code ec = sys::fs::create_directories(outputDir))
    return makeError("{0}: cannot create directory: {1}", outputDir, ec.message());
  for (const auto &[name, t] : *outputs) {
    SmallString<128> path(outputDir);
    sys::path::append(path, name + ".npy");
    if (Error e = writeNpy(path, t))
      return e;
  }
  std::vector<rt::OpCycles> ops, layers;
  if (byOp) {
    // A bundle from vimq-as has no op table: the per-unit profile stands, with a note.
    Expected<std::vector<rt::OpCycles>> o = rt::cyclesByOp(*bundle, session->profile());
    if (o) {
      ops = std::move(*o);
      layers = rt::cyclesByLayer(ops);
    } else {
      errs() << "vimq-run: note: no cycles by op: " << toString(o.takeError()) << "\n";
    }
  }
  std::vector<rt::Fidelity> fidelity;
  if (!referenceDir.empty())
    for (const auto &[name, t] : *outputs) {
      SmallString<128> path(referenceDir);
      sys::path::append(path, name + ".npy");
      Expected<Tensor> ref = readNpy(path);
      if (!ref)
        return withContext(ref.takeError(), path);
      Expected<rt::Fidelity> f = rt::compareOutput(name, t, *ref);
      if (!f)
        return f.takeError();
      fidelity.push_back(*f);
    }
  if (!reportPath.empty()) {
    rt::ReportInput in;
    in.bundlePath = bundlePath;
    in.device = (*device)->description();
    in.bundle = &*bundle;
    in.profile = &session->profile();
    in.ops = ops;
    in.layers = layers;
    in.fidelity = fidelity;
    if (Error e = writeFileAtomically(reportPath, reportExt == ".html" ? rt::reportHtml(in)
                                                                       : rt::reportJson(in)))
      return e;
  }
  if (printProfile) {
    printProfileTable(session->profile());
    if (byOp) {
      printOpTable("by layer:", layers, session->profile().cycles, 64);
      std::vector<rt::OpCycles> top = ops;
      std::stable_sort(top.begin(), top.end(), [](const rt::OpCycles &a, const rt::OpCycles &b) {
        return a.span() > b.span();
      });
      printOpTable("ops with the longest spans:", top, session->profile().cycles, 12);
    }
    SmallString<128> path(outputDir);
    sys::path::append(path, "profile.json");
    if (Error e = writeFileAtomically(path, session->profile().toJson() + "\n"))
      return e;
  }
  return Error::success();
}
} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter(vimq::isa::printVersion);
  cl::ParseCommandLineOptions(argc, argv, "run a vimq bundle\n");
  if (Error e = runTool())
    return reportError("vimq-run", std::move(e));
  return 0;
}
