//===- ReportTest.cpp - per-op / per-layer cycles, fidelity, the run report ----------------===//
#include "vimq/runtime/Report.h"

#include <gtest/gtest.h>

using namespace vimq;
using namespace vimq::rt;

TEST(Report, LayerOfNodeNames) {
  EXPECT_EQ(layerOf("/layers.3/mixer/in_proj/MatMul"), "layers.3");
  EXPECT_EQ(layerOf("/backbone/layers.12/mixer/SSDScan"), "layers.12");
  EXPECT_EQ(layerOf("/backbone/embedding/Gather"), "embedding");
  EXPECT_EQ(layerOf("/lm_head/MatMul"), "lm_head");
  EXPECT_EQ(layerOf("/patch_embed/proj/Conv"), "patch_embed");
  EXPECT_EQ(layerOf("/Concat"), "Concat");
  EXPECT_EQ(layerOf("logits"), "logits");
  EXPECT_EQ(layerOf("/layers.x/Add"), "layers.x"); // not a number: the first component
}

namespace {
isa::Bundle bundleWithOps() {
  isa::Bundle b;
  // Two ops, the second a row chain of two ops sharing one range, and a value with no
  // instructions; instruction 5 (FINISH) belongs to none.
  b.metadata = R"json({"checkpoints": [
    {"op": "node '/layers.0/in_proj/MatMul' (q.Linear)", "first_instr": 0, "end_instr": 2},
    {"op": "node '/layers.0/norm' (q.RMSNorm)", "first_instr": 2, "end_instr": 5},
    {"op": "node '/layers.0/q' (q.QuantizeTokens)", "first_instr": 2, "end_instr": 5},
    {"op": "node 'x.in' (q.FromFloat)", "first_instr": 0, "end_instr": 0}]})json";
  return b;
}

Profile profileOf(std::vector<InstrTiming> t) {
  Profile p;
  p.cycles = 100;
  p.clockMhz = 100;
  for (const char *u : {"fetch", "load", "linear", "conv", "ssm", "vector", "store"})
    p.units.push_back({u, 0, 0, 0, 0, 0, 0, 0});
  p.instructions = std::move(t);
  return p;
}
} // namespace

TEST(Report, CyclesByOpChargesEveryInstructionOnce) {
  isa::Bundle b = bundleWithOps();
  Profile p = profileOf({{0, 1, 0, 10, 64},
                         {1, 2, 10, 30, 0},
                         {2, 5, 30, 40, 0},
                         {3, 5, 40, 45, 0},
                         {4, 6, 45, 50, 32},
                         {5, 1, 50, 51, 0}});
  auto ops = cyclesByOp(b, p);
  ASSERT_TRUE(bool(ops)) << llvm::toString(ops.takeError());
  ASSERT_EQ(ops->size(), 3u);
  EXPECT_EQ((*ops)[0].name, "/layers.0/in_proj/MatMul");
  EXPECT_EQ((*ops)[0].kind, "q.Linear");
  EXPECT_EQ((*ops)[0].instructions, 2u);
  EXPECT_EQ((*ops)[0].span(), 30u);
  EXPECT_EQ((*ops)[0].busy[1], 10u);
  EXPECT_EQ((*ops)[0].busy[2], 20u);
  EXPECT_EQ((*ops)[0].ddrBytes, 64u);
  EXPECT_EQ((*ops)[1].name, "/layers.0/norm + /layers.0/q");
  EXPECT_EQ((*ops)[1].kind, "q.RMSNorm + q.QuantizeTokens");
  EXPECT_EQ((*ops)[1].instructions, 3u);
  EXPECT_EQ((*ops)[1].busyTotal(), 20u);
  EXPECT_EQ((*ops)[2].name, "(program)");
  EXPECT_EQ((*ops)[2].instructions, 1u);
  auto layers = cyclesByLayer(*ops);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].name, "layers.0");
  EXPECT_EQ(layers[0].instructions, 5u);
  EXPECT_EQ(layers[0].span(), 50u);
  EXPECT_EQ(layers[0].ddrBytes, 96u);

  ReportInput in;
  in.bundlePath = "m.vimq";
  in.device = "sim (zcu102)";
  in.bundle = &b;
  in.profile = &p;
  in.ops = *ops;
  in.layers = layers;
  std::string html = reportHtml(in);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("/layers.0/norm + /layers.0/q"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos); // self-contained, no scripts
  std::string json = reportJson(in);
  EXPECT_NE(json.find("\"busy_share\""), std::string::npos);
}

TEST(Report, CyclesByOpNeedsTimingsAndMetadata) {
  isa::Bundle b = bundleWithOps();
  auto none = cyclesByOp(b, profileOf({}));
  ASSERT_FALSE(bool(none));
  EXPECT_NE(llvm::toString(none.takeError()).find("no per-instruction timings"),
            std::string::npos);
  isa::Bundle bare;
  bare.metadata = "{}";
  auto noMeta = cyclesByOp(bare, profileOf({{0, 1, 0, 1, 0}}));
  ASSERT_FALSE(bool(noMeta));
  EXPECT_NE(llvm::toString(noMeta.takeError()).find("not made by vimq-compile"),
            std::string::npos);
  bare.metadata = "{\"checkpoints\": [{\"op\": 3}]}";
  auto bad = cyclesByOp(bare, profileOf({{0, 1, 0, 1, 0}}));
  ASSERT_FALSE(bool(bad));
  llvm::consumeError(bad.takeError());
}

TEST(Report, Fidelity) {
  Tensor a = Tensor::fromVector<float>({2, 3}, {1, 2, 3, 3, 2, 1});
  Tensor b = Tensor::fromVector<float>({2, 3}, {1, 2, 3.5f, 1, 2, 1});
  auto f = compareOutput("logits", a, b);
  ASSERT_TRUE(bool(f));
  EXPECT_EQ(f->rows, 2);
  EXPECT_DOUBLE_EQ(f->top1Agreement, 0.5); // row 1: argmax 0 vs 1
  EXPECT_DOUBLE_EQ(f->maxAbsError, 2.0);
  EXPECT_GT(f->cosine, 0.8);
  EXPECT_LT(f->cosine, 1.0);
  auto same = compareOutput("logits", a, a);
  ASSERT_TRUE(bool(same));
  EXPECT_DOUBLE_EQ(same->cosine, 1.0);
  auto shape = compareOutput("logits", a, Tensor::fromVector<float>({3}, {1, 2, 3}));
  ASSERT_FALSE(bool(shape));
  EXPECT_NE(llvm::toString(shape.takeError()).find("reference for 'logits' has shape"),
            std::string::npos);
}
