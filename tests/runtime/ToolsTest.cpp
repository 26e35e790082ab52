//===- ToolsTest.cpp - vimq-as, vimq-objdump, vimq-run as a user runs them -------------===//

#include "vimq/support/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace vimq;

namespace {

class Tools : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vimq-tools", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string path(llvm::StringRef name) const {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  void write(llvm::StringRef name, llvm::StringRef text) const {
    std::ofstream(path(name)) << text.str();
  }
  /// Runs a shell command with stdout+stderr captured in `log`; returns the exit status.
  int run(const std::string &cmd) {
    int status = std::system((cmd + " > " + path("log") + " 2>&1").c_str());
    std::ifstream in(path("log"));
    std::stringstream ss;
    ss << in.rdbuf();
    log = ss.str();
    return status;
  }
  bool exists(llvm::StringRef name) const { return llvm::sys::fs::exists(path(name)); }
  std::string read(llvm::StringRef name) const {
    std::ifstream in(path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  llvm::SmallString<128> dir;
  std::string log;
};

const char *kProgram = R"(.target zcu102
.buffer 1 input 64
.buffer 2 output 64
.input x buf=1 off=0 dtype=i32 shape=2x8
.output y buf=2 off=0 dtype=i32 shape=2x8
LOAD buf=vec, dtype=i32, reverse=1, pitch=8, rows=2, cols=8, ddr_buf=1, ddr_stride=32 ; push=store
STORE buf=vec, dtype=i32, pitch=8, rows=2, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load
FINISH
)";

TEST_F(Tools, AssembleDumpRun) {
  write("p.s", kProgram);
  ASSERT_EQ(run(std::string(VIMQ_AS) + " " + path("p.s") + " -o " + path("p.vimq")), 0) << log;
  ASSERT_EQ(run(std::string(VIMQ_OBJDUMP) + " " + path("p.vimq")), 0) << log;
  EXPECT_NE(log.find("#   target       zcu102"), std::string::npos) << log;
  EXPECT_NE(log.find("\nLOAD buf=vec, dtype=i32, reverse=1, gather=0, addr=0, pitch=8"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("  # 0\n"), std::string::npos) << log;
  EXPECT_NE(log.find("; push=store"), std::string::npos);
  // The dump is assembler text: it reassembles to the same bundle, byte for byte.
  ASSERT_EQ(run(std::string(VIMQ_OBJDUMP) + " " + path("p.vimq") + " | " + VIMQ_AS + " - -o " +
                path("p2.vimq")),
            0)
      << log;
  EXPECT_EQ(read("p.vimq"), read("p2.vimq"));

  std::vector<int32_t> x(16);
  for (int i = 0; i < 16; ++i)
    x[i] = i;
  ASSERT_FALSE(bool(writeNpy(path("x.npy"), Tensor::fromVector<int32_t>({2, 8}, x))));
  ASSERT_EQ(run(std::string(VIMQ_RUN) + " " + path("p.vimq") + " --input x=" + path("x.npy") +
                " --output " + path("out") + " --profile"),
            0)
      << log;
  EXPECT_NE(log.find("cycles"), std::string::npos);
  llvm::Expected<Tensor> y = readNpy(path("out/y.npy"));
  ASSERT_TRUE(bool(y)) << llvm::toString(y.takeError());
  EXPECT_EQ(y->values<int32_t>()[0], 8); // rows swapped
  EXPECT_EQ(y->values<int32_t>()[8], 0);
  EXPECT_TRUE(exists("out/profile.json"));
}

TEST_F(Tools, FailuresWriteNothing) {
  write("bad.s", "LOAD rows=1\nFINISH\n");
  EXPECT_NE(run(std::string(VIMQ_AS) + " " + path("bad.s") + " -o " + path("bad.vimq")), 0);
  EXPECT_NE(log.find("vimq-as: error: "), std::string::npos) << log;
  EXPECT_FALSE(exists("bad.vimq"));

  write("p.s", kProgram);
  ASSERT_EQ(run(std::string(VIMQ_AS) + " " + path("p.s") + " -o " + path("p.vimq")), 0) << log;
  EXPECT_NE(run(std::string(VIMQ_RUN) + " " + path("p.vimq") + " --output " + path("out")), 0);
  EXPECT_NE(log.find("vimq-run: error: " + path("p.vimq") + ": input 'x' is missing"),
            std::string::npos)
      << log;
  EXPECT_FALSE(exists("out"));

  EXPECT_NE(run(std::string(VIMQ_RUN) + " " + path("p.s") + " --output " + path("out")), 0);
  EXPECT_NE(log.find("bad magic"), std::string::npos) << log;
}

// Token ids (int64 or int32 .npy) through a gathering LOAD of an i16 table given by `.init`.
TEST_F(Tools, TokenIdsFromInt64AndInt32Npy) {
  std::vector<int16_t> table(5 * 3);
  for (int i = 0; i < 15; ++i)
    table[size_t(i)] = int16_t(-1000 * i);
  ASSERT_FALSE(bool(writeNpy(path("table.npy"), Tensor::fromVector<int16_t>({5, 3}, table))));
  write("e.s", R"(.target zcu102
.buffer 0 weights 30
.init 0 0 table.npy
.buffer 1 input 16
.buffer 2 output 48
.input ids buf=1 off=0 dtype=i32 shape=1x4 host=index limit=5
.output y buf=2 off=0 dtype=i32 shape=1x4x3
LOAD buf=vec, dtype=i32, addr=100, pitch=4, rows=1, cols=4, ddr_buf=1, ddr_stride=16
LOAD buf=vec, dtype=i16, gather=1, pitch=3, rows=4, cols=3, ddr_buf=0, ddr_stride=6, idx_addr=100, limit=5 ; push=store
STORE buf=vec, dtype=i32, pitch=3, rows=4, cols=3, ddr_buf=2, ddr_stride=12 ; pop=load
FINISH
)");
  ASSERT_EQ(run(std::string(VIMQ_AS) + " " + path("e.s") + " -o " + path("e.vimq")), 0) << log;
  ASSERT_EQ(run(std::string(VIMQ_OBJDUMP) + " " + path("e.vimq")), 0) << log;
  EXPECT_NE(log.find("host i64|i32 ids in [0, 5)"), std::string::npos) << log;
  EXPECT_NE(log.find("gather=1"), std::string::npos) << log;

  const std::vector<int64_t> ids = {4, 0, 2, 4};
  ASSERT_FALSE(bool(writeNpy(path("i64.npy"), Tensor::fromVector<int64_t>({1, 4}, ids))));
  ASSERT_FALSE(bool(writeNpy(path("i32.npy"),
                             Tensor::fromVector<int32_t>({1, 4}, {4, 0, 2, 4}))));
  std::vector<int32_t> want;
  for (int64_t id : ids)
    for (int c = 0; c < 3; ++c)
      want.push_back(table[size_t(id * 3 + c)]);
  for (const char *npy : {"i64", "i32"}) {
    const std::string out = std::string("out-") + npy;
    ASSERT_EQ(run(std::string(VIMQ_RUN) + " " + path("e.vimq") + " --input ids=" +
                  path(std::string(npy) + ".npy") + " --output " + path(out)),
              0)
        << log;
    llvm::Expected<Tensor> y = readNpy(path(out + "/y.npy"));
    ASSERT_TRUE(bool(y)) << llvm::toString(y.takeError());
    EXPECT_EQ(y->values<int32_t>(), llvm::ArrayRef<int32_t>(want)) << npy;
  }

  ASSERT_FALSE(bool(writeNpy(path("bad.npy"), Tensor::fromVector<int64_t>({1, 4}, {0, 1, 5, 2}))));
  EXPECT_NE(run(std::string(VIMQ_RUN) + " " + path("e.vimq") + " --input ids=" +
                path("bad.npy") + " --output " + path("bad")),
            0);
  EXPECT_NE(log.find("vimq-run: error: " + path("e.vimq") +
                     ": input 'ids': id 5 at position [0, 2] is outside [0, 5)"),
            std::string::npos)
      << log;
  EXPECT_FALSE(exists("bad"));
  // The expected inputs are listed when one is missing.
  EXPECT_NE(run(std::string(VIMQ_RUN) + " " + path("e.vimq") + " --output " + path("none")), 0);
  EXPECT_NE(log.find("the bundle's inputs are ids (i64|i32 [1, 4], ids < 5)"), std::string::npos)
      << log;
}

TEST_F(Tools, RepeatRunsAndReportsTheMean) {
  write("p.s", kProgram);
  ASSERT_EQ(run(std::string(VIMQ_AS) + " " + path("p.s") + " -o " + path("p.vimq")), 0) << log;
  std::vector<int32_t> x(16);
  for (int i = 0; i < 16; ++i)
    x[i] = 3 * i - 7;
  ASSERT_FALSE(bool(writeNpy(path("x.npy"), Tensor::fromVector<int32_t>({2, 8}, x))));
  const std::string base = std::string(VIMQ_RUN) + " " + path("p.vimq") + " --input x=" +
                           path("x.npy") + " --output ";
  ASSERT_EQ(run(base + path("once")), 0) << log;
  EXPECT_EQ(log.find("mean"), std::string::npos) << "no timing line without --repeat";
  ASSERT_EQ(run(base + path("three") + " --repeat 3"), 0) << log;
  EXPECT_NE(log.find("runs 3  mean "), std::string::npos) << log;
  EXPECT_NE(log.find(" s per run"), std::string::npos) << log;
  llvm::Expected<Tensor> once = readNpy(path("once/y.npy"));
  llvm::Expected<Tensor> three = readNpy(path("three/y.npy"));
  ASSERT_TRUE(bool(once)) << llvm::toString(once.takeError());
  ASSERT_TRUE(bool(three)) << llvm::toString(three.takeError());
  EXPECT_EQ(once->values<int32_t>(), three->values<int32_t>());

  EXPECT_NE(run(base + path("zero") + " --repeat 0"), 0);
  EXPECT_NE(log.find("--repeat must be at least 1"), std::string::npos) << log;
  EXPECT_FALSE(exists("zero"));
}

} // namespace
