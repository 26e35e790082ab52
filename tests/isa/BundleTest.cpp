//===- BundleTest.cpp - .vimq writer/reader and malformed bundles ---------------------===//

#include "vimq/isa/Bundle.h"
#include "vimq/isa/Checksum.h"
#include "vimq/isa/ProgramAsm.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace vimq::isa;

namespace {

const char *kProgram = R"(
.target zcu102
.fingerprint 0x1122334455667788
.buffer 0 weights 64
.bytes 0 0 1 2 3 4 250
.buffer 1 input 128
.buffer 2 output 128
.input x buf=1 off=0 dtype=i32 shape=2x16 host=fixed frac=8
.output y buf=2 off=0 dtype=i32 shape=2x16
.meta {"producer": "test"}
LOAD buf=vec, dtype=i32, pitch=16, rows=2, cols=16, ddr_buf=1, ddr_stride=64 ; push=store
STORE buf=vec, dtype=i32, pitch=16, rows=2, cols=16, ddr_buf=2, ddr_stride=64 ; pop=load
FINISH
)";

Bundle assembled(const std::string &text = kProgram) {
  llvm::Expected<Bundle> b = assembleProgram(text, "t.s");
  EXPECT_TRUE(bool(b)) << llvm::toString(b.takeError());
  return b ? std::move(*b) : Bundle();
}

std::vector<uint8_t> bytesOf(const Bundle &b) {
  llvm::Expected<std::string> s = serializeBundle(b);
  EXPECT_TRUE(bool(s)) << llvm::toString(s.takeError());
  return s ? std::vector<uint8_t>(s->begin(), s->end()) : std::vector<uint8_t>();
}

std::string parseError(llvm::ArrayRef<uint8_t> bytes) {
  llvm::Expected<Bundle> b = parseBundle(bytes, "b.vimq");
  return b ? std::string("ok") : llvm::toString(b.takeError());
}

uint32_t le32(const std::vector<uint8_t> &v, size_t at) {
  return v[at] | v[at + 1] << 8 | v[at + 2] << 16 | uint32_t(v[at + 3]) << 24;
}
uint64_t le64(const std::vector<uint8_t> &v, size_t at) {
  return le32(v, at) | uint64_t(le32(v, at + 4)) << 32;
}
void put32(std::vector<uint8_t> &v, size_t at, uint32_t x) {
  for (int i = 0; i < 4; ++i)
    v[at + i] = uint8_t(x >> (8 * i));
}

/// Byte offset of the section of `kind` (docs/bundle.md: table at 64, 32-byte entries).
size_t sectionOffset(const std::vector<uint8_t> &v, uint32_t kind) {
  for (uint32_t i = 0; i < le32(v, 48); ++i)
    if (le32(v, 64 + 32 * i) == kind)
      return le64(v, 64 + 32 * i + 8);
  ADD_FAILURE() << "no section " << kind;
  return 0;
}

/// Recomputes every section checksum and the header checksum after a deliberate edit, so a
/// test reaches the semantic checks behind them.
/// Entries that a corruption made unreadable are left alone (the parser must reject them).
void rechecksum(std::vector<uint8_t> &v) {
  uint32_t n = std::min<uint32_t>(le32(v, 48), (v.size() - 64) / 32);
  for (uint32_t i = 0; i < n; ++i) {
    size_t e = 64 + 32 * i;
    uint64_t off = le64(v, e + 8), size = le64(v, e + 16);
    if (off <= v.size() && size <= v.size() - off)
      put32(v, e + 24, crc32(llvm::ArrayRef(v).slice(off, size)));
  }
  put32(v, 52, 0);
  put32(v, 52, crc32(llvm::ArrayRef(v).take_front(64 + 32 * n)));
}

TEST(Bundle, WriteReadRoundTrip) {
  Bundle b = assembled();
  std::vector<uint8_t> bytes = bytesOf(b);
  llvm::Expected<Bundle> back = parseBundle(bytes, "b.vimq");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->fingerprint, 0x1122334455667788u);
  EXPECT_EQ(back->target, "zcu102");
  EXPECT_EQ(back->code, b.code);
  ASSERT_EQ(back->buffers.size(), 3u);
  EXPECT_EQ(back->buffers[0].init, (std::vector<uint8_t>{1, 2, 3, 4, 250}));
  ASSERT_EQ(back->inputs.size(), 1u);
  EXPECT_EQ(back->inputs[0].host, HostFormat::fixed);
  EXPECT_EQ(back->inputs[0].frac, 8);
  EXPECT_EQ(back->outputs[0].shape, (llvm::SmallVector<int64_t, 4>{2, 16}));
  EXPECT_EQ(back->metadata, R"({"producer": "test"})");
  // Serialization is deterministic and the disassembly reassembles to the same bytes.
  EXPECT_EQ(bytesOf(*back), bytes);
  EXPECT_EQ(bytesOf(assembled(disassembleProgram(*back, /*compact=*/false))), bytes);
  EXPECT_EQ(sectionOffset(bytes, 1) % 64, 0u);
}

TEST(Bundle, BadMagic) {
  std::vector<uint8_t> v = bytesOf(assembled());
  v[0] = 'X';
  EXPECT_EQ(parseError(v), "b.vimq: bad magic (not a .vimq bundle)");
}

TEST(Bundle, Truncated) {
  std::vector<uint8_t> v = bytesOf(assembled());
  EXPECT_EQ(parseError({}), "b.vimq: truncated: 0 bytes, the header alone needs 64");
  EXPECT_EQ(parseError(llvm::ArrayRef(v).take_front(63)),
            "b.vimq: truncated: 63 bytes, the header alone needs 64");
  for (size_t len : {size_t(64), size_t(100), v.size() - 1})
    EXPECT_NE(parseError(llvm::ArrayRef(v).take_front(len)).find("truncated"), std::string::npos)
        << len;
}

TEST(Bundle, ChecksumMismatch) {
  std::vector<uint8_t> v = bytesOf(assembled());
  v[sectionOffset(v, 1) + 40] ^= 1; // a bit inside the code section
  EXPECT_NE(parseError(v).find("b.vimq: section 'code' checksum mismatch"), std::string::npos)
      << parseError(v);
  std::vector<uint8_t> h = bytesOf(assembled());
  h[20] ^= 1; // the fingerprint
  EXPECT_NE(parseError(h).find("header checksum mismatch"), std::string::npos);
}

TEST(Bundle, UnknownOpcodeAndBadField) {
  std::vector<uint8_t> v = bytesOf(assembled());
  size_t code = sectionOffset(v, 1);
  std::vector<uint8_t> unknown = v;
  unknown[code] = 0x2a;
  rechecksum(unknown);
  EXPECT_EQ(parseError(unknown), "b.vimq: instruction 0: unknown opcode 42");

  std::vector<uint8_t> badField = v;
  badField[code + 3] |= 0x38; // LOAD.dtype (bits 27..29) = 7
  rechecksum(badField);
  EXPECT_EQ(parseError(badField),
            "b.vimq: instruction 0 (LOAD): dtype = 7 is not a DType value");

  EXPECT_EQ(llvm::toString(assembleProgram("LOAD rows=99999\nFINISH", "p.s").takeError()),
            "p.s:1: LOAD.rows = 99999 is outside [0, 65535]");
}

TEST(Bundle, DmaOutsideBuffer) {
  std::string prog = kProgram;
  // 3 rows of 64 bytes from a 128-byte input buffer.
  prog.replace(prog.find("rows=2, cols=16, ddr_buf=1"), 6, "rows=3");
  EXPECT_EQ(llvm::toString(assembleProgram(prog, "p.s").takeError()),
            "p.s: instruction 0 (LOAD): DDR bytes [0, 192) lie outside buffer 1 (128 bytes)");

  std::string toWeights = kProgram;
  toWeights.replace(toWeights.find("ddr_buf=2"), 9, "ddr_buf=0");
  EXPECT_NE(llvm::toString(assembleProgram(toWeights, "p.s").takeError())
                .find("writes weights buffer 0"),
            std::string::npos);

  // The same through patched bytes: LOAD.ddr_off (bits 128..159) = 0x100.
  std::vector<uint8_t> v = bytesOf(assembled());
  v[sectionOffset(v, 1) + 17] = 1;
  rechecksum(v);
  EXPECT_EQ(parseError(v), "b.vimq: instruction 0 (LOAD): DDR bytes [256, 384) lie outside "
                           "buffer 1 (128 bytes)");
}

TEST(Bundle, ProgramMustEndWithFinish) {
  EXPECT_EQ(llvm::toString(assembleProgram(".buffer 0 scratch 4\n", "p.s").takeError()),
            "p.s: the program is empty (it must end with FINISH)");
  EXPECT_EQ(llvm::toString(assembleProgram("FINISH\nFINISH\n", "p.s").takeError()),
            "p.s: instruction 0: FINISH before the end of the program");
}

// Found by fuzzing (issue 13): a 2 KB bundle declared 4 GiB of zero-filled buffers, which every
// session allocated and copied. Initial data is paid for by the file; the zeros are bounded.
TEST(Bundle, ZeroFilledBuffersAreBounded) {
  auto err = [](const std::string &buffers) {
    llvm::Expected<Bundle> b = assembleProgram(buffers + "FINISH\n", "p.s");
    return b ? std::string("ok") : llvm::toString(b.takeError());
  };
  EXPECT_EQ(err(".buffer 0 scratch 1073741824\n"), "ok");
  EXPECT_EQ(err(".buffer 0 scratch 1073741824\n.buffer 1 output 1\n"),
            "p.s: buffer 1: the buffers hold more than 1073741824 bytes beyond their initial "
            "data (input, output, scratch and zero tails of weights)");
  // A weights buffer's initial bytes do not count, its zero tail does.
  EXPECT_EQ(err(".buffer 0 scratch 1073741823\n.buffer 1 weights 2\n.bytes 1 0 7\n"), "ok");
  EXPECT_NE(err(".buffer 0 scratch 1073741823\n.buffer 1 weights 3\n.bytes 1 0 7\n"), "ok");

  // The same through the reader: the scratch buffer of a valid bundle grown to 3 GiB.
  std::string prog = kProgram;
  prog.replace(prog.find(".buffer 2"), 0, ".buffer 3 scratch 16\n");
  std::vector<uint8_t> v = bytesOf(assembled(prog));
  size_t entry = sectionOffset(v, 2) + 8; // buffers section: count, then 32-byte rows
  while (le32(v, entry) != 3)
    entry += 32;
  put32(v, entry + 8, 0xc0000000u);
  rechecksum(v);
  EXPECT_EQ(parseError(v), "b.vimq: buffer 3: the buffers hold more than 1073741824 bytes beyond "
                           "their initial data (input, output, scratch and zero tails of "
                           "weights)");
}

// Found by fuzzing (issue 13): a scalar I/O printed as `shape=` did not assemble again.
TEST(Bundle, ScalarIoRoundTrips) {
  std::string prog = kProgram;
  prog.replace(prog.find("shape=2x16 host"), 10, "shape=");
  Bundle b = assembled(prog);
  ASSERT_EQ(b.inputs.size(), 1u);
  EXPECT_TRUE(b.inputs[0].shape.empty());
  std::string text = disassembleProgram(b);
  EXPECT_NE(text.find("shape= host=fixed"), std::string::npos) << text;
  EXPECT_EQ(bytesOf(assembled(text)), bytesOf(b));
}

TEST(Bundle, MetadataAndDataRoundTripByteForByte) {
  Bundle b = assembled(kProgram);
  // Every byte value, newlines, quotes, backslashes and '#' (the assembler's comment sign).
  std::string meta = "{\n \"a\": \"x#y\\\\z\"\t}";
  for (int c = 0; c < 256; ++c)
    meta += char(c);
  b.metadata = meta;
  std::string text = disassembleProgram(b);
  // The program first, the data and the metadata last.
  EXPECT_LT(text.find("FINISH"), text.find(".meta")) << text;
  Bundle again = assembled(text);
  EXPECT_EQ(again.metadata, meta);
  EXPECT_EQ(bytesOf(again), bytesOf(b));
  // A one-line .meta without quotes keeps working; malformed quoted forms are errors.
  EXPECT_EQ(assembled(std::string(kProgram) + ".meta {\"k\": 1}\n").metadata, "{\"k\": 1}");
  for (const char *bad : {".meta \"abc", ".meta \"a\\q\"", ".meta \"\\x4\"", ".meta \"a\" b",
                          ".hex 0 0 abc", ".hex 0 0 zz", ".hex 0"}) {
    auto r = assembleProgram(std::string(kProgram) + bad + "\n", "bad.s");
    EXPECT_FALSE(bool(r)) << bad;
    if (!r)
      llvm::consumeError(r.takeError());
  }
}

/// A token-id input and a gathering LOAD of an i16 table of 10 rows through it.
const char *kGatherProgram = R"(
.target zcu102
.fingerprint 0x1122334455667788
.buffer 0 weights 160
.buffer 1 input 64
.buffer 2 output 256
.input ids buf=1 off=0 dtype=i32 shape=2x4 host=index limit=10
.output y buf=2 off=0 dtype=i32 shape=8x8
LOAD buf=vec, dtype=i32, addr=100, pitch=8, rows=1, cols=8, ddr_buf=1, ddr_stride=32
LOAD buf=vec, dtype=i16, gather=1, pitch=8, rows=8, cols=8, ddr_buf=0, ddr_stride=16, idx_addr=100, limit=10 ; push=store
STORE buf=vec, dtype=i32, pitch=8, rows=8, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load
FINISH
)";

TEST(Bundle, IndexInputAndGatherRoundTrip) {
  Bundle b = assembled(kGatherProgram);
  std::vector<uint8_t> bytes = bytesOf(b);
  EXPECT_EQ(le32(bytes, 8), kBundleFormatVersion);
  EXPECT_EQ(kBundleFormatVersion, 2u);
  llvm::Expected<Bundle> back = parseBundle(bytes, "b.vimq");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  ASSERT_EQ(back->inputs.size(), 1u);
  EXPECT_EQ(back->inputs[0].host, HostFormat::index);
  EXPECT_EQ(back->inputs[0].limit, 10u);
  EXPECT_EQ(back->code, b.code);
  // The limit is at byte 76 of the I/O entry (docs/bundle.md).
  EXPECT_EQ(le32(bytes, sectionOffset(bytes, 4) + 8 + 76), 10u);
  std::string text = disassembleProgram(*back);
  EXPECT_NE(text.find("host=index limit=10"), std::string::npos) << text;
  EXPECT_EQ(bytesOf(assembled(text)), bytes);
}

TEST(Bundle, IndexInputsAreStrict) {
  auto err = [](std::string prog, const char *from, const char *to) {
    prog.replace(prog.find(from), std::strlen(from), to);
    llvm::Expected<Bundle> b = assembleProgram(prog, "p.s");
    return b ? std::string("ok") : llvm::toString(b.takeError());
  };
  const char *kNeeds = "p.s: input 'ids': the index host format needs an input of dtype i32, "
                       "frac 0 and a limit >= 1";
  EXPECT_EQ(err(kGatherProgram, "limit=10\n", "\n"), kNeeds);
  EXPECT_EQ(err(kGatherProgram, "dtype=i32 shape=2x4", "dtype=i16 shape=2x4"), kNeeds);
  EXPECT_EQ(err(kGatherProgram, "host=index limit=10", "host=index frac=3 limit=10"), kNeeds);
  EXPECT_EQ(err(kGatherProgram, "host=index limit=10", "host=raw limit=10"),
            "p.s: input 'ids': limit 10 is only meaningful for the index host format");
  EXPECT_EQ(err(kGatherProgram, "shape=8x8", "shape=8x8 host=index limit=3"),
            "p.s: output 'y': the index host format needs an input of dtype i32, frac 0 and a "
            "limit >= 1");
  EXPECT_NE(err(kGatherProgram, "host=index limit=10", "host=index limit=4294967296")
                .find("limit 4294967296 exceeds the 32-bit field"),
            std::string::npos);
  // The static range check covers the whole table: 11 rows of 16 bytes exceed 160 bytes.
  EXPECT_EQ(err(kGatherProgram, "idx_addr=100, limit=10", "idx_addr=100, limit=11"),
            "p.s: instruction 1 (LOAD): DDR bytes [0, 176) lie outside buffer 0 (160 bytes)");

  // Through patched bytes: an unknown host format, and reserved bytes of an I/O entry.
  std::vector<uint8_t> v = bytesOf(assembled(kGatherProgram));
  const size_t io = sectionOffset(v, 4) + 8;
  std::vector<uint8_t> host = v;
  host[io + 66] = 3;
  rechecksum(host);
  EXPECT_EQ(parseError(host), "b.vimq: input 'ids': unknown host format 3");
  for (size_t at : {size_t(70), size_t(88 + 2 * 8), size_t(159)}) {
    std::vector<uint8_t> reserved = v;
    reserved[io + at] = 1;
    rechecksum(reserved);
    EXPECT_EQ(parseError(reserved), "b.vimq: I/O 'ids': reserved bytes are not zero") << at;
  }
}

// Found by fuzzing (issue 13): a `.bytes` far into a huge buffer allocated every byte before it.
TEST(Bundle, AssemblerBoundsInitialData) {
  auto err = [](const std::string &text) {
    llvm::Expected<Bundle> b = assembleProgram(text + "FINISH\n", "p.s");
    return b ? std::string("ok") : llvm::toString(b.takeError());
  };
  EXPECT_EQ(err(".buffer 0 weights 18446744073709551615\n"),
            "p.s:1: buffer size 18446744073709551615 exceeds the 4294967296-byte limit of a "
            "bundle");
  EXPECT_EQ(err(".buffer 0 weights 4294967296\n.bytes 0 4294967000 1\n"),
            "p.s:2: offset 4294967000 leaves a gap of more than 1048576 bytes after the 0 bytes "
            "of initial data of buffer 0 (give the zeros in between explicitly)");
  EXPECT_EQ(err(".buffer 0 weights 16777216\n.bytes 0 0 1\n.bytes 0 1048577 2\n"), "ok");
  EXPECT_NE(err(".buffer 0 weights 16777216\n.bytes 0 0 1\n.bytes 0 1048578 2\n").find("gap"),
            std::string::npos);
}

// Random corruption (with checksums repaired so the parser gets past them) never crashes: it
// either parses or reports an error. Run under ASan/UBSan via the `asan` label.
TEST(Bundle, RandomCorruptionIsAnError) {
  std::vector<uint8_t> good = bytesOf(assembled());
  std::mt19937 rng(7);
  int rejected = 0;
  for (int iter = 0; iter < 500; ++iter) {
    std::vector<uint8_t> v = good;
    for (int k = 0; k < 3; ++k)
      v[rng() % v.size()] ^= uint8_t(1u << (rng() % 8));
    if (iter % 2)
      rechecksum(v);
    if (parseError(v) != "ok")
      ++rejected;
  }
  EXPECT_GT(rejected, 250); // at least every un-repaired one
}

} // namespace
