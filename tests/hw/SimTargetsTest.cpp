//===- SimTargetsTest.cpp - every target of hw/targets/ in one binary (vimq_hw_sim_targets) ---===//
//
// The sim libraries of all targets link together (their target-dependent symbols live in one
// inline namespace per target); the registry lists each with its JSON fingerprint and clock,
// and each entry runs its own target: a program touching vec words that only the larger target
// has runs there and is refused by the other, in the same process.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/SimTargets.h"
#include "vimq/hw/Target.h"
#include "vimq/isa/ProgramAsm.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

using namespace vimq;
using namespace vimq::hw;

namespace {

std::vector<std::string> targetJsonNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(VIMQ_TEST_TARGETS_DIR, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::extension(it->path()) == ".json")
      names.push_back(llvm::sys::path::stem(it->path()).str());
  EXPECT_FALSE(ec) << ec.message();
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SimTargets, EveryTargetJsonIsBuiltInWithItsFingerprintAndClock) {
  std::vector<std::string> names = targetJsonNames();
  ASSERT_GE(names.size(), 2u);
  ASSERT_EQ(simTargets().size(), names.size());
  std::set<uint64_t> fingerprints;
  for (size_t i = 0; i < names.size(); ++i) {
    const SimTarget &t = *simTargets()[i];
    EXPECT_EQ(names[i], t.name) << "sorted by name";
    llvm::Expected<Target> json = Target::loadByName(t.name);
    ASSERT_TRUE(bool(json)) << llvm::toString(json.takeError());
    EXPECT_EQ(t.fingerprint, json->fingerprint(isa::kIsaVersion)) << t.name;
    EXPECT_EQ(int64_t(t.clockMhz), json->clockMhz()) << t.name;
    EXPECT_EQ(findSimTarget(t.fingerprint), &t);
    EXPECT_EQ(findSimTarget(std::string_view(t.name)), &t);
    fingerprints.insert(t.fingerprint);
  }
  EXPECT_EQ(fingerprints.size(), names.size()) << "every target has its own fingerprint";
  EXPECT_STREQ(defaultSimTarget().name, "zcu102");
  EXPECT_EQ(findSimTarget(simTargets()[0]->fingerprint ^ 1), nullptr);
  EXPECT_EQ(findSimTarget(std::string_view("nope")), nullptr);
  std::string list = simTargetList();
  for (const std::string &n : names)
    EXPECT_NE(list.find(n + " (0x"), std::string::npos) << list;
}

/// A FINISH alone: each entry reports its own fingerprint and clock.
TEST(SimTargets, EachEntryRunsItsOwnTarget) {
  isa::Instr finish;
  isa::setBits(finish, isa::fld::COMMON_opcode, uint64_t(isa::Opcode::FINISH));
  for (const SimTarget *t : simTargets()) {
    Control ctl;
    ctl.start = 1;
    ctl.insnCount = 1;
    t->overlay(&finish, nullptr, nullptr, ctl);
    EXPECT_EQ(ctl.error, 0u) << t->name;
    EXPECT_EQ(ctl.fingerprint, t->fingerprint) << t->name;
    EXPECT_EQ(ctl.clockMhz, t->clockMhz) << t->name;

    // The sequential core: a query run writes the status header (fingerprint at word 1).
    uint64_t status[64] = {};
    t->seq(nullptr, 0, nullptr, nullptr, 0, status);
    EXPECT_EQ(status[1], t->fingerprint) << t->name;
  }
}

/// 16 words through vec at word 100000: inside vc709's 128 Ki vec words, outside zcu102's 64 Ki.
TEST(SimTargets, OnChipSizesAreEachTargets) {
  llvm::Expected<isa::Bundle> b = isa::assembleProgram(R"(
.buffer 1 input 64
.buffer 2 output 64
LOAD buf=vec, dtype=i32, addr=100000, reverse=1, pitch=8, rows=2, cols=8, ddr_buf=1, ddr_stride=32 ; push=store
STORE buf=vec, dtype=i32, addr=100000, pitch=8, rows=2, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load
FINISH
)",
                                                       "vec.s");
  ASSERT_TRUE(bool(b)) << llvm::toString(b.takeError());
  for (const char *name : {"zcu102", "vc709"}) {
    const SimTarget *t = findSimTarget(std::string_view(name));
    ASSERT_NE(t, nullptr) << name;
    std::vector<uint8_t> ddr(128);
    for (unsigned i = 0; i < 64; ++i)
      ddr[i] = uint8_t(i + 1);
    const DdrBuffer table[] = {{0, 0}, {0, 64}, {64, 64}};
    Control ctl;
    ctl.start = 1;
    ctl.insnCount = uint32_t(b->code.size());
    ctl.numBuffers = 3;
    t->overlay(b->code.data(), ddr.data(), table, ctl);
    if (std::string(name) == "zcu102") {
      EXPECT_EQ(OverlayError(ctl.error), OverlayError::OnChipOutOfRange);
      EXPECT_EQ(ctl.errorInsn, 0u);
      continue;
    }
    EXPECT_EQ(ctl.error, 0u) << overlayErrorName(OverlayError(ctl.error));
    for (unsigned i = 0; i < 64; ++i) // the two rows of 32 bytes swapped
      EXPECT_EQ(ddr[64 + i], uint8_t((i + 32) % 64 + 1)) << i;
  }
}

} // namespace
