//===- LoweringSimTest.cpp - q graphs compiled and run on the sim vs the engine functions -----===//
//
// Small q graphs built by hand, compiled with odd sizes that force several token and channel
// tiles and edge tiles, run through the runtime on the sim device, and compared bit for bit
// with the hw engine functions applied to the whole tensors (the numerics the golden model is
// specified by). Exact equality: the overlay is integer throughout, so any difference is a bug.
//
//===----------------------------------------------------------------------------------------===//
#include "SimTestUtil.h"

#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/VectorEngine.h"
#include "vimq/runtime/Session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace vimq;
using namespace vimq::backend;
using namespace vimq::backend::testing;

namespace {

struct LinearCase {
  int64_t B, L, K, N;
};

/// x (f32, exact multiples of 2^-frac) -> FromFloat -> QuantizeTokens -> Linear -> ToFloat.
void checkLinear(const TargetInfo &target, LinearCase lc, bool bias, const char *act) {
  const int64_t B = lc.B, L = lc.L, K = lc.K, N = lc.N;
  const int64_t block = std::min<int64_t>(32, K), nb = (K + block - 1) / block;
  const int64_t frac = 8, shift = 20;
  std::mt19937 rng(unsigned(K * 131 + N));
  ir::Graph g;
  g.name = "linear";
  ir::Value *x = g.addInput("x", {DType::F32, {B, L, K}});
  ir::Op *ff = g.createOp("q.FromFloat", "ff", {x}, {{DType::I32, {B, L, K}}});
  ff->setAttr("frac", int64_t(frac));
  ir::Op *qt = g.createOp("q.QuantizeTokens", "qt", {ff->result()},
                          {{DType::I8, {B, L, K}}, {DType::I32, {B, L}}});
  std::vector<uint8_t> codes(size_t(N * K));
  for (auto &c : codes)
    c = uint8_t(rng() % 16);
  std::vector<int32_t> ws(static_cast<size_t>(N * nb)), bs(static_cast<size_t>(N));
  for (auto &s : ws)
    s = int32_t(rng() % 65536);
  for (auto &b : bs)
    b = int32_t(rng() % 20001) - 10000;
  llvm::SmallVector<ir::Value *, 5> ops = {
      qt->result(0), qt->result(1),
      g.addConstant("w", Tensor::fromVector<uint8_t>({N, K}, codes)),
      g.addConstant("ws", Tensor::fromVector<int32_t>({N, nb}, ws))};
  if (bias)
    ops.push_back(g.addConstant("b", Tensor::fromVector<int32_t>({N}, bs)));
  ir::Op *lin = g.createOp("q.Linear", "lin", ops, {{DType::I32, {B, L, N}}});
  lin->setAttr("wfmt", std::string("apot4"));
  lin->setAttr("block", block);
  lin->setAttr("shift", shift);
  lin->setAttr("frac", frac);
  lin->setAttr("act", std::string(act));
  ir::Op *tf = g.createOp("q.ToFloat", "tf", {lin->result()}, {{DType::F32, {B, L, N}}});
  tf->setAttr("frac", frac);
  g.addOutput(tf->result());

  auto compiled = compileGraph(g, target, {"linear", "vimq", {}, {}});
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());

  std::vector<int32_t> xi(size_t(B * L * K));
  Tensor xt(DType::F32, {B, L, K});
  for (size_t i = 0; i < xi.size(); ++i) {
    xi[i] = int32_t(rng() % 4001) - 2000;
    xt.data<float>()[i] = float(std::ldexp(double(xi[i]), -int(frac)));
  }
  auto dev = rt::Device::open("sim");
  ASSERT_TRUE(bool(dev));
  // A program tiled for the small test target is valid on zcu102's larger buffers: run it
  // there. A board's program runs on that board's simulator (every board is built in).
  if (target.name() == "small") {
    compiled->bundle.fingerprint = zcu102().fingerprint();
    compiled->bundle.target = "zcu102";
  }
  auto session = rt::Session::create(compiled->bundle, **dev);
  ASSERT_TRUE(bool(session)) << llvm::toString(session.takeError());
  auto out = session->run({{"x", xt}});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());

  // Reference: the engines on whole tensors.
  const int64_t M = B * L;
  std::vector<int8_t> q(size_t(M * K));
  std::vector<int32_t> a(static_cast<size_t>(M)), y(static_cast<size_t>(M * N));
  hw::vecAbsmaxQuantize(int(M), int(K), xi.data(), q.data(), a.data());
  std::vector<uint16_t> ws16(ws.begin(), ws.end());
  hw::LinearParams p;
  p.m = int(M), p.k = int(K), p.n = int(N), p.block = int(block), p.shift = int(shift);
  p.outFrac = int(frac);
  p.act = std::string(act) == "silu" ? hw::Activation::Silu : hw::Activation::None;
  hw::linearEngine(p, q.data(), codes.data(), ws16.data(), a.data(), bias ? bs.data() : nullptr,
                   y.data());
  const Tensor &got = out->at("tf");
  ASSERT_EQ(got.numel(), M * N);
  for (int64_t i = 0; i < M * N; ++i)
    ASSERT_EQ(got.data<float>()[i], float(std::ldexp(double(y[size_t(i)]), -int(frac))))
        << "element " << i;
}

TEST(LoweringSim, LinearSingleTile) { checkLinear(zcu102(), {1, 5, 40, 24}, true, "none"); }

// Compiled for vc709 (48 x 32 LINEAR tiles, DSP MACs) and run on the sim's vc709 target.
TEST(LoweringSim, LinearOnVc709) {
  auto vc709 = TargetInfo::load("vc709");
  ASSERT_TRUE(bool(vc709)) << llvm::toString(vc709.takeError());
  checkLinear(*vc709, {2, 53, 100, 70}, true, "silu");
}

TEST(LoweringSim, LinearEdgeTilesOnSmallBuffers) {
  // K = 72 (a partial last scale block), N = 37 and 2 x 23 tokens: several token and output
  // tiles with ragged edges on the small target.
  checkLinear(smallBuffers(), {2, 23, 72, 37}, true, "none");
  checkLinear(smallBuffers(), {3, 7, 20, 70}, false, "silu");
}

TEST(Tiler, EdgeTilesCoverEverythingOnce) {
  // 2 x 23 = 46 tokens of K = 72 on the small target (14 tokens fit half of its activation
  // buffer, fewer than one 16-row engine tile): every LINEAR has the op's tile size or is the
  // ragged last tile, and the m x n blocks cover the output exactly once.
  ir::Graph g;
  const int64_t M = 46, K = 72, N = 37;
  ir::Value *x = g.addInput("x", {DType::F32, {2, 23, K}});
  ir::Op *ff = g.createOp("q.FromFloat", "ff", {x}, {{DType::I32, {2, 23, K}}});
  ff->setAttr("frac", int64_t(8));
  ir::Op *qt = g.createOp("q.QuantizeTokens", "qt", {ff->result()},
                          {{DType::I8, {2, 23, K}}, {DType::I32, {2, 23}}});
  std::vector<uint8_t> codes(size_t(N * K), 1);
  std::vector<int32_t> ws(size_t(N * 3), 1);
  ir::Op *lin = g.createOp("q.Linear", "lin",
                           {qt->result(0), qt->result(1),
                            g.addConstant("w", Tensor::fromVector<uint8_t>({N, K}, codes)),
                            g.addConstant("ws", Tensor::fromVector<int32_t>({N, 3}, ws))},
                           {{DType::I32, {2, 23, N}}});
  lin->setAttr("wfmt", std::string("apot4"));
  ir::Op *tf = g.createOp("q.ToFloat", "tf", {lin->result()}, {{DType::F32, {2, 23, N}}});
  tf->setAttr("frac", int64_t(8));
  g.addOutput(tf->result());
  auto l = lowerGraph(g, smallBuffers());
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  const TileInfo &t = l->tiles[1];
  EXPECT_EQ(t.kind, "linear");
  EXPECT_EQ(t.tokenTile, 14);
  int64_t rowsTimesCols = 0;
  for (const ProgInstr &p : l->prog.instrs()) {
    if (isa::opcodeOf(p.in) != isa::Opcode::LINEAR)
      continue;
    int64_t m = int64_t(isa::getBits(p.in, isa::fld::LINEAR_m));
    int64_t n = int64_t(isa::getBits(p.in, isa::fld::LINEAR_n));
    EXPECT_TRUE(m == t.tokenTile || m == M % t.tokenTile) << m;
    EXPECT_TRUE(n == t.channelTile || n == N % t.channelTile) << n;
    EXPECT_EQ(isa::getBits(p.in, isa::fld::LINEAR_k), uint64_t(K)); // K never split
    rowsTimesCols += m * n;
  }
  EXPECT_EQ(rowsTimesCols, M * N);
  EXPECT_EQ(t.tiles, unsigned(((M + t.tokenTile - 1) / t.tokenTile) *
                              ((N + t.channelTile - 1) / t.channelTile)));
}

TEST(LoweringSim, CompilingTwiceIsByteIdentical) {
  // Determinism of the whole backend, on the smallest graph with every stage.
  auto build = [] {
    ir::Graph g;
    ir::Value *x = g.addInput("x", {DType::F32, {1, 4, 8}});
    ir::Op *ff = g.createOp("q.FromFloat", "ff", {x}, {{DType::I32, {1, 4, 8}}});
    ff->setAttr("frac", int64_t(4));
    ir::Op *fl = g.createOp("q.Flip", "fl", {ff->result()}, {{DType::I32, {1, 4, 8}}});
    ir::Op *tf = g.createOp("q.ToFloat", "tf", {fl->result()}, {{DType::F32, {1, 4, 8}}});
    tf->setAttr("frac", int64_t(4));
    g.addOutput(tf->result());
    auto c = compileGraph(g, zcu102(), {"m", "vimq", {}, {}});
    EXPECT_TRUE(bool(c));
    auto bytes = isa::serializeBundle(c->bundle);
    EXPECT_TRUE(bool(bytes));
    return *bytes;
  };
  EXPECT_EQ(build(), build());
}

TEST(LoweringSim, RowWiderThanABufferHalfIsAnErrorNamingTheOp) {
  ir::Graph g;
  const int64_t K = 5000; // > 2048/2 bytes of the tiny target's activation half
  ir::Value *x = g.addInput("x", {DType::F32, {1, 2, K}});
  ir::Op *ff = g.createOp("q.FromFloat", "ff", {x}, {{DType::I32, {1, 2, K}}});
  ff->setAttr("frac", int64_t(4));
  ir::Op *qt = g.createOp("q.QuantizeTokens", "wide_quant", {ff->result()},
                          {{DType::I8, {1, 2, K}}, {DType::I32, {1, 2}}});
  ir::Op *tf = g.createOp("q.ToFloat", "tf", {ff->result()}, {{DType::F32, {1, 2, K}}});
  tf->setAttr("frac", int64_t(4));
  g.addOutput(tf->result());
  (void)qt;
  auto c = compileGraph(g, smallBuffers(), {"m", "vimq", {}, {}});
  ASSERT_FALSE(bool(c));
  std::string msg = llvm::toString(c.takeError());
  EXPECT_NE(msg.find("wide_quant"), std::string::npos) << msg;
}

} // namespace
