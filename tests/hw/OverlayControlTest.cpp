//===- OverlayControlTest.cpp - FIFO bounds, deadlock/left-over detection, errors, fingerprint ==//

#include "ProgramBuilder.h"

#include "vimq/hw/Fifo.h"
#include "vimq/hw/Target.h"

#include <random>

using namespace vimq;
using namespace vimq::hw;
using namespace vimq::hw::test;
using isa::Module;
using isa::Opcode;

namespace {

Control runProgram(const Program &p) {
  Ddr ddr;
  ddr.addZeros(256);
  return ddr.run(p);
}

// A LOAD of 4 bytes of the 256-byte buffer 0 into act (cheap, always valid).
size_t smallLoad(Program &p, int64_t push = 0, int64_t pop = 0) {
  return p.add(Opcode::LOAD, {{"buf", int64_t(isa::Buf::act)},
                              {"dtype", int64_t(isa::DType::i8)},
                              {"rows", 1},
                              {"cols", 4},
                              {"pitch", 4},
                              {"ddr_buf", 0},
                              {"push", push},
                              {"pop", pop}});
}

// A small VECTOR copy in vec.
size_t smallVector(Program &p, int64_t push = 0, int64_t pop = 0) {
  return p.add(Opcode::VECTOR, {{"op", int64_t(isa::VOp::copy)},
                                {"rows", 1},
                                {"cols", 4},
                                {"o_addr", 16},
                                {"push", push},
                                {"pop", pop}});
}

OverlayError err(const Control &c) { return OverlayError(c.error); }

} // namespace

TEST(BoundedFifo, RejectsPushWhenFullAndPopWhenEmpty) {
  BoundedFifo<int, 2> f;
  int v = 0;
  EXPECT_FALSE(f.pop(v));
  EXPECT_TRUE(f.push(1));
  EXPECT_TRUE(f.push(2));
  EXPECT_TRUE(f.full());
  EXPECT_FALSE(f.push(3));
  EXPECT_TRUE(f.pop(v));
  EXPECT_EQ(v, 1);
  EXPECT_TRUE(f.push(3)); // wraps around
  EXPECT_TRUE(f.pop(v));
  EXPECT_EQ(v, 2);
  EXPECT_TRUE(f.pop(v));
  EXPECT_EQ(v, 3);
  EXPECT_TRUE(f.empty());
}

TEST(OverlayControl, EmptyProgramWithFinishSucceeds) {
  Program p;
  p.add(Opcode::FINISH, {});
  Control c = runProgram(p);
  EXPECT_EQ(c.done, 1u);
  EXPECT_EQ(err(c), OverlayError::None);
}

TEST(OverlayControl, NotStartedDoesNothing) {
  Program p;
  p.add(Opcode::FINISH, {});
  Control c;
  c.insnCount = 1;
  vimq_overlay(p.insns.data(), nullptr, nullptr, c);
  EXPECT_EQ(err(c), OverlayError::NotStarted);
}

TEST(OverlayControl, DeadlockOnMissingTokenNamesWaitersAndInstruction) {
  Program p;
  smallLoad(p);
  size_t waiting = smallVector(p, 0, bit(Module::load)); // nobody pushes load -> vector
  p.add(Opcode::FINISH, {{"pop", bit(Module::vector)}});
  Control c = runProgram(p);
  EXPECT_EQ(c.done, 1u);
  EXPECT_EQ(err(c), OverlayError::Deadlock);
  EXPECT_EQ(c.errorInsn, waiting);
  // vector waits for its token; load holds FINISH waiting for vector's.
  EXPECT_EQ(c.waitingUnits, (1u << unsigned(Unit::Vector)) | (1u << unsigned(Unit::Load)));
}

TEST(OverlayControl, TokenLeftOverAtFinish) {
  Program p;
  size_t pusher = smallLoad(p, bit(Module::vector));
  p.add(Opcode::FINISH, {});
  Control c = runProgram(p);
  EXPECT_EQ(err(c), OverlayError::TokenLeftOver);
  EXPECT_EQ(c.errorInsn, pusher);
}

TEST(OverlayControl, FullTokenFifoBlocksProducerAndIsDetected) {
  // One push more than the token FIFO holds and no consumer: an unbounded queue would only
  // leave tokens over; the bounded one blocks the producer, which is reported as a deadlock at
  // the first LOAD that cannot push.
  Program p;
  const unsigned depth = 8; // zcu102 token_fifo_depth
  for (unsigned i = 0; i <= depth; ++i)
    smallLoad(p, bit(Module::vector));
  p.add(Opcode::FINISH, {});
  Control c = runProgram(p);
  EXPECT_EQ(err(c), OverlayError::Deadlock);
  EXPECT_EQ(c.errorInsn, depth);
  EXPECT_EQ(c.waitingUnits, 1u << unsigned(Unit::Load));

  // With a consumer popping each token the same stream runs to completion.
  Program ok;
  for (unsigned i = 0; i <= depth; ++i)
    smallLoad(ok, bit(Module::vector));
  for (unsigned i = 0; i <= depth; ++i)
    smallVector(ok, 0, bit(Module::load));
  ok.add(Opcode::FINISH, {});
  EXPECT_EQ(err(runProgram(ok)), OverlayError::None);
}

TEST(OverlayControl, FullCommandQueueStallsFetch) {
  // More vector instructions waiting for LOAD tokens than the command queue holds, before the
  // LOADs that would feed them: FETCH blocks on the full queue and never reaches the LOADs.
  Program p;
  const unsigned depth = 16; // zcu102 cmd_fifo_depth
  for (unsigned i = 0; i <= depth + 1; ++i)
    smallVector(p, 0, bit(Module::load));
  for (unsigned i = 0; i <= depth + 1; ++i)
    smallLoad(p, bit(Module::vector));
  p.add(Opcode::FINISH, {});
  Control c = runProgram(p);
  EXPECT_EQ(err(c), OverlayError::Deadlock);
  EXPECT_EQ(c.waitingUnits, (1u << unsigned(Unit::Fetch)) | (1u << unsigned(Unit::Vector)));
  EXPECT_EQ(c.errorInsn, 0u);
}

TEST(OverlayControl, MalformedStreams) {
  {
    Program p;
    smallLoad(p);
    EXPECT_EQ(err(runProgram(p)), OverlayError::NoFinish);
  }
  {
    Program p;
    smallLoad(p);
    p.insns.push_back(isa::Instr{}); // opcode 0
    p.add(Opcode::FINISH, {});
    Control c = runProgram(p);
    EXPECT_EQ(err(c), OverlayError::UnknownOpcode);
    EXPECT_EQ(c.errorInsn, 1u);
  }
  {
    Program p;
    p.add(Opcode::LOAD, {{"buf", 0},
                         {"dtype", 0},
                         {"rows", 2},
                         {"cols", 200},
                         {"ddr_stride", 200},
                         {"ddr_buf", 0}}); // 400 bytes of a 256-byte buffer
    p.add(Opcode::FINISH, {});
    EXPECT_EQ(err(runProgram(p)), OverlayError::DmaOutOfRange);
  }
  {
    Program p;
    p.add(Opcode::LOAD, {{"rows", 1}, {"cols", 4}, {"ddr_buf", 3}}); // no buffer 3
    p.add(Opcode::FINISH, {});
    EXPECT_EQ(err(runProgram(p)), OverlayError::DmaOutOfRange);
  }
  {
    Program p;
    p.add(Opcode::VECTOR, {{"op", int64_t(isa::VOp::add)},
                           {"rows", 2},
                           {"cols", 8},
                           {"a_pitch", (1 << 16) - 1},
                           {"a_addr", 0}}); // row 1 beyond vec
    p.add(Opcode::FINISH, {});
    EXPECT_EQ(err(runProgram(p)), OverlayError::OnChipOutOfRange);
  }
  {
    Program p;
    p.add(Opcode::LOAD, {{"buf", int64_t(isa::Buf::act)},
                         {"dtype", int64_t(isa::DType::f32)},
                         {"rows", 1},
                         {"cols", 4},
                         {"ddr_buf", 0}});
    p.add(Opcode::FINISH, {});
    EXPECT_EQ(err(runProgram(p)), OverlayError::BadField);
  }
  {
    Program p;
    p.add(Opcode::CONV1D, {{"ksize", 0}, {"len", 1}, {"ch", 1}});
    p.add(Opcode::FINISH, {});
    EXPECT_EQ(err(runProgram(p)), OverlayError::BadField);
  }
  // rmsnorm: frac beyond the 128-bit factor datapath, or an eps with no factor (negative,
  // infinite, NaN); -0.0 and the largest finite eps are accepted.
  struct NormCase {
    int64_t frac;
    uint32_t eps;
    OverlayError want;
  };
  for (NormCase c : {NormCase{isa::kMaxNormFrac, 0x3727c5acu, OverlayError::None},
                     NormCase{isa::kMaxNormFrac + 1, 0x3727c5acu, OverlayError::BadField},
                     NormCase{63, 0x3727c5acu, OverlayError::BadField},
                     NormCase{16, 0x80000000u, OverlayError::None},
                     NormCase{16, 0x7f7fffffu, OverlayError::None},
                     NormCase{16, 0xbf800000u, OverlayError::BadField},
                     NormCase{16, 0x7f800000u, OverlayError::BadField},
                     NormCase{16, 0x7fc00000u, OverlayError::BadField}}) {
    Program p;
    p.add(Opcode::VECTOR, {{"op", int64_t(isa::VOp::rmsnorm)},
                           {"rows", 1},
                           {"cols", 8},
                           {"a_pitch", 8},
                           {"o_pitch", 8},
                           {"o_addr", 64},
                           {"imm", int64_t(int32_t(c.eps))},
                           {"frac", c.frac}});
    p.add(Opcode::FINISH, {});
    EXPECT_EQ(err(runProgram(p)), c.want) << "frac " << c.frac << " eps " << std::hex << c.eps;
  }
}

TEST(OverlayControl, FingerprintMatchesTargetJson) {
  auto t = Target::loadByName(simTargetName());
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  EXPECT_EQ(t->fingerprint(isa::kIsaVersion), simFingerprint());
  EXPECT_NE(t->fingerprint(isa::kIsaVersion + 1), simFingerprint());
  Program p;
  p.add(Opcode::FINISH, {});
  EXPECT_EQ(runProgram(p).fingerprint, simFingerprint());
}

TEST(OverlayControl, RandomInstructionStreamsNeverCrashOrHang) {
  // Random field values (biased small so that some instructions are valid and execute) with
  // random token masks: every run must end with done = 1 and a defined error code. Under
  // ASan/UBSan this is also a memory-safety check of every module's bounds checks.
  std::mt19937_64 rng(61);
  const Opcode ops[] = {Opcode::LOAD,   Opcode::STORE, Opcode::LINEAR,
                        Opcode::CONV1D, Opcode::SSM,   Opcode::VECTOR};
  int executedOk = 0;
  for (int prog = 0; prog < 300; ++prog) {
    Program p;
    const int len = 1 + int(rng() % 3);
    for (int i = 0; i < len; ++i) {
      isa::Instr in;
      for (uint64_t &w : in.w)
        w = rng() & rng() & rng() & rng(); // sparse bits: small values are common
      isa::setBits(in, isa::fld::COMMON_opcode, uint64_t(ops[rng() % 6]));
      if (rng() % 4) { // mostly no tokens, so that some programs run to the end
        isa::setBits(in, isa::fld::COMMON_pop, 0);
        isa::setBits(in, isa::fld::COMMON_push, 0);
      }
      p.insns.push_back(in);
    }
    if (rng() % 4)
      p.add(Opcode::FINISH, {});
    Ddr ddr;
    ddr.addZeros(4096);
    ddr.addZeros(64);
    Control c = ddr.run(p);
    ASSERT_EQ(c.done, 1u) << "program " << prog;
    ASSERT_LE(c.error, uint32_t(OverlayError::NoFinish)) << "program " << prog;
    ASSERT_LE(c.errorInsn, p.insns.size()) << "program " << prog;
    executedOk += c.error == 0;
  }
  // Not every random program fails: the generator does reach the engines.
  EXPECT_GT(executedOk, 0);
}

TEST(OverlayControl, LoadAndStoreShareTheDdrPort) {
  // Independent LOAD and STORE of 64 rows x 480 bytes each: 10 port cycles per row at 48
  // bytes/cycle (zcu102), so 640 cycles each. Without tokens both are ready at once; the port
  // serialises them, and whichever goes second waits for the first transfer.
  Ddr ddr;
  uint32_t src = ddr.addZeros(64 * 480), dst = ddr.addZeros(64 * 480);
  Program p;
  p.add(Opcode::LOAD, {{"buf", int64_t(isa::Buf::act)},
                       {"dtype", int64_t(isa::DType::i8)},
                       {"rows", 64},
                       {"cols", 480},
                       {"pitch", 480},
                       {"ddr_buf", src},
                       {"ddr_stride", 480}});
  p.add(Opcode::STORE, {{"buf", int64_t(isa::Buf::act)},
                        {"dtype", int64_t(isa::DType::i8)},
                        {"rows", 64},
                        {"cols", 480},
                        {"pitch", 480},
                        {"ddr_buf", dst},
                        {"ddr_stride", 480}});
  p.add(Opcode::FINISH, {});
  Control c = ddr.run(p);
  ASSERT_EQ(err(c), OverlayError::None);
  const UnitProfile &ld = c.profile[unsigned(Unit::Load)], &st = c.profile[unsigned(Unit::Store)];
  // Busy: ddr_latency_cycles + the DMA loop's beats: 16 int8 per beat (one per act bank,
  // though the port delivers 48 bytes), 30 beats per row. The port is held 10 cycles per row.
  EXPECT_EQ(ld.busyCycles, 64u + 64u * 30u);
  EXPECT_EQ(st.busyCycles, 64u + 64u * 30u);
  // The two instructions are fetched one cycle apart, so the second waits 640 - 1 cycles.
  EXPECT_EQ(ld.stallDdrCycles + st.stallDdrCycles, 639u);
  EXPECT_GE(c.cycles, 2u * 640u);
}
