//===- TokenSchedulerTest.cpp - dependency tokens on random programs, run on the sim ----------===//
//
// Random programs over 8 slots of the vector buffer and 8 DDR rows: LOAD slot ← row, VECTOR
// add/copy between slots, STORE slot → row. The scheduler derives the tokens from the memory
// annotations alone; the sim must finish without deadlock or leftover token (bounded FIFOs),
// and the DDR result must equal a sequential execution of the program, so a missing token
// that let a module overtake a conflicting instruction would show up as a wrong value.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/backend/Program.h"

#include "vimq/isa/Isa.h"
#include "vimq/runtime/Device.h"

#include <gtest/gtest.h>

#include <random>

using namespace vimq;
using namespace vimq::backend;
namespace fld = vimq::isa::fld;

namespace {

constexpr int kSlots = 8, kRows = 8, kCols = 16;

isa::Instr loadOrStore(isa::Opcode opc, int slot, int row) {
  bool load = opc == isa::Opcode::LOAD;
  isa::Instr in = isa::makeInstr(opc);
  isa::setBits(in, load ? fld::LOAD_buf : fld::STORE_buf, uint64_t(isa::Buf::vec));
  isa::setBits(in, load ? fld::LOAD_dtype : fld::STORE_dtype, uint64_t(isa::DType::i32));
  isa::setBits(in, load ? fld::LOAD_addr : fld::STORE_addr, uint64_t(slot * kCols));
  isa::setBits(in, load ? fld::LOAD_pitch : fld::STORE_pitch, kCols);
  isa::setBits(in, load ? fld::LOAD_rows : fld::STORE_rows, 1);
  isa::setBits(in, load ? fld::LOAD_cols : fld::STORE_cols, kCols);
  isa::setBits(in, load ? fld::LOAD_ddr_off : fld::STORE_ddr_off, uint64_t(row * kCols * 4));
  isa::setBits(in, load ? fld::LOAD_ddr_stride : fld::STORE_ddr_stride, kCols * 4);
  return in;
}

isa::Instr vectorOp(isa::VOp op, int a, int b, int o) {
  isa::Instr in = isa::makeInstr(isa::Opcode::VECTOR);
  isa::setBits(in, fld::VECTOR_op, uint64_t(op));
  isa::setBits(in, fld::VECTOR_rows, 1);
  isa::setBits(in, fld::VECTOR_cols, kCols);
  isa::setBits(in, fld::VECTOR_a_addr, uint64_t(a * kCols));
  isa::setBits(in, fld::VECTOR_a_pitch, kCols);
  isa::setBits(in, fld::VECTOR_b_addr, uint64_t(b * kCols));
  isa::setBits(in, fld::VECTOR_b_pitch, kCols);
  isa::setBits(in, fld::VECTOR_o_addr, uint64_t(o * kCols));
  isa::setBits(in, fld::VECTOR_o_pitch, kCols);
  return in;
}

Region slotRegion(int s) { return Region::onChip(isa::Buf::vec, uint64_t(s * kCols), kCols); }
Region rowRegion(int r) { return Region::ddr(0, uint64_t(r * kCols * 4), kCols * 4); }

TEST(TokenScheduler, RandomProgramsRunAndMatchSequentialOrder) {
  std::mt19937 rng(2024);
  auto sim = rt::createSimDevice();
  for (int trial = 0; trial < 60; ++trial) {
    Program prog;
    std::vector<std::vector<int32_t>> slot(kSlots, std::vector<int32_t>(kCols, 0));
    std::vector<std::vector<int32_t>> ddr(kRows, std::vector<int32_t>(kCols));
    for (int r = 0; r < kRows; ++r)
      for (int c = 0; c < kCols; ++c)
        ddr[r][c] = int32_t(rng() % 1000);
    std::vector<std::vector<int32_t>> initial = ddr;
    int len = 5 + int(rng() % 80);
    for (int i = 0; i < len; ++i) {
      int kind = int(rng() % 4), s = int(rng() % kSlots), t = int(rng() % kSlots),
          o = int(rng() % kSlots), r = int(rng() % kRows);
      if (kind == 0) {
        prog.append(loadOrStore(isa::Opcode::LOAD, s, r), {rowRegion(r)}, {slotRegion(s)}, "");
        slot[s] = ddr[r];
      } else if (kind == 1) {
        prog.append(loadOrStore(isa::Opcode::STORE, s, r), {slotRegion(s)}, {rowRegion(r)}, "");
        ddr[r] = slot[s];
      } else if (kind == 2) {
        prog.append(vectorOp(isa::VOp::add, s, t, o), {slotRegion(s), slotRegion(t)},
                    {slotRegion(o)}, "");
        std::vector<int32_t> sum(kCols);
        for (int c = 0; c < kCols; ++c)
          sum[c] = slot[s][c] + slot[t][c];
        slot[o] = sum;
      } else {
        prog.append(vectorOp(isa::VOp::copy, s, s, o), {slotRegion(s)}, {slotRegion(o)}, "");
        slot[o] = slot[s];
      }
    }
    // Odd trials: serialized (every instruction also waits for its predecessor).
    ScheduleOptions opts;
    opts.serialize = trial % 2 == 1;
    ScheduleStats stats = scheduleTokens(prog, opts);
    if (!opts.serialize) {
      EXPECT_LE(stats.tokens, stats.dependences + isa::kNumModules);
    }
    // The compiler's own replay must agree with the sim (which runs it below).
    ASSERT_FALSE(bool(checkDeadlockFree(prog, 16, 8))) << "trial " << trial;
    std::vector<isa::Instr> code = prog.code();
    for (size_t i = 0; i < code.size(); ++i)
      ASSERT_FALSE(bool(isa::verify(code[i], i))) << "trial " << trial;

    rt::DdrImage image;
    image.table.push_back({0, kRows * kCols * 4});
    image.bytes.resize(kRows * kCols * 4);
    for (int r = 0; r < kRows; ++r)
      std::memcpy(&image.bytes[r * kCols * 4], initial[r].data(), kCols * 4);
    auto prof = sim->run(code, image);
    ASSERT_TRUE(bool(prof)) << "trial " << trial << ": " << llvm::toString(prof.takeError());
    for (int r = 0; r < kRows; ++r) {
      std::vector<int32_t> got(kCols);
      std::memcpy(got.data(), &image.bytes[r * kCols * 4], kCols * 4);
      EXPECT_EQ(got, ddr[r]) << "trial " << trial << " row " << r;
    }
  }
}

TEST(TokenScheduler, SerializeWaitsForThePreviousInstruction) {
  // Two independent instructions (different slots and rows) overlap normally; serialized, the
  // STORE waits for the LOAD.
  for (bool serialize : {false, true}) {
    Program prog;
    prog.append(loadOrStore(isa::Opcode::LOAD, 0, 0), {rowRegion(0)}, {slotRegion(0)}, "");
    prog.append(loadOrStore(isa::Opcode::STORE, 1, 1), {slotRegion(1)}, {rowRegion(1)}, "");
    ScheduleOptions opts;
    opts.serialize = serialize;
    scheduleTokens(prog, opts);
    EXPECT_EQ(isa::popMask(prog.instrs()[1].in),
              serialize ? isa::moduleBit(isa::Module::load) : 0);
  }
}

TEST(DeadlockCheck, FindsAMissingTokenAndALeftover) {
  Program waits;
  isa::Instr v = vectorOp(isa::VOp::copy, 0, 0, 1);
  isa::setBits(v, isa::fld::COMMON_pop, isa::moduleBit(isa::Module::load)); // nobody pushes
  waits.append(v, {}, {}, "");
  waits.append(isa::makeInstr(isa::Opcode::FINISH), {}, {}, "");
  llvm::Error e = checkDeadlockFree(waits, 16, 8);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("vector at instruction 0 (waiting for a token)"),
            std::string::npos);

  Program leaves;
  isa::Instr l = loadOrStore(isa::Opcode::LOAD, 0, 0);
  isa::setBits(l, isa::fld::COMMON_push, isa::moduleBit(isa::Module::store)); // nobody pops
  leaves.append(l, {}, {}, "");
  leaves.append(isa::makeInstr(isa::Opcode::FINISH), {}, {}, "");
  llvm::Error e2 = checkDeadlockFree(leaves, 16, 8);
  ASSERT_TRUE(bool(e2));
  EXPECT_NE(llvm::toString(std::move(e2)).find("1 token(s) from load to store"),
            std::string::npos);
}

TEST(TokenScheduler, EveryPushHasItsPop) {
  // LOAD → VECTOR → STORE chain: exactly load→vector, vector→store, store→FINISH.
  Program prog;
  prog.append(loadOrStore(isa::Opcode::LOAD, 0, 0), {rowRegion(0)}, {slotRegion(0)}, "");
  prog.append(vectorOp(isa::VOp::copy, 0, 0, 1), {slotRegion(0)}, {slotRegion(1)}, "");
  prog.append(loadOrStore(isa::Opcode::STORE, 1, 1), {slotRegion(1)}, {rowRegion(1)}, "");
  scheduleTokens(prog);
  auto &in = prog.instrs();
  ASSERT_EQ(in.size(), 4u);
  EXPECT_EQ(isa::pushMask(in[0].in), isa::moduleBit(isa::Module::vector));
  EXPECT_EQ(isa::popMask(in[1].in), isa::moduleBit(isa::Module::load));
  EXPECT_EQ(isa::pushMask(in[1].in), isa::moduleBit(isa::Module::store));
  EXPECT_EQ(isa::popMask(in[2].in), isa::moduleBit(isa::Module::vector));
  EXPECT_EQ(isa::pushMask(in[2].in), isa::moduleBit(isa::Module::load));
  EXPECT_EQ(isa::opcodeOf(in[3].in), isa::Opcode::FINISH);
  // FINISH waits for the STORE only: the STORE waited for the VECTOR (transitive reduction).
  EXPECT_EQ(isa::popMask(in[3].in), isa::moduleBit(isa::Module::store));
}

} // namespace
