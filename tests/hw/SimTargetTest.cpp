//===- SimTargetTest.cpp - each sim library carries its own target's fingerprint ------------===//
//
// Built once per target (VIMQ_TEST_TARGET): the constexpr fingerprint compiled into the sim
// from the generated header must equal the one computed from the JSON at run time.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/Overlay.h"
#include "vimq/hw/Target.h"

#include <gtest/gtest.h>

using namespace vimq::hw;

TEST(SimTarget, FingerprintAndClockComeFromTheJson) {
  EXPECT_STREQ(simTargetName(), VIMQ_TEST_TARGET);
  auto t = Target::loadByName(VIMQ_TEST_TARGET);
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  EXPECT_EQ(simFingerprint(), t->fingerprint(vimq::isa::kIsaVersion));

  vimq::isa::Instr finish;
  vimq::isa::setBits(finish, vimq::isa::fld::COMMON_opcode, uint64_t(vimq::isa::Opcode::FINISH));
  Control ctl;
  ctl.start = 1;
  ctl.insnCount = 1;
  vimq_overlay(&finish, nullptr, nullptr, ctl);
  EXPECT_EQ(ctl.error, 0u);
  EXPECT_EQ(ctl.fingerprint, simFingerprint());
  EXPECT_EQ(int64_t(ctl.clockMhz), t->clockMhz());
}
