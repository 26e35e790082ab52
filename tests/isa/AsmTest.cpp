//===- AsmTest.cpp - instruction text form --------------------------------------------===//

#include "RandomInstr.h"

#include "vimq/isa/Asm.h"

#include <gtest/gtest.h>

using namespace vimq::isa;
using vimq::isa::test::randomInstr;

namespace {

// print -> parse is the identity for random instructions, in both the full and the compact
// form (the compact form omits zero fields, which parse back as zero).
TEST(Asm, RandomRoundTrip) {
  std::mt19937_64 rng(99);
  for (const OpcodeInfo &info : allOpcodes()) {
    for (int iter = 0; iter < 100; ++iter) {
      Instr in = randomInstr(info, rng);
      for (bool all : {true, false}) {
        std::string text = printInstr(in, all);
        llvm::Expected<Instr> back = parseInstr(text);
        ASSERT_TRUE(bool(back)) << text << ": " << llvm::toString(back.takeError());
        ASSERT_EQ(*back, in) << text;
      }
    }
  }
}

TEST(Asm, Syntax) {
  llvm::Expected<Instr> in =
      parseInstr("load buf=vec, dtype=i32, rows=2, cols=0x10, pitch=16 ; pop=linear,store "
                 "push=vector");
  ASSERT_TRUE(bool(in)) << llvm::toString(in.takeError());
  EXPECT_EQ(getBits(*in, fld::LOAD_cols), 16u);
  EXPECT_EQ(popMask(*in), moduleBit(Module::linear) | moduleBit(Module::store));
  EXPECT_EQ(printInstr(*in),
            "LOAD buf=vec, dtype=i32, pitch=16, rows=2, cols=16 ; pop=linear,store push=vector");
  EXPECT_EQ(printInstr(makeInstr(Opcode::FINISH)), "FINISH");
}

TEST(Asm, Errors) {
  auto err = [](const char *text) {
    llvm::Expected<Instr> in = parseInstr(text);
    return in ? std::string("ok") : llvm::toString(in.takeError());
  };
  EXPECT_EQ(err("JUMP x=1"), "unknown mnemonic 'JUMP'");
  EXPECT_EQ(err("LOAD rows=70000"), "LOAD.rows = 70000 is outside [0, 65535]");
  EXPECT_EQ(err("LOAD buf=dram"), "'dram' is not a Buf value (field 'buf')");
  EXPECT_EQ(err("LOAD rows"), "expected 'field=value', got 'rows'");
  EXPECT_EQ(err("LOAD rows=1, rows=2"), "field 'rows' given twice");
  EXPECT_EQ(err("LOAD rows=x1"), "field 'rows': 'x1' is not a number");
  EXPECT_EQ(err("LOAD ; pop=dma"), "'dma' is not a module");
  EXPECT_EQ(err("LOAD ; wait=load"), "expected 'pop=...' or 'push=...' after ';', got 'wait=load'");
  EXPECT_EQ(err(".word 1 2 3"), ".word needs 4 64-bit words, got 3");
}

TEST(Asm, UnknownOpcodeDisassemblesAsWords) {
  Instr in;
  in.w[0] = 0x2a;
  std::string text = printInstr(in);
  EXPECT_EQ(text.substr(0, 5), ".word");
  llvm::Expected<Instr> back = parseInstr(text);
  ASSERT_TRUE(bool(back));
  EXPECT_EQ(*back, in);
}

} // namespace

#include "vimq/isa/ProgramAsm.h"

namespace {

// Mutated program text (characters replaced by random punctuation, digits or letters) is
// either assembled or rejected with an error; never a crash (run under ASan/UBSan too).
TEST(Asm, MutatedProgramsNeverCrash) {
  const std::string base = ".buffer 1 input 64\n.buffer 2 output 64\n"
                           ".input x buf=1 off=0 dtype=i32 shape=2x8\n"
                           "LOAD buf=vec, dtype=i32, pitch=8, rows=2, cols=8, ddr_buf=1, "
                           "ddr_stride=32 ; push=store\n"
                           "STORE buf=vec, dtype=i32, pitch=8, rows=2, cols=8, ddr_buf=2, "
                           "ddr_stride=32 ; pop=load\nFINISH\n";
  const std::string alphabet = "0123456789xX=,;.# \n-abcdefLOADpushpopFINISH";
  std::mt19937 rng(5);
  int ok = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text = base;
    for (int k = 0; k < 1 + int(rng() % 4); ++k)
      text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    llvm::Expected<Bundle> b = assembleProgram(text, "m.s");
    if (b)
      ++ok;
    else
      llvm::consumeError(b.takeError());
  }
  EXPECT_LT(ok, 2000); // most mutations must be caught
}

} // namespace
