//===- PassManagerTest.cpp - pipeline, registry and instrumentation ---------------------------===//
//
// Toy passes defined here exercise every instrumentation path without depending on the
// frontend: one that changes the graph, one that changes nothing, one that fails, and one that
// leaves the IR invalid for --verify-each to catch.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/passes/PassManager.h"
#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace vimq;

namespace {

ir::TensorType f32(std::initializer_list<int64_t> s) { return {DType::F32, Shape(s)}; }

/// x: f32[2, 3] -> Neg -> out. Batch 2 and a non-square shape on purpose.
std::unique_ptr<ir::Graph> makeGraph() {
  auto g = std::make_unique<ir::Graph>();
  g->name = "toy";
  ir::Value *x = g->addInput("x", f32({2, 3}));
  ir::Op *neg = g->createOp("onnx.Neg", "neg0", {x}, {f32({2, 3})});
  g->addOutput(neg->result());
  return g;
}

/// Appends a Neg after the graph's first output (changes the graph).
class AppendNeg : public Pass {
public:
  llvm::StringRef name() const override { return "append-neg"; }
  llvm::StringRef description() const override { return "test: append a Neg"; }
  llvm::Expected<bool> run(ir::Graph &g) override {
    ir::Value *out = g.outputs()[0];
    ir::Op *neg = g.createOp("onnx.Neg", g.uniqueName("neg"), {out}, {out->type()});
    g.setOutput(0, neg->result());
    return true;
  }
};

class Noop : public Pass {
public:
  llvm::StringRef name() const override { return "noop"; }
  llvm::StringRef description() const override { return "test: do nothing"; }
  llvm::Expected<bool> run(ir::Graph &) override { return false; }
};

class Fail : public Pass {
public:
  llvm::StringRef name() const override { return "fail"; }
  llvm::StringRef description() const override { return "test: always fails"; }
  llvm::Expected<bool> run(ir::Graph &g) override {
    return makeError("{0}: unsupported", g.ops().front()->describe());
  }
};

/// Adds an op whose result has a negative dimension: a verifier error, not a pass error.
class BreakIR : public Pass {
public:
  llvm::StringRef name() const override { return "break-ir"; }
  llvm::StringRef description() const override { return "test: leave the IR invalid"; }
  llvm::Expected<bool> run(ir::Graph &g) override {
    ir::Op *bad = g.createOp("onnx.Neg", "bad", {g.inputs()[0]}, {f32({-1, 3})});
    g.addOutput(bad->result());
    return true;
  }
};

std::string errorText(llvm::Error e) {
  EXPECT_TRUE(bool(e)) << "expected an error";
  return llvm::toString(std::move(e));
}

void expectContains(const std::string &haystack, const std::string &needle) {
  EXPECT_NE(haystack.find(needle), std::string::npos)
      << "missing '" << needle << "' in:\n" << haystack;
}

/// A fresh temporary directory, removed with its files at scope exit.
class TempDir {
public:
  TempDir() {
    std::error_code ec = llvm::sys::fs::createUniqueDirectory("vimq-passes-test", path_);
    EXPECT_FALSE(ec) << ec.message();
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path_); }
  std::string path() const { return std::string(path_); }
  std::string file(llvm::StringRef name) const {
    llvm::SmallString<128> p(path_);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  std::vector<std::string> list() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path_, ec), end; it != end && !ec;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    std::sort(names.begin(), names.end());
    return names;
  }

private:
  llvm::SmallString<128> path_;
};

std::string readFile(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  EXPECT_TRUE(bool(buf)) << path;
  return buf ? (*buf)->getBuffer().str() : std::string();
}

} // namespace

TEST(PassManager, RunsPassesInOrder) {
  auto g = makeGraph();
  PassManager pm;
  pm.add(std::make_unique<AppendNeg>());
  pm.add(std::make_unique<AppendNeg>());
  ASSERT_FALSE(bool(pm.run(*g)));
  EXPECT_EQ(g->numOps(), 3u);
}

TEST(PassManager, PrintAfterAllAndBefore) {
  auto g = makeGraph();
  std::string text;
  llvm::raw_string_ostream os(text);
  Instrumentation instr;
  instr.printAfterAll = true;
  instr.printBefore = {"noop"};
  instr.printStream = &os;
  PassManager pm(instr);
  pm.add(std::make_unique<AppendNeg>());
  pm.add(std::make_unique<Noop>());
  ASSERT_FALSE(bool(pm.run(*g)));
  os.flush();

  size_t afterNeg = text.find("// *** IR Dump After append-neg ***\ngraph @toy(");
  size_t beforeNoop = text.find("// *** IR Dump Before noop ***\n");
  size_t afterNoop = text.find("// *** IR Dump After noop ***\n");
  ASSERT_NE(afterNeg, std::string::npos) << text;
  ASSERT_NE(beforeNoop, std::string::npos) << text;
  ASSERT_NE(afterNoop, std::string::npos) << text;
  EXPECT_LT(afterNeg, beforeNoop);
  EXPECT_LT(beforeNoop, afterNoop);
  EXPECT_EQ(text.find("IR Dump Before append-neg"), std::string::npos) << text;
  // The dump after append-neg already has the new op.
  expectContains(text.substr(afterNeg, beforeNoop - afterNeg), "= onnx.Neg(%neg0)");
}

TEST(PassManager, UnknownInstrumentationNameListsPipeline) {
  auto g = makeGraph();
  Instrumentation instr;
  instr.printAfter = {"lift-linaer"};
  PassManager pm(instr);
  pm.add(std::make_unique<AppendNeg>());
  pm.add(std::make_unique<Noop>());
  std::string msg = errorText(pm.run(*g));
  expectContains(msg, "--print-after: unknown pass 'lift-linaer'");
  expectContains(msg, "passes in this pipeline: append-neg, noop");
  // Nothing ran.
  EXPECT_EQ(g->numOps(), 1u);

  Instrumentation before;
  before.printBefore = {"nope"};
  PassManager pm2(before);
  expectContains(errorText(pm2.checkInstrumentationNames()),
                 "--print-before: unknown pass 'nope'; passes in this pipeline: (none)");
}

TEST(PassManager, DumpDirWritesNumberedFiles) {
  TempDir tmp;
  std::string dir = tmp.file("dumps/nested");
  auto g = makeGraph();
  std::string inputText = ir::toString(*g);
  Instrumentation instr;
  instr.dumpDir = dir;
  PassManager pm(instr);
  pm.add(std::make_unique<AppendNeg>());
  pm.add(std::make_unique<Noop>());
  pm.add(std::make_unique<AppendNeg>());
  ASSERT_FALSE(bool(pm.run(*g)));

  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    files.push_back(llvm::sys::path::filename(it->path()).str());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"00-input.ir", "01-append-neg.ir", "02-noop.ir",
                                             "03-append-neg.ir"}));
  EXPECT_EQ(readFile(dir + "/00-input.ir"), inputText);
  EXPECT_EQ(readFile(dir + "/03-append-neg.ir"), ir::toString(*g));
  // noop changed nothing: its dump equals the one before it.
  EXPECT_EQ(readFile(dir + "/01-append-neg.ir"), readFile(dir + "/02-noop.ir"));
}

TEST(PassManager, DumpDirRemovesStaleDumpsOnly) {
  TempDir tmp;
  ASSERT_FALSE(bool(writeFileAtomically(tmp.file("07-old-pass.ir"), "stale")));
  ASSERT_FALSE(bool(writeFileAtomically(tmp.file("notes.txt"), "keep me")));
  auto g = makeGraph();
  Instrumentation instr;
  instr.dumpDir = tmp.path();
  PassManager pm(instr);
  pm.add(std::make_unique<Noop>());
  ASSERT_FALSE(bool(pm.run(*g)));
  EXPECT_EQ(tmp.list(), (std::vector<std::string>{"00-input.ir", "01-noop.ir", "notes.txt"}));
}

TEST(PassManager, DumpDirNumberWidthGrowsWithPipeline) {
  TempDir tmp;
  auto g = makeGraph();
  Instrumentation instr;
  instr.dumpDir = tmp.path();
  PassManager pm(instr);
  for (int i = 0; i < 100; ++i)
    pm.add(std::make_unique<Noop>());
  ASSERT_FALSE(bool(pm.run(*g)));
  std::vector<std::string> files = tmp.list();
  ASSERT_EQ(files.size(), 101u);
  EXPECT_EQ(files.front(), "000-input.ir");
  EXPECT_EQ(files[1], "001-noop.ir");
  EXPECT_EQ(files.back(), "100-noop.ir");
}

TEST(PassManager, DumpDirThatIsAFileIsAnError) {
  TempDir tmp;
  std::string file = tmp.file("plain");
  ASSERT_FALSE(bool(writeFileAtomically(file, "x")));
  auto g = makeGraph();
  Instrumentation instr;
  instr.dumpDir = file;
  PassManager pm(instr);
  pm.add(std::make_unique<Noop>());
  expectContains(errorText(pm.run(*g)), "exists and is not a directory");
}

TEST(PassManager, PassErrorIsPrefixedWithPassName) {
  auto g = makeGraph();
  PassManager pm;
  pm.add(std::make_unique<Noop>());
  pm.add(std::make_unique<Fail>());
  EXPECT_EQ(errorText(pm.run(*g)), "fail: node 'neg0' (onnx.Neg): unsupported");
}

TEST(PassManager, VerifyEachNamesTheBreakingPass) {
  auto g = makeGraph();
  Instrumentation instr;
  instr.verifyEach = true;
  PassManager pm(instr);
  pm.add(std::make_unique<Noop>());
  pm.add(std::make_unique<BreakIR>());
  pm.add(std::make_unique<AppendNeg>());
  std::string msg = errorText(pm.run(*g));
  expectContains(msg, "IR verification failed after pass 'break-ir' (#2): node 'bad'");
  // The pipeline stopped at the broken pass.
  EXPECT_EQ(g->numOps(), 2u);
}

TEST(PassManager, FinalVerificationAlwaysRuns) {
  auto g = makeGraph();
  PassManager pm;
  pm.add(std::make_unique<BreakIR>());
  pm.add(std::make_unique<Noop>());
  std::string msg = errorText(pm.run(*g));
  expectContains(msg, "after the pipeline (rerun with --verify-each");
  expectContains(msg, "node 'bad'");
}

TEST(PassManager, InvalidInputIsRejectedBeforeAnyPass) {
  auto g = makeGraph();
  ir::Op *bad = g->createOp("onnx.Neg", "bad-input", {g->inputs()[0]}, {f32({-2})});
  g->addOutput(bad->result());
  std::string text;
  llvm::raw_string_ostream os(text);
  Instrumentation instr;
  instr.printBeforeAll = true;
  instr.printStream = &os;
  PassManager pm(instr);
  pm.add(std::make_unique<Noop>());
  expectContains(errorText(pm.run(*g)), "input graph fails verification: node 'bad-input'");
  EXPECT_TRUE(os.str().empty()) << os.str();
}

TEST(PassManager, TimePassesPrintsTableEvenOnFailure) {
  auto g = makeGraph();
  std::string text;
  llvm::raw_string_ostream os(text);
  Instrumentation instr;
  instr.timePasses = true;
  instr.timeStream = &os;
  PassManager pm(instr);
  pm.add(std::make_unique<AppendNeg>());
  pm.add(std::make_unique<AppendNeg>());
  pm.add(std::make_unique<Fail>());
  pm.add(std::make_unique<Noop>());
  expectContains(errorText(pm.run(*g)), "fail: ");
  os.flush();
  expectContains(text, "... Pass execution timing report ...");
  expectContains(text, "  append-neg\n");
  expectContains(text, "  append-neg #2\n");
  expectContains(text, "  fail\n");
  expectContains(text, "  (verifier)\n");
  expectContains(text, "(100.0%)  Total\n");
  // noop never ran.
  EXPECT_EQ(text.find("noop"), std::string::npos) << text;
}

TEST(PassManager, NoTimingTableUnlessAsked) {
  auto g = makeGraph();
  std::string text;
  llvm::raw_string_ostream os(text);
  Instrumentation instr;
  instr.timeStream = &os;
  PassManager pm(instr);
  pm.add(std::make_unique<Noop>());
  ASSERT_FALSE(bool(pm.run(*g)));
  EXPECT_TRUE(os.str().empty());
}

TEST(PassRegistry, RegisterLookupAndAddByName) {
  registerPassType<Noop>();
  registerPassType<AppendNeg>();
  registerGenericPasses();
  ASSERT_NE(lookupPass("noop"), nullptr);
  EXPECT_EQ(lookupPass("noop")->description, "test: do nothing");
  EXPECT_EQ(lookupPass("no-such-pass"), nullptr);

  std::vector<const PassInfo *> all = registeredPasses();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const PassInfo *a, const PassInfo *b) { return a->name < b->name; }));

  // Registering twice keeps one entry.
  registerPassType<Noop>();
  EXPECT_EQ(registeredPasses().size(), all.size());

  PassManager pm;
  ASSERT_FALSE(bool(pm.add("append-neg")));
  ASSERT_FALSE(bool(pm.add("dce")));
  std::string msg = errorText(pm.add("apend-neg"));
  expectContains(msg, "unknown pass 'apend-neg'; registered passes: ");
  expectContains(msg, "append-neg, dce");
  ASSERT_EQ(pm.passes().size(), 2u);

  auto g = makeGraph();
  ASSERT_FALSE(bool(pm.run(*g)));
  EXPECT_EQ(g->numOps(), 2u);
}

TEST(GenericPasses, DceRemovesDeadOpsAndReportsChange) {
  registerGenericPasses();
  auto g = makeGraph();
  g->createOp("onnx.Neg", "dead", {g->inputs()[0]}, {f32({2, 3})});
  std::unique_ptr<Pass> dce = lookupPass("dce")->create();
  llvm::Expected<bool> changed = dce->run(*g);
  ASSERT_TRUE(bool(changed));
  EXPECT_TRUE(*changed);
  EXPECT_EQ(g->numOps(), 1u);
  changed = dce->run(*g);
  ASSERT_TRUE(bool(changed));
  EXPECT_FALSE(*changed);
}
