//===- IsaTest.cpp - encoding tables, field access, verifier ----------------------------===//

#include "RandomInstr.h"

#include "vimq/isa/Asm.h"
#include "vimq/isa/Checksum.h"
#include "vimq/isa/IsaDoc.h"

#include "llvm/Support/MemoryBuffer.h"

#include "llvm/Support/Error.h"

#include <gtest/gtest.h>

using namespace vimq::isa;
using vimq::isa::test::randomInstr;

namespace {

std::string errorText(llvm::Error e) { return llvm::toString(std::move(e)); }

TEST(Isa, EveryOpcodeIsDescribed) {
  EXPECT_EQ(allOpcodes().size(), 7u);
  for (const OpcodeInfo &info : allOpcodes()) {
    EXPECT_TRUE(isKnownOpcode(static_cast<uint64_t>(info.opcode)));
    EXPECT_EQ(lookupOpcode(info.name), &info);
  }
  EXPECT_FALSE(isKnownOpcode(0));
  EXPECT_FALSE(isKnownOpcode(8));
}

// encode -> decode -> encode of every opcode with random field values, via the named-field
// API, checking each field reads back and the re-encoding is bit-identical.
TEST(Isa, RandomFieldRoundTrip) {
  std::mt19937_64 rng(1234);
  for (const OpcodeInfo &info : allOpcodes()) {
    for (int iter = 0; iter < 200; ++iter) {
      Instr in = randomInstr(info, rng);
      Instr again = makeInstr(info.opcode);
      for (const FieldInfo &f : info.fields) {
        ASSERT_EQ(errorText(setField(again, f.name, getField(in, f))), "")
            << info.name.str() << "." << f.name.str();
      }
      for (const FieldInfo &f : commonFields()) {
        if (f.name == "opcode")
          continue;
        ASSERT_EQ(errorText(setField(again, f.name, getField(in, f))), "");
      }
      ASSERT_EQ(in, again) << info.name.str();
      uint8_t bytes[kInstrBytes];
      storeInstr(in, bytes);
      ASSERT_EQ(loadInstr(bytes), in);
    }
  }
}

TEST(Isa, FieldsDoNotDisturbNeighbours) {
  // Setting one field to all ones must flip exactly that field's bits.
  for (const OpcodeInfo &info : allOpcodes()) {
    for (const FieldInfo &f : info.fields) {
      Instr in;
      setBits(in, f.pos, ~uint64_t(0));
      unsigned ones = 0;
      for (uint64_t w : in.w)
        ones += __builtin_popcountll(w);
      EXPECT_EQ(ones, f.pos.width) << info.name.str() << "." << f.name.str();
      EXPECT_EQ(getBits(in, f.pos), fieldMask(f.pos.width));
    }
  }
}

TEST(Isa, SignedFieldsSignExtend) {
  Instr in = makeInstr(Opcode::VECTOR);
  ASSERT_EQ(errorText(setField(in, "imm", -5)), "");
  EXPECT_EQ(getSigned(in, fld::VECTOR_imm), -5);
  EXPECT_NE(errorText(setField(in, "imm", int64_t(1) << 31)), "");
}

TEST(Isa, SetFieldRejectsOutOfRange) {
  Instr in = makeInstr(Opcode::CONV1D);
  EXPECT_EQ(errorText(setField(in, "ksize", 8)), "CONV1D.ksize = 8 is outside [0, 7]");
  EXPECT_EQ(errorText(setField(in, "nope", 1)), "CONV1D has no field 'nope'");
}

Instr validLoad() {
  Instr in = makeInstr(Opcode::LOAD);
  setBits(in, fld::LOAD_buf, unsigned(Buf::vec));
  setBits(in, fld::LOAD_dtype, unsigned(DType::i32));
  setBits(in, fld::LOAD_rows, 4);
  setBits(in, fld::LOAD_cols, 8);
  setBits(in, fld::LOAD_pitch, 8);
  setBits(in, fld::LOAD_ddr_stride, 32);
  return in;
}

TEST(Isa, VerifyAcceptsValid) { EXPECT_EQ(errorText(verify(validLoad(), 0)), ""); }

TEST(Isa, VerifyRejects) {
  Instr unknown;
  setBits(unknown, fld::COMMON_opcode, 42);
  EXPECT_EQ(errorText(verify(unknown, 3)), "instruction 3: unknown opcode 42");

  Instr reserved = validLoad();
  setBits(reserved, Field{250, 1}, 1); // past LOAD's last field (limit, bits 210..241)
  EXPECT_EQ(errorText(verify(reserved, 0)), "instruction 0 (LOAD): reserved bit 250 is set");

  Instr badEnum = validLoad();
  setBits(badEnum, fld::LOAD_dtype, 7);
  EXPECT_EQ(errorText(verify(badEnum, 0)), "instruction 0 (LOAD): dtype = 7 is not a DType value");

  Instr selfPop = validLoad();
  setBits(selfPop, fld::COMMON_pop, moduleBit(Module::load));
  EXPECT_EQ(errorText(verify(selfPop, 0)),
            "instruction 0 (LOAD): pop names the executing module load");

  Instr badPair = validLoad();
  setBits(badPair, fld::LOAD_buf, unsigned(Buf::act));
  EXPECT_EQ(errorText(verify(badPair, 0)),
            "instruction 0 (LOAD): buf=act cannot be loaded with dtype=i32");

  Instr narrow = validLoad();
  setBits(narrow, fld::LOAD_pitch, 7);
  EXPECT_EQ(errorText(verify(narrow, 0)),
            "instruction 0 (LOAD): pitch = 7 is smaller than the row length 8");

  Instr conv = makeInstr(Opcode::CONV1D);
  setBits(conv, fld::CONV1D_wfmt, unsigned(WFmt::int8));
  setBits(conv, fld::CONV1D_ksize, 5);
  EXPECT_EQ(errorText(verify(conv, 1)), "instruction 1 (CONV1D): ksize = 5 is outside [1, 4]");

  Instr norm = makeInstr(Opcode::VECTOR);
  setBits(norm, fld::VECTOR_op, unsigned(VOp::rmsnorm));
  setBits(norm, fld::VECTOR_rows, 1);
  setBits(norm, fld::VECTOR_cols, 8);
  setBits(norm, fld::VECTOR_a_pitch, 8);
  setBits(norm, fld::VECTOR_o_pitch, 8);
  setBits(norm, fld::VECTOR_imm, 0x3727c5ac); // 1e-5f
  setBits(norm, fld::VECTOR_frac, kMaxNormFrac);
  EXPECT_EQ(errorText(verify(norm, 2)), "");
  setBits(norm, fld::VECTOR_frac, kMaxNormFrac + 1);
  EXPECT_EQ(errorText(verify(norm, 2)),
            "instruction 2 (VECTOR): frac = 25 exceeds 24, the widest the norm factor datapath "
            "takes");
  setBits(norm, fld::VECTOR_frac, 16);
  setBits(norm, fld::VECTOR_op, unsigned(VOp::grmsnorm));
  setBits(norm, fld::VECTOR_b_pitch, 8);
  setBits(norm, fld::VECTOR_imm, 0xbf800000); // -1.0f
  EXPECT_EQ(errorText(verify(norm, 2)),
            "instruction 2 (VECTOR): imm = 0xbf800000 is not a finite fp32 eps >= 0");
  setBits(norm, fld::VECTOR_imm, 0x7f800000); // +inf
  EXPECT_NE(errorText(verify(norm, 2)), "");
  setBits(norm, fld::VECTOR_imm, 0x80000000); // -0.0f
  EXPECT_EQ(errorText(verify(norm, 2)), "");
}

TEST(Isa, DdrRangeOfLoad) {
  std::optional<DdrRange> r = ddrRange(validLoad());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->begin, 0u);
  EXPECT_EQ(r->end, 3u * 32 + 8 * 4); // last row starts at 96 and holds 8 int32
  EXPECT_FALSE(r->write);
}

/// validLoad() as a gather of its 4 rows from a table of 50 rows, indices at vec[1000, 1004).
Instr validGather() {
  Instr in = validLoad();
  setBits(in, fld::LOAD_gather, 1);
  setBits(in, fld::LOAD_idx_addr, 1000);
  setBits(in, fld::LOAD_limit, 50);
  return in;
}

TEST(Isa, GatherRoundTripsThroughText) {
  Instr in = validGather();
  EXPECT_EQ(errorText(verify(in, 0)), "");
  const std::string text = printInstr(in, /*allFields=*/false);
  EXPECT_NE(text.find("gather=1"), std::string::npos) << text;
  EXPECT_NE(text.find("idx_addr=1000"), std::string::npos) << text;
  EXPECT_NE(text.find("limit=50"), std::string::npos) << text;
  llvm::Expected<Instr> back = parseInstr(text);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(*back, in);
  EXPECT_TRUE(isGatherLoad(in));
  EXPECT_FALSE(isGatherLoad(validLoad()));
}

TEST(Isa, VerifyRejectsBadGathers) {
  Instr noLimit = validGather();
  setBits(noLimit, fld::LOAD_limit, 0);
  EXPECT_EQ(errorText(verify(noLimit, 5)),
            "instruction 5 (LOAD): limit (the table's rows) must be > 0");

  // Gather operands without gather: the row indices would be ignored.
  Instr idxOnly = validLoad();
  setBits(idxOnly, fld::LOAD_idx_addr, 1000);
  EXPECT_EQ(errorText(verify(idxOnly, 0)),
            "instruction 0 (LOAD): idx_addr = 1000 and limit = 0 are gather operands: they must "
            "be 0 without gather");
  Instr limitOnly = validLoad();
  setBits(limitOnly, fld::LOAD_limit, 50);
  EXPECT_NE(errorText(verify(limitOnly, 0)), "");

  // The indices inside the rows the gather writes (rows [0, 4) at pitch 8: vec[0, 32)).
  Instr overlap = validGather();
  setBits(overlap, fld::LOAD_idx_addr, 30);
  EXPECT_EQ(errorText(verify(overlap, 0)),
            "instruction 0 (LOAD): the row indices vec[30, 34) overlap the rows the gather "
            "writes");
  setBits(overlap, fld::LOAD_idx_addr, 32); // just past the last row
  EXPECT_EQ(errorText(verify(overlap, 0)), "");
  // Into another buffer, the index words cannot collide with the rows.
  setBits(overlap, fld::LOAD_buf, unsigned(Buf::state));
  setBits(overlap, fld::LOAD_idx_addr, 0);
  EXPECT_EQ(errorText(verify(overlap, 0)), "");
}

TEST(Isa, DdrRangeOfGatherCoversTheTable) {
  // Any of the 50 table rows may be read, whatever the 4 indices are.
  std::optional<DdrRange> r = ddrRange(validGather());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->begin, 0u);
  EXPECT_EQ(r->end, 49u * 32 + 8 * 4);
  EXPECT_EQ(dmaDdrRows(validGather()), 50u);
  EXPECT_EQ(dmaDdrRows(validLoad()), 4u);
}

TEST(Checksum, Crc32CheckValue) {
  const char *s = "123456789";
  EXPECT_EQ(crc32(llvm::ArrayRef(reinterpret_cast<const uint8_t *>(s), 9)), 0xCBF43926u);
  EXPECT_EQ(crc32({}), 0u);
}

} // namespace

namespace {

// docs/isa.md embeds the generated field tables; regenerate with `vimq-objdump --isa-tables`.
TEST(Isa, DocumentedTablesMatchIsaDef) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> doc =
      llvm::MemoryBuffer::getFile(VIMQ_SOURCE_DIR "/docs/isa.md");
  ASSERT_TRUE(bool(doc));
  std::string text = (*doc)->getBuffer().str();
  size_t begin = text.find("-->\n", text.find("<!-- BEGIN generated"));
  size_t end = text.find("<!-- END generated -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(text.substr(begin + 4, end - begin - 4), isaFieldTablesMarkdown());
}

} // namespace
