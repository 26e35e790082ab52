//===- RowChainTest.cpp - row-wise ops fused into one tiled loop (RowChains.h) ----------------===//
//
// Fusion keeps the same VECTOR instructions on the same integers, so a fused program must give
// exactly the unfused one's outputs; these tests check that on the sim with several token tiles,
// ragged edges and a broadcast operand, and check the legality rule: an intermediate used
// outside the chain is still stored (and one that is not never reaches DDR), a chain whose
// tile no longer fits is split where it stops fitting, and a quantizer feeds its linear on chip.
//
//===----------------------------------------------------------------------------------------===//
#include "SimTestUtil.h"

#include <random>

using namespace vimq;
using namespace vimq::backend;
using namespace vimq::backend::testing;

namespace {

struct Chain {
  ir::Op *add, *norm, *mul;
};

/// x [B, L, C] (+ pos [1, L, C] broadcast) -> Add -> RMSNorm -> MulImm; outputs the MulImm
/// result and, when `residualOut`, the Add result (an intermediate also used after the chain).
Chain buildChain(ir::Graph &g, int64_t B, int64_t L, int64_t C, bool residualOut,
                 std::mt19937 &rng) {
  const int64_t frac = 10;
  auto rnd = [&](int lo, int hi) { return int32_t(lo + int(rng() % unsigned(hi - lo + 1))); };
  std::vector<int32_t> pos(static_cast<size_t>(L * C)), w(static_cast<size_t>(C));
  for (auto &v : pos)
    v = rnd(-800, 800);
  for (auto &v : w)
    v = rnd(100, 2000);
  ir::Value *x = g.addInput("x", {DType::F32, {B, L, C}});
  ir::Op *ff = g.createOp("q.FromFloat", "ff", {x}, {{DType::I32, {B, L, C}}});
  ff->setAttr("frac", frac);
  Chain ch;
  ch.add = g.createOp("q.Add", "add",
                      {ff->result(), g.addConstant("pos", Tensor::fromVector<int32_t>({1, L, C}, pos))},
                      {{DType::I32, {B, L, C}}});
  ch.add->setAttr("frac", frac);
  ch.norm = g.createOp("q.RMSNorm", "norm",
                       {ch.add->result(), g.addConstant("w", Tensor::fromVector<int32_t>({C}, w))},
                       {{DType::I32, {B, L, C}}});
  ch.norm->setAttr("frac", frac);
  ch.norm->setAttr("eps", 1e-5);
  ch.mul = g.createOp("q.MulImm", "half", {ch.norm->result()}, {{DType::I32, {B, L, C}}});
  ch.mul->setAttr("frac", frac);
  ch.mul->setAttr("imm", int64_t(3));
  ch.mul->setAttr("shift", int64_t(1));
  ir::Op *o = g.createOp("q.ToFloat", "y", {ch.mul->result()}, {{DType::F32, {B, L, C}}});
  o->setAttr("frac", frac);
  g.addOutput(o->result());
  if (residualOut) {
    ir::Op *r = g.createOp("q.ToFloat", "res", {ch.add->result()}, {{DType::F32, {B, L, C}}});
    r->setAttr("frac", frac);
    g.addOutput(r->result());
  }
  return ch;
}

rt::TensorMap inputs(int64_t B, int64_t L, int64_t C, std::mt19937 &rng) {
  Tensor t(DType::F32, {B, L, C});
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = toHost(int32_t(rng() % 6001) - 3000, 10);
  return {{"x", t}};
}

const Checkpoint &checkpointOf(const Lowered &l, const ir::Value *v) {
  for (const Checkpoint &cp : l.checkpoints)
    if (cp.value == v->name())
      return cp;
  ADD_FAILURE() << "no checkpoint for " << v->name();
  return l.checkpoints.front();
}

unsigned storesFrom(const Lowered &l, const ir::Op *op) {
  unsigned n = 0;
  for (const ProgInstr &p : l.prog.instrs())
    n += isa::opcodeOf(p.in) == isa::Opcode::STORE && p.origin == op->describe();
  return n;
}

void expectSameOutputs(const rt::TensorMap &a, const rt::TensorMap &b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto &[name, t] : a) {
    const Tensor &u = b.at(name);
    ASSERT_EQ(t.numel(), u.numel()) << name;
    for (int64_t i = 0; i < t.numel(); ++i)
      ASSERT_EQ(t.data<float>()[i], u.data<float>()[i]) << name << " element " << i;
  }
}

TEST(RowChain, IntermediateUsedElsewhereIsStoredTheOthersStayOnChip) {
  // 2 x 23 tokens of 40 channels on the small target: several tiles per batch element (the
  // broadcast position operand restarts per element) with a ragged last one.
  const int64_t B = 2, L = 23, C = 40;
  std::mt19937 rng(7);
  ir::Graph g;
  g.name = "chain";
  Chain ch = buildChain(g, B, L, C, /*residualOut=*/true, rng);
  auto l = lowerGraph(g, smallBuffers());
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  unsigned chains = 0;
  for (const TileInfo &t : l->tiles)
    if (t.kind == "row-chain") {
      ++chains;
      EXPECT_NE(t.origin.find("'add'"), std::string::npos) << t.origin;
      EXPECT_NE(t.origin.find("'half'"), std::string::npos) << t.origin;
      EXPECT_GT(t.tiles, unsigned(B)) << "expected several tiles per batch element";
    }
  EXPECT_EQ(chains, 1u);
  // The residual (used after the chain) is stored; the norm's result never leaves the chip.
  EXPECT_FALSE(checkpointOf(*l, ch.add->result()).onChip);
  EXPECT_GT(storesFrom(*l, ch.add), 0u);
  EXPECT_TRUE(checkpointOf(*l, ch.norm->result()).onChip);
  EXPECT_EQ(storesFrom(*l, ch.norm), 0u);
  EXPECT_GT(storesFrom(*l, ch.mul), 0u);

  rt::TensorMap in = inputs(B, L, C, rng);
  LowerOptions unfused;
  unfused.fuseRowChains = false;
  rt::TensorMap fusedOut = compileAndRun(g, smallBuffers(), in);
  rt::TensorMap plainOut = compileAndRun(g, smallBuffers(), in, unfused);
  ASSERT_EQ(fusedOut.size(), 2u);
  expectSameOutputs(fusedOut, plainOut);
}

TEST(RowChain, DebugModeChecksTheFusedProgram) {
  // Debug mode compiles the program that really runs: the chain stays fused, every value that
  // reaches DDR is an output, the one kept on chip is not.
  std::mt19937 rng(3);
  ir::Graph g;
  g.name = "chain";
  Chain ch = buildChain(g, 1, 9, 16, /*residualOut=*/true, rng);
  LowerOptions debug;
  debug.checkpointOutputs = true;
  auto l = lowerGraph(g, zcu102(), debug);
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  EXPECT_TRUE(llvm::any_of(l->tiles, [](const TileInfo &t) { return t.kind == "row-chain"; }));
  EXPECT_FALSE(checkpointOf(*l, ch.add->result()).output.empty());
  EXPECT_FALSE(checkpointOf(*l, ch.mul->result()).output.empty());
  EXPECT_TRUE(checkpointOf(*l, ch.norm->result()).onChip);
  EXPECT_TRUE(checkpointOf(*l, ch.norm->result()).output.empty());
}

TEST(RowChain, ChainThatDoesNotFitIsSplitWhereItStopsFitting) {
  // 16 tokens (one engine tile) of 42 channels on the small target (vec half 2048 words):
  // the add alone takes 3 rows of 42 per token -> 16 tokens fit; add + norm also needs the
  // norm weight (42 words) -> 15 tokens, fewer than a full tile, so the add stays alone; the
  // norm then starts a chain that the multiply joins (2 rows + weight -> 23 tokens fit).
  const int64_t B = 1, L = 16, C = 42;
  std::mt19937 rng(11);
  ir::Graph g;
  g.name = "split";
  buildChain(g, B, L, C, /*residualOut=*/false, rng);
  auto l = lowerGraph(g, smallBuffers());
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  std::vector<std::string> kinds;
  for (const TileInfo &t : l->tiles)
    if (t.kind == "vector" || t.kind == "row-chain")
      kinds.push_back(t.kind + (t.origin.find("'add'") != std::string::npos ? ":add" : ""));
  EXPECT_EQ(kinds, (std::vector<std::string>{"vector:add", "row-chain"}));

  rt::TensorMap in = inputs(B, L, C, rng);
  LowerOptions unfused;
  unfused.fuseRowChains = false;
  expectSameOutputs(compileAndRun(g, smallBuffers(), in),
                    compileAndRun(g, smallBuffers(), in, unfused));
}

TEST(RowChain, QuantizerFeedsTheLinearOnChipInSubTiles) {
  // 46 tokens of K = 24 on the small target: the linear takes 32-token tiles (K codes in an
  // act half), the add + norm + quantizer chain only 16 beside that tile's absmax, so each
  // linear tile is filled by two chain sub-tiles (the last ragged: 16 + 14).
  const int64_t L = 46, C = 24, N = 24, frac = 10;
  std::mt19937 rng(5);
  ir::Graph g;
  g.name = "feed";
  Chain ch = buildChain(g, 1, L, C, /*residualOut=*/true, rng);
  // Replace the multiply's consumer: quantize the norm and feed a linear instead.
  ir::Op *qt = g.createOp("q.QuantizeTokens", "qt", {ch.norm->result()},
                          {{DType::I8, {1, L, C}}, {DType::I32, {1, L}}}, ch.mul);
  std::vector<uint8_t> codes(size_t(N * C));
  for (auto &v : codes)
    v = uint8_t(rng() % 16);
  std::vector<int32_t> ws(static_cast<size_t>(N));
  for (auto &v : ws)
    v = int32_t(rng() % 65536);
  ir::Op *lin = g.createOp("q.Linear", "lin",
                           {qt->result(0), qt->result(1),
                            g.addConstant("wq", Tensor::fromVector<uint8_t>({N, C}, codes)),
                            g.addConstant("wsq", Tensor::fromVector<int32_t>({N, 1}, ws))},
                           {{DType::I32, {1, L, N}}}, ch.mul);
  lin->setAttr("wfmt", std::string("apot4"));
  lin->setAttr("block", C);
  lin->setAttr("shift", int64_t(20));
  lin->setAttr("frac", frac);
  lin->setAttr("act", std::string("none"));
  ir::Op *o = g.createOp("q.ToFloat", "lin_out", {lin->result()}, {{DType::F32, {1, L, N}}});
  o->setAttr("frac", frac);
  g.addOutput(o->result());

  auto l = lowerGraph(g, smallBuffers());
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  const TileInfo *chain = nullptr, *linear = nullptr;
  for (const TileInfo &t : l->tiles) {
    if (t.kind == "row-chain" && t.origin.find("'lin'") != std::string::npos)
      chain = &t;
    if (t.kind == "linear")
      linear = &t;
  }
  ASSERT_TRUE(chain && linear);
  EXPECT_EQ(linear->tokenTile, 32);
  EXPECT_EQ(chain->tokenTile, 16);
  EXPECT_EQ(chain->tiles, 3u);
  EXPECT_TRUE(checkpointOf(*l, qt->result(0)).onChip);
  EXPECT_TRUE(checkpointOf(*l, qt->result(1)).onChip);
  EXPECT_EQ(storesFrom(*l, qt), 0u);

  rt::TensorMap in = inputs(1, L, C, rng);
  LowerOptions unfused;
  unfused.fuseRowChains = false;
  rt::TensorMap fusedOut = compileAndRun(g, smallBuffers(), in);
  ASSERT_EQ(fusedOut.size(), 3u);
  expectSameOutputs(fusedOut, compileAndRun(g, smallBuffers(), in, unfused));
}

} // namespace
