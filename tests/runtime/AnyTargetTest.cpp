//===- AnyTargetTest.cpp - bundles of every target on one sim device (issue 10) ---------------===//
//
// The sim device has every board of hw/targets/ built in: a session runs on the simulator
// whose fingerprint its bundle carries. Bundles for zcu102 and vc709 (fingerprints computed
// from the JSON, as vimq-as and the compiler stamp them) run side by side on one device in
// one process, each with its own target's clock and on-chip sizes; a bundle whose fingerprint
// is no built-in target's is refused with the list of targets.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/Target.h"
#include "vimq/isa/ProgramAsm.h"
#include "vimq/runtime/Replay.h"
#include "vimq/runtime/Session.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace vimq;

namespace {

std::string errorText(llvm::Error e) { return llvm::toString(std::move(e)); }

/// Rows of x reversed through vec words [addr, addr + 24): a sequence flip.
std::string flipProgram(unsigned addr) {
  return ".buffer 1 input 96\n"
         ".buffer 2 output 96\n"
         ".input x buf=1 off=0 dtype=i32 shape=3x8\n"
         ".output y buf=2 off=0 dtype=i32 shape=3x8\n"
         "LOAD buf=vec, dtype=i32, addr=" +
         std::to_string(addr) +
         ", reverse=1, pitch=8, rows=3, cols=8, ddr_buf=1, ddr_stride=32 ; push=store\n"
         "STORE buf=vec, dtype=i32, addr=" +
         std::to_string(addr) +
         ", pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load\n"
         "FINISH\n";
}

/// The program as compiled for `target`: its name and its JSON's fingerprint in the header.
isa::Bundle bundleFor(const std::string &target, unsigned addr = 0) {
  llvm::Expected<isa::Bundle> b = isa::assembleProgram(flipProgram(addr), target + ".s");
  EXPECT_TRUE(bool(b)) << errorText(b.takeError());
  llvm::Expected<hw::Target> t = hw::Target::loadByName(target);
  EXPECT_TRUE(bool(t)) << errorText(t.takeError());
  if (!b || !t)
    return {};
  b->target = target;
  b->fingerprint = t->fingerprint(isa::kIsaVersion);
  return std::move(*b);
}

std::vector<int32_t> iota24() {
  std::vector<int32_t> x(24);
  for (int i = 0; i < 24; ++i)
    x[i] = 3 * i - 20;
  return x;
}

/// x with its 3 rows of 8 in reverse order.
std::vector<int64_t> flipped(const std::vector<int32_t> &x) {
  std::vector<int64_t> y(24);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 8; ++c)
      y[8 * r + c] = x[8 * (2 - r) + c];
  return y;
}

TEST(RuntimeAnyTarget, Zcu102AndVc709OnOneSimDevice) {
  llvm::Expected<std::unique_ptr<rt::Device>> dev = rt::Device::open("sim");
  ASSERT_TRUE(bool(dev)) << errorText(dev.takeError());
  const std::vector<int32_t> x = iota24();
  isa::Bundle zcu = bundleFor("zcu102"), vc = bundleFor("vc709");
  ASSERT_NE(zcu.fingerprint, vc.fingerprint);
  // Both sessions alive at once on the same device, run interleaved.
  llvm::Expected<rt::Session> sz = rt::Session::create(zcu, **dev);
  ASSERT_TRUE(bool(sz)) << errorText(sz.takeError());
  llvm::Expected<rt::Session> sv = rt::Session::create(vc, **dev);
  ASSERT_TRUE(bool(sv)) << errorText(sv.takeError());
  for (int round = 0; round < 2; ++round)
    for (auto [session, target, clockMhz] :
         {std::tuple<rt::Session *, const char *, uint32_t>{&*sz, "zcu102", 350},
          {&*sv, "vc709", 250}}) {
      llvm::Expected<rt::TensorMap> out =
          session->run({{"x", Tensor::fromVector<int32_t>({3, 8}, x)}});
      ASSERT_TRUE(bool(out)) << target << ": " << errorText(out.takeError());
      EXPECT_EQ(out->at("y").toInts(), flipped(x)) << target;
      EXPECT_EQ(session->profile().clockMhz, clockMhz) << target;
      EXPECT_GT(session->profile().cycles, 0u) << target;
    }
  // The same program, cycle for cycle: zcu102's DDR port moves 48 bytes a cycle, vc709's 119.
  EXPECT_NE(sz->profile().cycles, sv->profile().cycles);
}

// vec words from 100000 exist on vc709 (128 Ki words), not on zcu102 (64 Ki): the session
// really runs the bundle's target.
TEST(RuntimeAnyTarget, OnChipSizesAreTheBundlesTargets) {
  llvm::Expected<std::unique_ptr<rt::Device>> dev = rt::Device::open("sim");
  ASSERT_TRUE(bool(dev));
  const std::vector<int32_t> x = iota24();
  isa::Bundle vc = bundleFor("vc709", 100000);
  llvm::Expected<rt::Session> sv = rt::Session::create(vc, **dev);
  ASSERT_TRUE(bool(sv)) << errorText(sv.takeError());
  llvm::Expected<rt::TensorMap> out = sv->run({{"x", Tensor::fromVector<int32_t>({3, 8}, x)}});
  ASSERT_TRUE(bool(out)) << errorText(out.takeError());
  EXPECT_EQ(out->at("y").toInts(), flipped(x));

  isa::Bundle zcu = bundleFor("zcu102", 100000);
  llvm::Expected<rt::Session> sz = rt::Session::create(zcu, **dev);
  ASSERT_TRUE(bool(sz)) << errorText(sz.takeError());
  EXPECT_EQ(errorText(sz->run({{"x", Tensor::fromVector<int32_t>({3, 8}, x)}}).takeError()),
            "sim: instruction 0 (LOAD): operand outside its on-chip buffer");
}

// Every board of hw/targets/ runs on the sim, with its own fingerprint and clock.
TEST(RuntimeAnyTarget, EveryTargetJsonRuns) {
  llvm::Expected<std::unique_ptr<rt::Device>> dev = rt::Device::open("sim");
  ASSERT_TRUE(bool(dev));
  std::error_code ec;
  unsigned seen = 0;
  for (llvm::sys::fs::directory_iterator it(VIMQ_TEST_TARGETS_DIR, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) != ".json")
      continue;
    std::string name = llvm::sys::path::stem(it->path()).str();
    llvm::Expected<hw::Target> t = hw::Target::loadByName(name);
    ASSERT_TRUE(bool(t)) << errorText(t.takeError());
    isa::Bundle b = bundleFor(name);
    llvm::Expected<rt::Device &> picked = (*dev)->forBundle(b);
    ASSERT_TRUE(bool(picked)) << name << ": " << errorText(picked.takeError());
    EXPECT_EQ(picked->description(), "sim (" + name + ")");
    llvm::Expected<rt::Session> s = rt::Session::create(b, **dev);
    ASSERT_TRUE(bool(s)) << name << ": " << errorText(s.takeError());
    llvm::Expected<rt::TensorMap> out = s->run({{"x", Tensor(DType::I32, {3, 8})}});
    ASSERT_TRUE(bool(out)) << name << ": " << errorText(out.takeError());
    EXPECT_EQ(int64_t(s->profile().clockMhz), t->clockMhz()) << name;
    ++seen;
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_GE(seen, 2u);
}

TEST(RuntimeAnyTarget, UnknownFingerprintListsTheBuiltInTargets) {
  llvm::Expected<std::unique_ptr<rt::Device>> dev = rt::Device::open("sim");
  ASSERT_TRUE(bool(dev));
  isa::Bundle b = bundleFor("vc709");
  uint64_t vc709 = b.fingerprint, zcu102 = bundleFor("zcu102").fingerprint;
  b.fingerprint ^= 0x100;
  std::string err = errorText(rt::Session::create(b, **dev).takeError());
  EXPECT_EQ(err, llvm::formatv("fingerprint mismatch: the bundle was compiled for target 'vc709' "
                               "(0x{0:x-16}), which is none of the sim's built-in targets: "
                               "vc709 (0x{1:x-16}), zcu102 (0x{2:x-16})",
                               b.fingerprint, vc709, zcu102)
                     .str());
}

// A replay recorded through the sim names the target that ran (replay_tb checks it).
TEST(RuntimeAnyTarget, ReplayRecordsTheBundlesTarget) {
  llvm::Expected<std::unique_ptr<rt::Device>> dev = rt::Device::open("sim");
  ASSERT_TRUE(bool(dev));
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vimq-anytarget", dir));
  std::unique_ptr<rt::Device> recorder = rt::createReplayRecorder(**dev, std::string(dir));
  isa::Bundle vc = bundleFor("vc709");
  llvm::Expected<rt::Session> s = rt::Session::create(vc, *recorder);
  ASSERT_TRUE(bool(s)) << errorText(s.takeError());
  llvm::Expected<rt::TensorMap> out = s->run({{"x", Tensor(DType::I32, {3, 8})}});
  ASSERT_TRUE(bool(out)) << errorText(out.takeError());
  llvm::SmallString<128> meta(dir);
  llvm::sys::path::append(meta, "meta.txt");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text = llvm::MemoryBuffer::getFile(meta);
  ASSERT_TRUE(bool(text));
  std::string got = (*text)->getBuffer().str();
  EXPECT_NE(got.find("target sim (vc709)\n"), std::string::npos) << got;
  std::string fingerprint = llvm::formatv("fingerprint 0x{0:x-16}\n", vc.fingerprint).str();
  EXPECT_NE(got.find(fingerprint), std::string::npos) << got;
  llvm::sys::fs::remove_directories(dir);
}

} // namespace
