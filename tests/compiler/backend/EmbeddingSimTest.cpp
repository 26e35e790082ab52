//===- EmbeddingSimTest.cpp - token ids → q.Embedding on the overlay vs the golden model -----===//
//
// input_ids (int64 [B, L]) -> q.FromIndex -> q.Embedding (i16 table [V, D]) -> q.ToFloat,
// compiled by the backend (gathering LOADs), run on the sim through the runtime and through
// `vimq-run` on the written bundle, and compared bit for bit with the golden model.
//
//===----------------------------------------------------------------------------------------===//
#include "SimTestUtil.h"

#include "vimq/golden/Golden.h"
#include "vimq/isa/Bundle.h"
#include "vimq/support/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

using namespace vimq;
using namespace vimq::backend;
using namespace vimq::backend::testing;

namespace {

constexpr int64_t kFrac = 10;

struct EmbeddingModel {
  ir::Graph g;
  Tensor table;
  std::string out;
  EmbeddingModel(int64_t B, int64_t L, int64_t V, int64_t D, unsigned seed) {
    std::mt19937 rng(seed);
    g.name = "embedding";
    table = Tensor(DType::I16, {V, D});
    for (int64_t i = 0; i < table.numel(); ++i)
      table.data<int16_t>()[i] = int16_t(rng());
    table.data<int16_t>()[0] = INT16_MIN;
    table.data<int16_t>()[table.numel() - 1] = INT16_MAX;
    ir::Value *x = g.addInput("input_ids", {DType::I64, {B, L}});
    ir::Op *fi = g.createOp("q.FromIndex", "ids", {x}, {{DType::I32, {B, L}}});
    fi->setAttr("limit", V);
    ir::Op *emb = g.createOp("q.Embedding", "wte", {fi->result(), g.addConstant("wte", table)},
                             {{DType::I32, {B, L, D}}});
    emb->setAttr("frac", kFrac);
    ir::Op *tf = g.createOp("q.ToFloat", "hidden", {emb->result()}, {{DType::F32, {B, L, D}}});
    tf->setAttr("frac", kFrac);
    g.addOutput(tf->result());
    out = tf->result()->name();
  }
};

/// The golden model's output `name` for the ids.
llvm::Expected<Tensor> goldenOutput(const EmbeddingModel &m, const Tensor &ids) {
  interp::NamedTensors in;
  in["input_ids"] = ids;
  auto out = golden::evaluate(m.g, in);
  if (!out)
    return out.takeError();
  return out->lookup(m.out);
}

/// Ids covering both ends of the table, repeats, and the rest random.
Tensor randomIds(int64_t B, int64_t L, int64_t V, unsigned seed) {
  std::mt19937 rng(seed);
  Tensor ids(DType::I64, {B, L});
  for (int64_t i = 0; i < ids.numel(); ++i)
    ids.data<int64_t>()[i] = int64_t(rng() % uint64_t(V));
  ids.data<int64_t>()[0] = 0;
  ids.data<int64_t>()[ids.numel() - 1] = V - 1;
  ids.data<int64_t>()[1] = V - 1;
  return ids;
}

void checkEmbedding(const TargetInfo &target, int64_t B, int64_t L, int64_t V, int64_t D,
                    unsigned expectTiles = 0) {
  SCOPED_TRACE(::testing::Message() << "B=" << B << " L=" << L << " V=" << V << " D=" << D
                                  << " on " << target.name());
  EmbeddingModel m(B, L, V, D, unsigned(V * 7 + D));
  Tensor ids = randomIds(B, L, V, unsigned(D));
  llvm::Expected<Tensor> want = goldenOutput(m, ids);
  ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());

  auto lowered = lowerGraph(m.g, target);
  ASSERT_TRUE(bool(lowered)) << llvm::toString(lowered.takeError());
  ASSERT_EQ(lowered->inputs.size(), 1u);
  EXPECT_EQ(lowered->inputs[0].host, isa::HostFormat::index);
  EXPECT_EQ(lowered->inputs[0].limit, uint32_t(V));
  const TileInfo *tile = nullptr;
  for (const TileInfo &t : lowered->tiles)
    if (t.kind == "embedding")
      tile = &t;
  ASSERT_NE(tile, nullptr);
  if (expectTiles) {
    EXPECT_EQ(tile->tiles, expectTiles);
  }

  // int64 ids (as PyTorch gives them) and the same ids as int32.
  Tensor ids32(DType::I32, {B, L});
  for (int64_t i = 0; i < ids.numel(); ++i)
    ids32.data<int32_t>()[i] = int32_t(ids.data<int64_t>()[i]);
  for (const Tensor *in : {&ids, &ids32}) {
    rt::TensorMap got = compileAndRun(m.g, target, {{"input_ids", *in}});
    ASSERT_EQ(got.count(m.out), 1u);
    const Tensor &y = got.at(m.out), &w = *want;
    ASSERT_EQ(y.numel(), w.numel());
    for (int64_t i = 0; i < y.numel(); ++i)
      ASSERT_EQ(y.data<float>()[i], w.data<float>()[i]) << "element " << i;
  }
}

TEST(EmbeddingSim, OneColumnTile) { checkEmbedding(zcu102(), 2, 37, 100, 64); }

TEST(EmbeddingSim, WideRowsAndEdgeTokenTiles) {
  checkEmbedding(zcu102(), 2, 37, 100, 200);
  // Half of the small target's vec holds 10 tokens of 200 columns (and their ids): 8 token
  // tiles for 74 tokens, the last one ragged.
  checkEmbedding(smallBuffers(), 2, 37, 100, 200, 8);
}

TEST(EmbeddingSim, RowsWiderThanHalfOfVecAreColumnTiled) {
  // 3000 columns on the small target (2048 words per half): 2047 + 953 columns, 1 token each.
  checkEmbedding(smallBuffers(), 1, 3, 50, 3000, 6);
}

TEST(EmbeddingSim, GatherReadsTheIdsItsLoadWrote) {
  // Every gathering LOAD reads vec indices that the LOAD before it wrote (same module: in
  // order), reads the whole table in DDR and writes the rows the STORE after it reads.
  EmbeddingModel m(1, 5, 20, 8, 3);
  auto lowered = lowerGraph(m.g, zcu102());
  ASSERT_TRUE(bool(lowered)) << llvm::toString(lowered.takeError());
  unsigned gathers = 0;
  for (const ProgInstr &p : lowered->prog.instrs()) {
    if (!isa::isGatherLoad(p.in))
      continue;
    ++gathers;
    ASSERT_EQ(p.reads.size(), 2u);
    EXPECT_EQ(p.reads[0].end - p.reads[0].begin, 19u * 16 + 16); // all 20 rows of 8 x i16
    EXPECT_EQ(p.reads[1].space, unsigned(isa::Buf::vec));
    EXPECT_EQ(p.reads[1].end - p.reads[1].begin, 5u);
    EXPECT_EQ(isa::getBits(p.in, isa::fld::LOAD_limit), 20u);
  }
  EXPECT_EQ(gathers, 1u);
}

TEST(EmbeddingSim, GraphInputsNeedAConversion) {
  // A token-id input read by anything but q.FromIndex has no DDR form.
  ir::Graph g;
  ir::Value *x = g.addInput("x", {DType::I32, {1, 2}});
  ir::Op *emb = g.createOp("q.Embedding", "wte",
                           {x, g.addConstant("wte", Tensor(DType::I16, {4, 2}))},
                           {{DType::I32, {1, 2, 2}}});
  ir::Op *tf = g.createOp("q.ToFloat", "y", {emb->result()}, {{DType::F32, {1, 2, 2}}});
  g.addOutput(tf->result());
  auto l = lowerGraph(g, zcu102());
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(llvm::toString(l.takeError()),
            "node 'wte' (q.Embedding): graph input 'x' must be converted by q.FromFloat or "
            "q.FromIndex");
}

/// The compiled bundle through `vimq-run`, as a user runs it: int64 and int32 .npy ids give the
/// golden model's output; an id outside the table is an error naming the input and position.
TEST(EmbeddingSim, VimqRunEndToEnd) {
  const int64_t B = 2, L = 37, V = 100, D = 64;
  EmbeddingModel m(B, L, V, D, 5);
  Tensor ids = randomIds(B, L, V, 9);
  llvm::Expected<Tensor> want = goldenOutput(m, ids);
  ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
  auto compiled = compileGraph(m.g, zcu102(), {"embedding", "vimq", {}, {}});
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());

  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vimq-embedding", dir));
  auto path = [&](llvm::StringRef name) {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  };
  ASSERT_FALSE(bool(isa::writeBundleFile(path("m.vimq"), compiled->bundle)));
  Tensor ids32(DType::I32, {B, L});
  for (int64_t i = 0; i < ids.numel(); ++i)
    ids32.data<int32_t>()[i] = int32_t(ids.data<int64_t>()[i]);
  Tensor bad = ids;
  bad.data<int64_t>()[L + 3] = V; // batch 1, token 3
  ASSERT_FALSE(bool(writeNpy(path("i64.npy"), ids)));
  ASSERT_FALSE(bool(writeNpy(path("i32.npy"), ids32)));
  ASSERT_FALSE(bool(writeNpy(path("bad.npy"), bad)));
  auto run = [&](const std::string &npy, const std::string &out, std::string &log) {
    const std::string cmd = std::string(VIMQ_RUN) + " " + path("m.vimq") + " --input input_ids=" +
                            path(npy) + " --output " + path(out) + " > " + path("log") + " 2>&1";
    int status = std::system(cmd.c_str());
    std::ifstream in(path("log"));
    std::stringstream ss;
    ss << in.rdbuf();
    log = ss.str();
    return status;
  };
  std::string log;
  for (const char *npy : {"i64.npy", "i32.npy"}) {
    ASSERT_EQ(run(npy, std::string("out-") + npy, log), 0) << log;
    llvm::Expected<Tensor> y = readNpy(path(std::string("out-") + npy + "/" + m.out + ".npy"));
    ASSERT_TRUE(bool(y)) << llvm::toString(y.takeError());
    EXPECT_EQ(y->values<float>(), want->values<float>()) << npy;
  }
  EXPECT_NE(run("bad.npy", "out-bad", log), 0);
  EXPECT_NE(log.find("input 'input_ids': id 100 at position [1, 3] is outside [0, 100)"),
            std::string::npos)
      << log;
  EXPECT_FALSE(llvm::sys::fs::exists(path("out-bad")));
  llvm::sys::fs::remove_directories(dir);
}

} // namespace
