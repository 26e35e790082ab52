//===- RuntimeTest.cpp - bundles through Session on the sim device --------------------===//

#include "vimq/hw/SimControl.h"
#include "vimq/isa/ProgramAsm.h"
#include "vimq/runtime/Session.h"

#include <gtest/gtest.h>

using namespace vimq;

namespace {

std::string errorText(llvm::Error e) { return llvm::toString(std::move(e)); }

std::unique_ptr<rt::Device> sim() {
  llvm::Expected<std::unique_ptr<rt::Device>> d = rt::Device::open("sim");
  EXPECT_TRUE(bool(d));
  return d ? std::move(*d) : nullptr;
}

/// Assembles `text` with the sim's fingerprint, as the compiler would for this target.
isa::Bundle assemble(const std::string &text, const rt::Device &device) {
  llvm::Expected<isa::Bundle> b = isa::assembleProgram(text, "test.s");
  EXPECT_TRUE(bool(b)) << llvm::toString(b.takeError());
  if (!b)
    return {};
  b->fingerprint = device.fingerprint();
  return std::move(*b);
}

// Rows of x go through the on-chip vec buffer in reverse order (a sequence flip), with
// fixed-point conversion on the way in (frac 8) and raw int32 on the way out.
const char *kFlipProgram = R"(
.buffer 1 input 96
.buffer 2 output 96
.input x buf=1 off=0 dtype=i32 shape=3x8 host=fixed frac=8
.output y buf=2 off=0 dtype=i32 shape=3x8
LOAD buf=vec, dtype=i32, reverse=1, pitch=8, rows=3, cols=8, ddr_buf=1, ddr_stride=32 ; push=store
STORE buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load
FINISH
)";

TEST(Runtime, FlipThroughSim) {
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = assemble(kFlipProgram, *dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s)) << llvm::toString(s.takeError());

  std::vector<float> x(24);
  for (int i = 0; i < 24; ++i)
    x[i] = 0.5f * i - 3.0f + 1.0f / 512; // 1/512 = half an LSB at frac 8: ties to even
  llvm::Expected<rt::TensorMap> out = s->run({{"x", Tensor::fromVector<float>({3, 8}, x)}});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  const Tensor &y = out->at("y");
  ASSERT_EQ(y.dtype(), DType::I32);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 8; ++c) {
      // x*256 = 128*i - 768 + 0.5, and 128*i - 768 is even, so RNE rounds the tie down.
      int i = (2 - r) * 8 + c;
      EXPECT_EQ(y.values<int32_t>()[r * 8 + c], 128 * i - 768) << r << "," << c;
    }
  EXPECT_GT(s->profile().cycles, 0u);
  EXPECT_NE(s->profile().toJson().find("\"units\""), std::string::npos);
}

TEST(Runtime, ProgressAndInstructionTimingsOfASimRun) {
  // Progress reports grow to the program's length; the trace has every executed instruction
  // (FINISH too: it travels in LOAD's queue) with start <= end inside the run.
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  rt::DeviceOptions opts;
  opts.traceInstructions = true;
  opts.progress = [&](uint64_t done, uint64_t total) { seen.push_back({done, total}); };
  llvm::Expected<std::unique_ptr<rt::Device>> dev = rt::Device::open("sim", opts);
  ASSERT_TRUE(bool(dev)) << llvm::toString(dev.takeError());
  isa::Bundle b = assemble(kFlipProgram, **dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, **dev);
  ASSERT_TRUE(bool(s)) << llvm::toString(s.takeError());
  ASSERT_TRUE(bool(s->run({{"x", Tensor::fromVector<float>({3, 8}, std::vector<float>(24))}})));
  ASSERT_FALSE(seen.empty());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].second, 3u);
    EXPECT_LE(seen[i].first, 3u);
    if (i) {
      EXPECT_GT(seen[i].first, seen[i - 1].first);
    }
  }
  const rt::Profile &p = s->profile();
  ASSERT_EQ(p.instructions.size(), 3u); // LOAD, STORE, FINISH
  for (const rt::InstrTiming &t : p.instructions) {
    EXPECT_LE(t.start, t.end);
    EXPECT_LE(t.end, p.cycles);
  }
  EXPECT_EQ(p.instructions[0].index, 0u);
  EXPECT_EQ(p.units[p.instructions[0].unit].unit, "load");
  EXPECT_EQ(p.units[p.instructions[1].unit].unit, "store");
}

TEST(Runtime, FingerprintMismatch) {
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = assemble(kFlipProgram, *dev);
  b.fingerprint ^= 1;
  b.target = "vc709";
  std::string err = errorText(rt::Session::create(b, *dev).takeError());
  EXPECT_NE(err.find("fingerprint mismatch: the bundle was compiled for target 'vc709'"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("none of the sim's built-in targets: vc709 (0x"), std::string::npos) << err;
}

TEST(Runtime, DmaOutsideBufferIsRejectedBeforeRunning) {
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = assemble(kFlipProgram, *dev);
  // An in-memory bundle that never went through the reader: the session re-checks.
  isa::setBits(b.code[1], isa::fld::STORE_ddr_off, 64);
  EXPECT_EQ(errorText(rt::Session::create(b, *dev).takeError()),
            "instruction 1 (STORE): DDR bytes [64, 160) lie outside buffer 2 (96 bytes)");
}

// Issue 13: a session reuses its DDR image instead of copying it for every run, so every run
// must still start from zeroed scratch and output buffers. y is the scratch buffer as the run
// found it (then x is stored there): zeros on every run, never the previous run's x.
TEST(Runtime, EveryRunStartsFromZeroedScratch) {
  const char *program = R"(
.buffer 1 input 96
.buffer 2 output 192
.buffer 3 scratch 96
.input x buf=1 off=0 dtype=i32 shape=3x8
.output y buf=2 off=0 dtype=i32 shape=3x8
.output tail buf=2 off=96 dtype=i32 shape=3x8
LOAD buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=3, ddr_stride=32 ; push=store
STORE buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load push=load
LOAD buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=1, ddr_stride=32 ; pop=store push=store
STORE buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=3, ddr_stride=32 ; pop=load
FINISH
)";
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = assemble(program, *dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s)) << errorText(s.takeError());
  std::vector<int32_t> x(24, 7);
  for (int run = 0; run < 2; ++run) {
    llvm::Expected<rt::TensorMap> out = s->run({{"x", Tensor::fromVector<int32_t>({3, 8}, x)}});
    ASSERT_TRUE(bool(out)) << errorText(out.takeError());
    EXPECT_EQ(out->at("y").toInts(), std::vector<int64_t>(24, 0)) << "run " << run;
    EXPECT_EQ(out->at("tail").toInts(), std::vector<int64_t>(24, 0)) << "run " << run;
  }
}

// Found by fuzzing (issue 13): the LOAD loop as synthesised formed `base + i * stride` for its
// padding rows too, where i = row - pad_rows wraps: pointer overflow (UBSan, the asan label).
// Here with the fast paths off, so that the sim runs that loop.
TEST(Runtime, PaddedLoadOnTheSynthesisedLoop) {
  const char *program = R"(
.buffer 1 input 64
.buffer 2 output 96
.input x buf=1 off=0 dtype=i32 shape=2x8
.output y buf=2 off=0 dtype=i32 shape=3x8
LOAD buf=vec, dtype=i32, pitch=8, rows=2, cols=8, pad_rows=1, ddr_buf=1, ddr_stride=32 ; push=store
STORE buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load
FINISH
)";
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = assemble(program, *dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s)) << errorText(s.takeError());
  std::vector<int32_t> x(16);
  for (int i = 0; i < 16; ++i)
    x[i] = i + 1;
  hw::setSimFastPaths(false);
  llvm::Expected<rt::TensorMap> out = s->run({{"x", Tensor::fromVector<int32_t>({2, 8}, x)}});
  hw::setSimFastPaths(true);
  ASSERT_TRUE(bool(out)) << errorText(out.takeError());
  std::vector<int64_t> want(8, 0);
  want.insert(want.end(), x.begin(), x.end());
  EXPECT_EQ(out->at("y").toInts(), want);
}

// Issue 13: a session lays out every buffer in host memory, so an in-memory bundle with
// gigabytes of zero-filled buffers is refused before anything is allocated.
TEST(Runtime, HugeBuffersAreRejectedBeforeAllocating) {
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = assemble(kFlipProgram, *dev);
  isa::BufferDesc huge;
  huge.id = 7;
  huge.size = isa::kMaxTotalBufferBytes - 1024;
  b.buffers.push_back(huge);
  EXPECT_EQ(errorText(rt::Session::create(b, *dev).takeError()),
            "buffer 7: the buffers hold more than 1073741824 bytes beyond their initial data "
            "(input, output, scratch and zero tails of weights)");
}

TEST(Runtime, InputErrors) {
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = assemble(kFlipProgram, *dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s));
  // Both errors list what the bundle expects: names, host types and shapes.
  EXPECT_EQ(errorText(s->run({}).takeError()),
            "input 'x' is missing; the bundle's inputs are x (f32 [3, 8])");
  EXPECT_EQ(errorText(s->run({{"z", Tensor(DType::F32, {3, 8})}}).takeError()),
            "'z' is not an input of this bundle; its inputs are x (f32 [3, 8])");
  EXPECT_EQ(errorText(s->run({{"x", Tensor(DType::F32, {8, 3})}}).takeError()),
            "input 'x': expected f32 [3, 8], got f32 [8, 3]");
  std::vector<float> nan(24, 0.0f);
  nan[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(errorText(s->run({{"x", Tensor::fromVector<float>({3, 8}, nan)}}).takeError()),
            "input 'x': element 5 is not finite");
}

// Token ids (host format `index`, limit 10) select rows of an i16 table of 10 x 4 with a
// gathering LOAD; the table's row r holds r*100 - 500 + c (negative values: sign extension).
const char *kEmbeddingProgram = R"(
.buffer 0 weights 80
.buffer 1 input 64
.buffer 2 output 96
.input ids buf=1 off=0 dtype=i32 shape=2x3 host=index limit=10
.output y buf=2 off=0 dtype=i32 shape=2x3x4
LOAD buf=vec, dtype=i32, addr=500, pitch=6, rows=1, cols=6, ddr_buf=1, ddr_stride=24
LOAD buf=vec, dtype=i16, gather=1, pitch=4, rows=6, cols=4, ddr_buf=0, ddr_stride=8, idx_addr=500, limit=10 ; push=store
STORE buf=vec, dtype=i32, pitch=4, rows=6, cols=4, ddr_buf=2, ddr_stride=16 ; pop=load
FINISH
)";

isa::Bundle embeddingBundle(const rt::Device &dev) {
  isa::Bundle b = assemble(kEmbeddingProgram, dev);
  std::vector<uint8_t> &table = b.buffers[0].init;
  table.resize(80);
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 4; ++c) {
      const uint16_t v = uint16_t(int16_t(r * 100 - 500 + c));
      table[size_t((r * 4 + c) * 2)] = uint8_t(v);
      table[size_t((r * 4 + c) * 2 + 1)] = uint8_t(v >> 8);
    }
  return b;
}

TEST(Runtime, TokenIdsAsInt64OrInt32) {
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = embeddingBundle(*dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s)) << llvm::toString(s.takeError());
  const std::vector<int64_t> ids = {9, 0, 3, 3, 7, 1};
  std::vector<int32_t> want;
  for (int64_t id : ids)
    for (int c = 0; c < 4; ++c)
      want.push_back(int32_t(id * 100 - 500 + c));
  llvm::Expected<rt::TensorMap> o64 = s->run({{"ids", Tensor::fromVector<int64_t>({2, 3}, ids)}});
  ASSERT_TRUE(bool(o64)) << llvm::toString(o64.takeError());
  EXPECT_EQ(o64->at("y").values<int32_t>(), llvm::ArrayRef<int32_t>(want));
  const std::vector<int32_t> ids32(ids.begin(), ids.end());
  llvm::Expected<rt::TensorMap> o32 =
      s->run({{"ids", Tensor::fromVector<int32_t>({2, 3}, ids32)}});
  ASSERT_TRUE(bool(o32)) << llvm::toString(o32.takeError());
  EXPECT_EQ(o32->at("y").values<int32_t>(), llvm::ArrayRef<int32_t>(want));
}

TEST(Runtime, TokenIdErrorsNameInputAndPosition) {
  std::unique_ptr<rt::Device> dev = sim();
  isa::Bundle b = embeddingBundle(*dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s));
  auto run = [&](std::vector<int64_t> ids) {
    llvm::Expected<rt::TensorMap> out =
        s->run({{"ids", Tensor::fromVector<int64_t>({2, 3}, ids)}});
    return out ? std::string("ok") : errorText(out.takeError());
  };
  EXPECT_EQ(run({0, 1, 2, 3, 4, 10}), "input 'ids': id 10 at position [1, 2] is outside [0, 10)");
  EXPECT_EQ(run({0, -1, 2, 3, 4, 5}), "input 'ids': id -1 at position [0, 1] is outside [0, 10)");
  // Not truncated to int32 first: 2^32 + 1 is not id 1.
  EXPECT_EQ(run({4294967297, 1, 2, 3, 4, 5}),
            "input 'ids': id 4294967297 at position [0, 0] is outside [0, 10)");
  EXPECT_EQ(run({0, 1, 2, 3, 4, 9}), "ok");
  // The listing of expected inputs names both host types and the limit.
  EXPECT_EQ(errorText(s->run({}).takeError()),
            "input 'ids' is missing; the bundle's inputs are ids (i64|i32 [2, 3], ids < 10)");
  EXPECT_EQ(errorText(s->run({{"ids", Tensor(DType::F32, {2, 3})}}).takeError()),
            "input 'ids': expected i64|i32 [2, 3], got f32 [2, 3]");
}

TEST(Runtime, OverlayRefusesAnIdOutsideTheTable) {
  // A raw i32 input lets an invalid id reach the overlay: the gathering LOAD stops it.
  std::unique_ptr<rt::Device> dev = sim();
  std::string prog = kEmbeddingProgram;
  prog.replace(prog.find("host=index limit=10"), 19, "host=raw");
  isa::Bundle b = embeddingBundle(*dev);
  isa::Bundle raw = assemble(prog, *dev);
  raw.buffers[0].init = b.buffers[0].init;
  llvm::Expected<rt::Session> s = rt::Session::create(raw, *dev);
  ASSERT_TRUE(bool(s));
  llvm::Expected<rt::TensorMap> out =
      s->run({{"ids", Tensor::fromVector<int32_t>({2, 3}, {0, 1, 2, 3, 10, 5})}});
  ASSERT_FALSE(bool(out));
  EXPECT_EQ(errorText(out.takeError()),
            "sim: instruction 1 (LOAD): gather row index outside [0, limit)");
}

TEST(Runtime, TokenDeadlockIsReported) {
  std::unique_ptr<rt::Device> dev = sim();
  // STORE waits for a token LOAD never pushes, and LOAD waits for one STORE never pushes.
  std::string prog = kFlipProgram;
  prog.replace(prog.find("; push=store"), 12, "; pop=store");
  isa::Bundle b = assemble(prog, *dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s));
  std::string err = errorText(s->run({{"x", Tensor(DType::F32, {3, 8})}}).takeError());
  EXPECT_NE(err.find("deadlock"), std::string::npos) << err;
  EXPECT_NE(err.find("load"), std::string::npos) << err;
}

TEST(Runtime, TokenLeftOverIsReported) {
  std::unique_ptr<rt::Device> dev = sim();
  std::string prog = kFlipProgram;
  prog.replace(prog.find("; pop=load"), 10, "");
  isa::Bundle b = assemble(prog, *dev);
  llvm::Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s));
  std::string err = errorText(s->run({{"x", Tensor(DType::F32, {3, 8})}}).takeError());
  EXPECT_NE(err.find("left over"), std::string::npos) << err;
}

TEST(Device, OpenErrors) {
  EXPECT_EQ(errorText(rt::Device::open("fpga").takeError()),
            "unknown device 'fpga' (expected sim, xrt, xrt:N, xdma or xdma:N)");
  EXPECT_EQ(errorText(rt::Device::open("xrt:x").takeError()),
            "device 'xrt:x': expected xrt or xrt:N");
  EXPECT_EQ(errorText(rt::Device::open("xdma:").takeError()),
            "device 'xdma:': expected xdma or xdma:N");
}

// No board is attached on build machines: opening the xrt device must be a clear error, not
// a crash or an exception escaping XRT.
TEST(Device, XrtWithoutBoardIsAnError) {
  llvm::Expected<std::unique_ptr<rt::Device>> d = rt::Device::open("xrt:0");
  ASSERT_FALSE(bool(d));
  std::string err = llvm::toString(d.takeError());
  EXPECT_TRUE(err.find("--xclbin") != std::string::npos ||
              err.find("no xrt device") != std::string::npos)
      << err;
  rt::DeviceOptions opts;
  opts.xclbin = "/nonexistent/overlay.xclbin";
  d = rt::Device::open("xrt:0", opts);
  ASSERT_FALSE(bool(d));
  err = llvm::toString(d.takeError());
  EXPECT_EQ(err.rfind(rt::haveXrtDevice() ? "xrt:0: cannot" : "this build has no xrt", 0), 0u)
      << err;
}

} // namespace

#include "vimq/hw/Overlay.h"
#include "vimq/hw/Target.h"

namespace {

// What vimq-as and the compiler stamp into a bundle (the fingerprint computed from
// hw/targets/<name>.json) is what the sim device reports for its default target; another
// target's bundle runs on that target's simulator (tests/runtime/AnyTargetTest.cpp).
TEST(Runtime, TargetFingerprintsFromJson) {
  std::unique_ptr<rt::Device> dev = sim();
  std::string simName = hw::simTargetName();
  EXPECT_EQ(dev->description(), "sim (" + simName + ")");
  std::string otherName = simName == "vc709" ? "zcu102" : "vc709";
  llvm::Expected<hw::Target> own = hw::Target::loadByName(simName);
  llvm::Expected<hw::Target> other = hw::Target::loadByName(otherName);
  ASSERT_TRUE(own && other);
  EXPECT_EQ(own->fingerprint(isa::kIsaVersion), dev->fingerprint());
  isa::Bundle b = assemble(kFlipProgram, *dev);
  b.fingerprint = other->fingerprint(isa::kIsaVersion);
  b.target = otherName;
  llvm::Expected<rt::Device &> picked = dev->forBundle(b);
  ASSERT_TRUE(bool(picked)) << errorText(picked.takeError());
  EXPECT_EQ(picked->description(), "sim (" + otherName + ")");
  EXPECT_EQ(picked->fingerprint(), b.fingerprint);
  EXPECT_TRUE(bool(rt::Session::create(b, *dev)));
  b.fingerprint = other->fingerprint(isa::kIsaVersion + 1);
  EXPECT_NE(errorText(rt::Session::create(b, *dev).takeError()).find("fingerprint mismatch"),
            std::string::npos);
}

} // namespace
