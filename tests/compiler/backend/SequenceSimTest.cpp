//===- SequenceSimTest.cpp - conv and scan tiles chained through carried state, on the sim ---===//
//
// Sizes chosen so that, on the small-buffer target, the conv runs 2 token tiles (history
// carried) and the scan 2 channel tiles x 5 token tiles (state carried), over 2 batch elements.
// Reference: the hw engine functions on whole sequences. Exact equality (integer datapath).
//
//===----------------------------------------------------------------------------------------===//
#include "SimTestUtil.h"

#include "vimq/hw/ConvEngine.h"
#include "vimq/hw/SsmEngine.h"

#include <random>

using namespace vimq;
using namespace vimq::backend;
using namespace vimq::backend::testing;

namespace {

TEST(SequenceSim, ConvThenGatedScanWithCarries) {
  const int64_t B = 2, L = 37, C = 40, N = 16, K = 4, frac = 12, shift = 14;
  std::mt19937 rng(11);
  auto rnd = [&](int lo, int hi) { return int32_t(lo + int(rng() % unsigned(hi - lo + 1))); };
  ir::Graph g;
  g.name = "seq";
  auto input = [&](const char *name, int64_t cols, int lo, int hi, std::vector<int32_t> &ints,
                   rt::TensorMap &feeds) {
    ir::Value *v = g.addInput(name, {DType::F32, {B, L, cols}});
    ir::Op *ff = g.createOp("q.FromFloat", std::string("ff_") + name, {v},
                            {{DType::I32, {B, L, cols}}});
    ff->setAttr("frac", frac);
    Tensor t(DType::F32, {B, L, cols});
    ints.resize(size_t(B * L * cols));
    for (size_t i = 0; i < ints.size(); ++i) {
      ints[i] = rnd(lo, hi);
      t.data<float>()[i] = toHost(ints[i], frac);
    }
    feeds[name] = std::move(t);
    return ff->result();
  };
  rt::TensorMap feeds;
  std::vector<int32_t> x, dt, bm, cm, z;
  ir::Value *xv = input("x", C, -8000, 8000, x, feeds);
  ir::Value *dtv = input("dt", C, 0, 2000, dt, feeds); // Δ ∈ [0, 0.5)
  ir::Value *bv = input("b", N, -4096, 4096, bm, feeds);
  ir::Value *cv = input("c", N, -4096, 4096, cm, feeds);
  ir::Value *zv = input("z", C, -8000, 8000, z, feeds);

  std::vector<uint8_t> codes(size_t(C * K));
  for (auto &c : codes)
    c = uint8_t(rng() % 32);
  std::vector<int32_t> ws(static_cast<size_t>(C)), bias(static_cast<size_t>(C)),
      A(static_cast<size_t>(C * N)), D(static_cast<size_t>(C));
  for (int64_t i = 0; i < C; ++i) {
    ws[size_t(i)] = rnd(1, 65535);
    bias[size_t(i)] = rnd(-2000, 2000);
    D[size_t(i)] = rnd(-4096, 4096);
  }
  for (auto &a : A)
    a = rnd(-16000, -100); // A < 0: a decaying state
  ir::Op *conv = g.createOp(
      "q.Conv1d", "conv",
      {xv, g.addConstant("cw", Tensor::fromVector<uint8_t>({C, K}, codes)),
       g.addConstant("cws", Tensor::fromVector<int32_t>({C}, ws)),
       g.addConstant("cb", Tensor::fromVector<int32_t>({C}, bias))},
      {{DType::I32, {B, L, C}}});
  conv->setAttr("wfmt", std::string("apot5"));
  conv->setAttr("shift", shift);
  conv->setAttr("frac", frac);
  conv->setAttr("silu", int64_t(1));
  ir::Op *scan = g.createOp("q.SelectiveScan", "scan",
                            {conv->result(), dtv,
                             g.addConstant("A", Tensor::fromVector<int32_t>({C, N}, A)), bv, cv,
                             g.addConstant("D", Tensor::fromVector<int32_t>({C}, D)), zv},
                            {{DType::I32, {B, L, C}}});
  scan->setAttr("frac", frac);
  ir::Op *tf = g.createOp("q.ToFloat", "out", {scan->result()}, {{DType::F32, {B, L, C}}});
  tf->setAttr("frac", frac);
  g.addOutput(tf->result());
  ir::Op *tc = g.createOp("q.ToFloat", "conv_out", {conv->result()}, {{DType::F32, {B, L, C}}});
  tc->setAttr("frac", frac);
  g.addOutput(tc->result());

  rt::TensorMap out = compileAndRun(g, smallBuffers(), feeds);
  ASSERT_EQ(out.count("out"), 1u);
  // Debug mode: every intermediate value comes back as an output "cp<N>" (N in graph order:
  // the five FromFloat results are host conversions without checkpoint, conv is cp0).
  LowerOptions debug;
  debug.checkpointOutputs = true;
  rt::TensorMap dbg = compileAndRun(g, smallBuffers(), feeds, debug);
  ASSERT_EQ(dbg.count("cp0"), 1u);
  ASSERT_EQ(dbg.count("cp1"), 1u);
  EXPECT_EQ(dbg["out"].numel(), out["out"].numel());
  for (int64_t i = 0; i < out["conv_out"].numel(); ++i)
    ASSERT_EQ(toHost(dbg["cp0"].data<int32_t>()[i], frac), out["conv_out"].data<float>()[i]);
  for (int64_t i = 0; i < out["out"].numel(); ++i)
    ASSERT_EQ(toHost(dbg["cp1"].data<int32_t>()[i], frac), out["out"].data<float>()[i]);

  std::vector<uint16_t> ws16(ws.begin(), ws.end());
  for (int64_t b = 0; b < B; ++b) {
    const size_t xo = size_t(b * L * C), no = size_t(b * L * N);
    std::vector<int32_t> y1(size_t(L * C)), y2(size_t(L * C)), state(size_t(C * N), 0);
    hw::ConvParams cp;
    cp.l = int(L), cp.c = int(C), cp.kernel = int(K), cp.shift = int(shift);
    cp.outFrac = int(frac), cp.act = hw::Activation::Silu;
    // The engine reads a causal window: K-1 rows before the first token (zeros here).
    std::vector<int32_t> window(size_t((K - 1) * C), 0);
    window.insert(window.end(), x.begin() + long(xo), x.begin() + long(xo + size_t(L * C)));
    hw::convEngine(cp, window.data(), codes.data(), ws16.data(), bias.data(), y1.data());
    hw::SelectiveScanParams sp;
    sp.l = int(L), sp.d = int(C), sp.n = int(N);
    sp.f = {int(frac), int(frac), int(frac), int(frac), int(frac), int(frac), int(frac),
            int(frac), int(frac)};
    hw::selectiveScan(sp, y1.data(), &dt[xo], A.data(), &bm[no], &cm[no], D.data(), &z[xo],
                      state.data(), y2.data());
    for (int64_t i = 0; i < L * C; ++i)
      ASSERT_EQ(out["conv_out"].data<float>()[xo + size_t(i)], toHost(y1[size_t(i)], frac))
          << "conv: batch " << b << " token " << i / C << " channel " << i % C;
    for (int64_t i = 0; i < L * C; ++i)
      ASSERT_EQ(out["out"].data<float>()[xo + size_t(i)], toHost(y2[size_t(i)], frac))
          << "batch " << b << " token " << i / C << " channel " << i % C;
  }
}

} // namespace
