//===- DdrPlannerTest.cpp - liveness-based DDR planning ---------------------------------------===//
#include "vimq/backend/DdrPlanner.h"

#include <gtest/gtest.h>

#include <random>

using namespace vimq;
using namespace vimq::backend;

namespace {

TEST(DdrPlanner, LiveScratchTensorsNeverOverlap) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    DdrPlan plan;
    unsigned n = 2 + rng() % 40;
    for (unsigned i = 0; i < n; ++i) {
      DdrTensor t;
      t.name = "t" + std::to_string(i);
      t.kind = DdrKind::scratch;
      t.bytes = 1 + rng() % 5000;
      t.first = rng() % 30;
      t.last = t.first + rng() % 10;
      plan.add(t);
    }
    ASSERT_FALSE(bool(plan.plan()));
    for (unsigned i = 0; i < n; ++i) {
      const DdrTensor &a = plan.tensor(i);
      EXPECT_EQ(a.offset % kDdrAlign, 0u);
      EXPECT_LE(a.offset + a.bytes, plan.bufferBytes(DdrKind::scratch));
      for (unsigned j = i + 1; j < n; ++j) {
        const DdrTensor &b = plan.tensor(j);
        bool liveTogether = a.first <= b.last && b.first <= a.last;
        bool bytesOverlap = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        EXPECT_FALSE(liveTogether && bytesOverlap) << a.name << " and " << b.name;
      }
    }
    EXPECT_LE(plan.bufferBytes(DdrKind::scratch), plan.scratchBytesWithoutReuse());
  }
}

TEST(DdrPlanner, ChainReusesMemory) {
  // x0 -> x1 -> x2 -> x3: each tensor dies when the next is made, so two slots suffice.
  DdrPlan plan;
  for (unsigned i = 0; i < 4; ++i)
    plan.add({"x" + std::to_string(i), DdrKind::scratch, 1000, i, i + 1, {}, 0});
  ASSERT_FALSE(bool(plan.plan()));
  EXPECT_EQ(plan.bufferBytes(DdrKind::scratch), 2 * 1024u);
  EXPECT_EQ(plan.scratchBytesWithoutReuse(), 4 * 1024u);
}

TEST(DdrPlanner, KindsGetTheirOwnBuffersAndWeightsTheirBytes) {
  DdrPlan plan;
  unsigned w0 = plan.add({"w0", DdrKind::weights, 3, 0, 0, {1, 2, 3}, 0});
  unsigned w1 = plan.add({"w1", DdrKind::weights, 2, 0, 0, {4, 5}, 0});
  plan.add({"in", DdrKind::input, 10, 0, 0, {}, 0});
  ASSERT_FALSE(bool(plan.plan()));
  EXPECT_EQ(plan.tensor(w0).offset, 0u);
  EXPECT_EQ(plan.tensor(w1).offset, kDdrAlign);
  auto table = plan.bufferTable();
  ASSERT_EQ(table.size(), 2u); // no output, no scratch
  EXPECT_EQ(table[0].kind, isa::BufferKind::weights);
  ASSERT_EQ(table[0].init.size(), kDdrAlign + 2);
  EXPECT_EQ(table[0].init[kDdrAlign + 1], 5);
  EXPECT_EQ(table[1].kind, isa::BufferKind::input);
}

TEST(DdrPlanner, RejectsBadTensors) {
  DdrPlan empty;
  empty.add({"z", DdrKind::scratch, 0, 0, 0, {}, 0});
  llvm::Error zero = empty.plan();
  ASSERT_TRUE(bool(zero));
  EXPECT_NE(llvm::toString(std::move(zero)).find("'z' has no bytes"), std::string::npos);
  DdrPlan backwards;
  backwards.add({"b", DdrKind::scratch, 4, 5, 2, {}, 0});
  llvm::Error e = backwards.plan();
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("'b'"), std::string::npos);
}

} // namespace
