//===- PipelineTest.cpp - the ViM-Q passes on a small hand-built block ----------------------===//
//
// x -> RMSNorm -> Linear (in) -> SiLU -> Linear (out, bias) -> + x : the skeleton of a ViM block
// with an outlier channel, small enough to check every pass property exactly.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/golden/Golden.h"
#include "vimq/interp/Interpreter.h"
#include "vimq/quant/Passes.h"
#include "vimq/quant/QOps.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace vimq;
using namespace vimq::quant;

namespace {

constexpr int64_t kB = 2, kL = 6, kD = 40, kH = 72; // K not multiples of 32 on purpose

Tensor randn(Shape s, std::mt19937 &rng, float scale) {
  std::normal_distribution<float> d(0, scale);
  Tensor t(DType::F32, s);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = d(rng);
  return t;
}

std::unique_ptr<ir::Graph> buildBlock(const char *extraOp = nullptr) {
  std::mt19937 rng(1);
  auto g = std::make_unique<ir::Graph>();
  ir::Value *x = g->addInput("x", {DType::F32, {kB, kL, kD}});
  Tensor nw = randn({kD}, rng, 0.2f);
  for (int64_t i = 0; i < kD; ++i)
    nw.data<float>()[i] += 1;
  nw.data<float>()[3] = 30; // an outlier channel after the norm
  ir::Value *w = g->addConstant("norm.w", nw);
  ir::Op *norm = g->createOp("vimq.RMSNorm", "norm", {x, w}, {{DType::F32, {kB, kL, kD}}});
  norm->setAttr("eps", 1e-5);
  ir::Op *in = g->createOp("vimq.Linear", "in_proj",
                           {norm->result(), g->addConstant("in.w", randn({kH, kD}, rng, 0.15f))},
                           {{DType::F32, {kB, kL, kH}}});
  ir::Op *act = g->createOp(extraOp ? extraOp : "vimq.SiLU", "act", {in->result()},
                            {{DType::F32, {kB, kL, kH}}});
  ir::Op *out = g->createOp("vimq.Linear", "out_proj",
                            {act->result(), g->addConstant("out.w", randn({kD, kH}, rng, 0.1f)),
                             g->addConstant("out.b", randn({kD}, rng, 0.1f))},
                            {{DType::F32, {kB, kL, kD}}});
  ir::Op *res = g->createOp("onnx.Add", "residual", {x, out->result()},
                            {{DType::F32, {kB, kL, kD}}});
  g->addOutput(res->result());
  return g;
}

llvm::Error quantize(ir::Graph &g, const QuantOptions &opts = {}, bool fuse = true) {
  PassManager pm;
  if (fuse) {
    buildQuantPipeline(pm, opts);
  } else {
    pm.add(createCalibratePass(opts));
    pm.add(createSmoothPass(opts));
    pm.add(createQuantizeWeightsPass(opts));
    pm.add(createLowerToFixedPointPass(opts));
  }
  return pm.run(g);
}

interp::NamedTensors sampleInput() {
  std::mt19937 rng(99);
  interp::NamedTensors in;
  in["x"] = randn({kB, kL, kD}, rng, 1.0f);
  return in;
}

TEST(QuantPipeline, ProducesOnlyVerifiedQOps) {
  auto g = buildBlock();
  ASSERT_FALSE(bool(quantize(*g)));
  EXPECT_FALSE(bool(verifyQuantizedGraph(*g)));
  unsigned linears = 0;
  for (const auto &op : g->ops())
    linears += op->is("q.Linear");
  EXPECT_EQ(linears, 2u);
  // The SiLU after in_proj is fused into the linear.
  std::string text = ir::toString(*g);
  EXPECT_NE(text.find("act = \"silu\""), std::string::npos) << text;
  EXPECT_EQ(text.find("q.SiLU"), std::string::npos) << text;
}

TEST(QuantPipeline, Deterministic) {
  auto a = buildBlock(), b = buildBlock();
  ASSERT_FALSE(bool(quantize(*a)));
  ASSERT_FALSE(bool(quantize(*b)));
  ir::PrintOptions all;
  all.printConstants = true;
  all.maxElems = 1 << 20;
  EXPECT_EQ(ir::toString(*a, all), ir::toString(*b, all));
}

double cosine(const Tensor &a, const Tensor &b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = a.data<float>()[i], y = b.data<float>()[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

TEST(QuantPipeline, GoldenTracksFP32AndSmoothingMatters) {
  auto fp = buildBlock();
  auto ref = interp::Interpreter(*fp).run(sampleInput());
  ASSERT_TRUE(bool(ref)) << llvm::toString(ref.takeError());
  // The residual carries much of the output, so compare the block's own contribution:
  // subtracting x from both keeps the test sensitive to the quantized branch.
  Tensor x = sampleInput()["x"];
  auto branch = [&](const Tensor &y) {
    Tensor d = y;
    for (int64_t i = 0; i < d.numel(); ++i)
      d.data<float>()[i] -= x.data<float>()[i];
    return d;
  };
  Tensor refBranch = branch(ref->begin()->second);
  auto run = [&](QuantOptions opts) {
    auto g = buildBlock();
    EXPECT_FALSE(bool(quantize(*g, opts)));
    auto out = golden::evaluate(*g, sampleInput());
    EXPECT_TRUE(bool(out));
    return cosine(refBranch, branch(out->begin()->second));
  };
  double withSmooth = run({});
  QuantOptions noSmooth;
  noSmooth.smooth = false;
  double without = run(noSmooth);
  RecordProperty("cosine_smooth", std::to_string(withSmooth));
  RecordProperty("cosine_no_smooth", std::to_string(without));
  // 4-bit weights and 8-bit tokens on two random linears: measured 0.996 with smoothing and
  // 0.990 without (the outlier channel takes the int8 range of every token). 0.98 leaves room
  // for other seeds while a broken quantizer (wrong scale, sign or block) falls far below, and
  // smoothing must keep its advantage on an outlier channel.
  EXPECT_GT(withSmooth, 0.98) << withSmooth;
  EXPECT_GT(withSmooth, without) << withSmooth << " vs " << without;
}

TEST(QuantPipeline, FusionIsBitExact) {
  auto a = buildBlock(), b = buildBlock();
  ASSERT_FALSE(bool(quantize(*a, {}, /*fuse=*/false)));
  ASSERT_FALSE(bool(quantize(*b, {}, /*fuse=*/true)));
  EXPECT_LT(b->numOps(), a->numOps());
  auto ya = golden::evaluate(*a, sampleInput()), yb = golden::evaluate(*b, sampleInput());
  ASSERT_TRUE(ya && yb);
  EXPECT_TRUE(ya->begin()->second.sameAs(yb->begin()->second));
}

TEST(QuantPipeline, SmoothingFoldsIntoTheNormAndKeepsFP32Semantics) {
  auto g = buildBlock();
  auto before = interp::Interpreter(*g).run(sampleInput());
  PassManager pm;
  pm.add(createCalibratePass({}));
  pm.add(createSmoothPass({}));
  ASSERT_FALSE(bool(pm.run(*g)));
  std::string text = ir::toString(*g);
  EXPECT_NE(text.find("smooth.fold = \"norm\""), std::string::npos) << text;
  EXPECT_NE(text.find("smooth.fold = \"scale\""), std::string::npos) << text;
  auto after = interp::Interpreter(*g).run(sampleInput());
  ASSERT_TRUE(before && after);
  // x/s·(W·s) is the same function; only f32 rounding of the rescaled weights differs.
  EXPECT_GT(cosine(before->begin()->second, after->begin()->second), 1 - 1e-6);
}

TEST(QuantPipeline, UnsupportedOpIsAnErrorNamingTheNode) {
  auto g = buildBlock("onnx.Tanh");
  llvm::Error e = quantize(*g);
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("node 'act' (onnx.Tanh)"), std::string::npos) << msg;
}

TEST(QuantPipeline, StaticScalesAblationMarksTheQuantizer) {
  auto g = buildBlock();
  QuantOptions opts;
  opts.staticActivationScales = true;
  ASSERT_FALSE(bool(quantize(*g, opts)));
  EXPECT_NE(ir::toString(*g).find("static_absmax"), std::string::npos);
}

} // namespace
