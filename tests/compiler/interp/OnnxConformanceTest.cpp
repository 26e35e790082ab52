//===- OnnxConformanceTest.cpp - the interpreter against libonnx-testdata's node tests ------===//
//
// Every node test whose ops the interpreter implements (canEvaluate) is imported with the
// project's importer, run on each test_data_set_*, and compared with the expected outputs. A
// table op -> cases run / passed is printed. Nothing is skipped silently: cases with ops the
// interpreter lacks, cases the importer rejects, and the explicit skip-list below are counted
// and listed in the output.
//
// Tolerances. Float32: |got - want| <= 1e-6 + 1e-5 * |want|. The expected outputs come from
// numpy in float32 (or float64 and rounded); the interpreter evaluates transcendentals in double
// and rounds once and accumulates long sums in double, so the two differ by a few float32 ulps
// (2^-23 ~ 1.2e-7 relative each); 1e-5 relative leaves ~80 ulps of room for numpy's own float32
// error (e.g. a float32 MatMul over a few hundred terms), and 1e-6 absolute covers results that
// cancel to ~0. Float16: the same rule at half precision, 1e-3 relative (2^-10 ~ 1e-3 per ulp,
// so ~1 ulp) and 1e-3 absolute. Integers and bools: exact.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/interp/Interpreter.h"
#include "vimq/onnx/Importer.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace vimq;

namespace {

const char *kNodeTestDir = "/usr/share/libonnx-testdata/data/node";

/// Cases whose ops are all implemented but which test something outside the interpreter's
/// scope. Each entry says why; keep this list short and specific.
const std::map<std::string, std::string> &skipList() {
  static const std::map<std::string, std::string> s = {
      // Dropout in training mode with a non-zero ratio draws random masks; the interpreter
      // implements inference (and ratio 0), and rejects this case with an error.
      {"test_training_dropout", "random (training-mode Dropout)"},
      {"test_training_dropout_default", "random (training-mode Dropout)"},
      {"test_training_dropout_default_mask", "random (training-mode Dropout)"},
      {"test_training_dropout_mask", "random (training-mode Dropout)"},
  };
  return s;
}

struct Count {
  unsigned run = 0, passed = 0;
};

::testing::AssertionResult compare(const Tensor &got, const Tensor &want) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape())
    return ::testing::AssertionFailure()
           << "got " << dtypeName(got.dtype()).str() << shapeStr(got.shape()) << ", want "
           << dtypeName(want.dtype()).str() << shapeStr(want.shape());
  bool half = want.dtype() == DType::F16;
  double rtol = half ? 1e-3 : 1e-5, atol = half ? 1e-3 : 1e-6;
  for (int64_t i = 0; i < want.numel(); ++i) {
    if (isFloat(want.dtype())) {
      double g = got.getDouble(i), w = want.getDouble(i);
      if (std::isnan(w) ? std::isnan(g)
                        : (g == w || std::fabs(g - w) <= atol + rtol * std::fabs(w)))
        continue;
      return ::testing::AssertionFailure() << "element " << i << ": got " << g << ", want " << w;
    }
    if (got.getInt(i) != want.getInt(i))
      return ::testing::AssertionFailure()
             << "element " << i << ": got " << got.getInt(i) << ", want " << want.getInt(i);
  }
  return ::testing::AssertionSuccess();
}

/// Runs one test directory; returns a failure message or "" on success.
std::string runCase(const ir::Graph &g, llvm::StringRef dir) {
  std::error_code ec;
  std::vector<std::string> sets;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    if (llvm::sys::path::filename(it->path()).startswith("test_data_set_"))
      sets.push_back(it->path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty())
    return "no test_data_set_*";
  for (const std::string &set : sets) {
    interp::NamedTensors inputs;
    for (size_t i = 0; i < g.inputs().size(); ++i) {
      std::string path = llvm::formatv("{0}/input_{1}.pb", set, i).str();
      auto t = readTensorProtoFile(path);
      if (!t)
        return "reading " + path + ": " + llvm::toString(t.takeError());
      inputs[g.inputs()[i]->name()] = std::move(*t);
    }
    auto out = interp::Interpreter(g).run(inputs);
    if (!out)
      return llvm::toString(out.takeError());
    for (size_t i = 0; i < g.outputs().size(); ++i) {
      std::string path = llvm::formatv("{0}/output_{1}.pb", set, i).str();
      auto want = readTensorProtoFile(path);
      if (!want)
        return "reading " + path + ": " + llvm::toString(want.takeError());
      auto res = compare((out->begin() + i)->second, *want);
      if (!res)
        return llvm::formatv("{0}, output {1}: {2}", llvm::sys::path::filename(set), i,
                             res.message())
            .str();
    }
  }
  return "";
}

} // namespace

TEST(OnnxConformance, NodeTests) {
  if (!llvm::sys::fs::is_directory(kNodeTestDir))
    GTEST_SKIP() << kNodeTestDir << " is missing (package libonnx-testdata)";
  std::vector<std::string> dirs;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(kNodeTestDir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::filename(it->path()).startswith("test_"))
      dirs.push_back(it->path());
  std::sort(dirs.begin(), dirs.end());
  ASSERT_FALSE(dirs.empty());

  std::map<std::string, Count> perOp;         // onnx op type -> cases
  std::map<std::string, unsigned> missingOps; // op the interpreter lacks -> cases
  std::vector<std::string> importFailures, skipped, failures;
  unsigned run = 0, passed = 0;
  for (const std::string &dir : dirs) {
    std::string name = llvm::sys::path::filename(dir).str();
    auto g = importOnnxFile(dir + "/model.onnx");
    if (!g) {
      importFailures.push_back(name + ": " + llvm::toString(g.takeError()));
      continue;
    }
    std::set<std::string> kinds, missing;
    for (const auto &op : (*g)->ops()) {
      kinds.insert(op->kind());
      if (!interp::canEvaluate(op->kind()))
        missing.insert(op->kind());
    }
    if (!missing.empty()) {
      for (const std::string &k : missing)
        ++missingOps[k];
      continue;
    }
    if (auto it = skipList().find(name); it != skipList().end()) {
      skipped.push_back(name + ": " + it->second);
      continue;
    }
    std::string err = runCase(**g, dir);
    ++run;
    passed += err.empty();
    for (const std::string &k : kinds) {
      Count &c = perOp[llvm::StringRef(k).split('.').second.str()];
      ++c.run;
      c.passed += err.empty();
    }
    if (!err.empty())
      failures.push_back(name + ": " + err);
  }

  llvm::raw_ostream &os = llvm::outs();
  os << llvm::formatv("{0,-24} {1,5} {2,7}\n", "op", "run", "passed");
  for (const auto &[op, c] : perOp)
    os << llvm::formatv("{0,-24} {1,5} {2,7}\n", op, c.run, c.passed);
  os << llvm::formatv("{0,-24} {1,5} {2,7}\n", "TOTAL (cases)", run, passed);
  os << llvm::formatv("not run: {0} cases need ops the interpreter lacks, {1} on the skip-list, "
                      "{2} rejected by the importer (of {3} node tests)\n",
                      dirs.size() - run - skipped.size() - importFailures.size(), skipped.size(),
                      importFailures.size(), dirs.size());
  for (const std::string &s : skipped)
    os << "  skipped " << s << "\n";
  for (const std::string &s : importFailures)
    os << "  import failed " << s << "\n";
  // Implemented onnx ops that no case exercised (the testdata may have none).
  std::string uncovered;
  for (const std::string &k : interp::supportedKinds())
    if (llvm::StringRef(k).startswith("onnx.") && !perOp.count(k.substr(5)))
      uncovered += " " + k.substr(5);
  os << "implemented ops with no passing-eligible case:"
     << (uncovered.empty() ? " none" : uncovered) << "\n";
  os.flush();

  for (const std::string &f : failures)
    ADD_FAILURE() << f;
  EXPECT_EQ(run, passed);
  EXPECT_GT(run, 100u) << "suspiciously few cases selected";
}
