//===- FrontendPassesTest.cpp - folding and lifting on small hand-built graphs ---------------===//
//
// Each test builds the op sequence torch emits for one construct, runs the frontend pipeline
// (or one pass), checks the lifted form, and checks that the interpreter gives the same
// outputs for the graph before and after (the lifting is exact up to float reassociation).
// Sizes are deliberately odd (batch 2, non-square images, widths not multiples of 8).
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/interp/Interpreter.h"
#include "vimq/onnx/Importer.h"
#include "vimq/passes/PassManager.h"

#include "llvm/ADT/StringMap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

using namespace vimq;
using ir::Op;
using ir::TensorType;
using ir::Value;

namespace {

/// A small graph builder; op names follow torch's "/path/Op" style so errors read naturally.
struct Builder {
  ir::Graph g;
  std::mt19937 rng{42};

  Tensor randn(Shape s, float scale = 1.0f) {
    Tensor t(DType::F32, s);
    std::normal_distribution<float> d(0.0f, scale);
    for (int64_t i = 0; i < t.numel(); ++i)
      t.data<float>()[i] = d(rng);
    return t;
  }
  Value *input(const std::string &n, Shape s, DType dt = DType::F32) {
    return g.addInput(n, TensorType{dt, s});
  }
  Value *weight(const std::string &n, Shape s) { return g.addConstant(n, randn(s, 0.5f)); }
  Value *scalar(float v) { return g.addConstant(g.uniqueName("c"), Tensor::scalar<float>(v)); }
  Value *ints(std::vector<int64_t> v) {
    return g.addConstant(g.uniqueName("i"),
                         Tensor::fromVector<int64_t>({int64_t(v.size())}, v));
  }
  Value *op(const std::string &kind, std::vector<Value *> operands, Shape resultShape,
            std::map<std::string, ir::Attr> attrs = {}, DType dt = DType::F32) {
    Op *o = g.createOp("onnx." + kind, "/" + kind + std::to_string(g.numOps()), operands,
                       {TensorType{dt, resultShape}});
    for (auto &[k, v] : attrs)
      o->setAttr(k, v);
    return o->result(0);
  }
  Value *transpose(Value *x, std::vector<int64_t> perm) {
    Shape s;
    for (int64_t p : perm)
      s.push_back(x->shape()[size_t(p)]);
    return op("Transpose", {x}, s, {{"perm", perm}});
  }
  Value *silu(Value *x) {
    Value *s = op("Sigmoid", {x}, x->type().shape);
    return op("Mul", {x, s}, x->type().shape);
  }
  /// torch's RMSNorm: x * (1 / sqrt(mean(x^2) + eps)) * w
  Value *rmsNorm(Value *x, Value *w, float eps) {
    Shape s = x->type().shape, red = s;
    red.back() = 1;
    Value *sq = op("Pow", {x, scalar(2)}, s);
    Value *m = op("ReduceMean", {sq}, red, {{"axes", std::vector<int64_t>{-1}}});
    Value *a = op("Add", {m, scalar(eps)}, red);
    Value *r = op("Sqrt", {a}, red);
    Value *inv = op("Div", {scalar(1), r}, red);
    Value *n = op("Mul", {x, inv}, s);
    return op("Mul", {n, w}, s);
  }
};

llvm::Error runPasses(ir::Graph &g, std::vector<std::string> names) {
  registerFrontendPasses();
  PassManager pm;
  if (names.empty()) {
    buildFrontendPipeline(pm);
  } else {
    for (const std::string &n : names)
      if (llvm::Error e = pm.add(n))
        return e;
  }
  return pm.run(g);
}

std::map<std::string, int> opCounts(const ir::Graph &g) {
  std::map<std::string, int> c;
  for (const auto &op : g.ops())
    ++c[op->kind()];
  return c;
}

/// Builds the graph twice, lifts one copy, and compares interpreter outputs on random inputs.
/// Tolerance: the lifted ops evaluate the same float32 math with different association
/// (e.g. a dot product vs MatMul+Add, mean-of-squares vs Pow/ReduceMean); with O(1) data and
/// reductions of at most a few dozen terms that stays within a few ulps, far below 1e-5.
void expectSameNumerics(const std::function<void(Builder &)> &build,
                        std::vector<std::string> passes = {},
                        const std::function<void(const ir::Graph &)> &checkLifted = {}) {
  Builder ref, lifted;
  build(ref);
  build(lifted);
  ASSERT_FALSE(bool(ir::verify(ref.g)));
  llvm::Error e = runPasses(lifted.g, passes);
  ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
  if (checkLifted)
    checkLifted(lifted.g);

  interp::NamedTensors inputs;
  std::mt19937 rng(7);
  for (const Value *in : ref.g.inputs()) {
    Tensor t(in->dtype(), in->shape());
    if (in->dtype() == DType::F32) {
      std::normal_distribution<float> d(0, 1);
      for (int64_t i = 0; i < t.numel(); ++i)
        t.data<float>()[i] = d(rng);
    } else {
      for (int64_t i = 0; i < t.numel(); ++i)
        t.data<int64_t>()[i] = int64_t(rng() % 5);
    }
    inputs.insert({in->name(), std::move(t)});
  }
  auto a = interp::Interpreter(ref.g).run(inputs);
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  auto b = interp::Interpreter(lifted.g).run(inputs);
  ASSERT_TRUE(bool(b)) << llvm::toString(b.takeError());
  ASSERT_EQ(a->size(), b->size());
  for (auto &[name, ta] : *a) {
    auto it = b->find(name);
    ASSERT_NE(it, b->end()) << "output '" << name << "' renamed by lifting";
    const Tensor &tb = it->second;
    ASSERT_EQ(ta.shape(), tb.shape()) << name;
    std::vector<float> fa = ta.toFloats(), fb = tb.toFloats();
    for (size_t i = 0; i < fa.size(); ++i)
      ASSERT_NEAR(fa[i], fb[i], 1e-5 * (1 + std::fabs(fa[i]))) << name << "[" << i << "]";
  }
}

TEST(LiftLinear, MatMulPlusBiasBecomesLinearWithNKWeight) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 7, 5});
        Value *w = b.weight("w", {5, 3});
        Value *mm = b.op("MatMul", {x, w}, {2, 7, 3});
        // torch puts the bias first
        b.g.addOutput(b.op("Add", {b.weight("bias", {3}), mm}, {2, 7, 3}));
      },
      {"lift-linear"},
      [](const ir::Graph &g) {
        ASSERT_EQ(g.numOps(), 1u);
        const Op &lin = *g.ops().front();
        EXPECT_EQ(lin.kind(), "vimq.Linear");
        EXPECT_EQ(lin.operand(1)->type().str(), "f32[3, 5]");
        EXPECT_EQ(lin.numOperands(), 3u);
      });
}

TEST(LiftLinear, GemmWithTransBAlphaBeta) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {3, 6});
        b.g.addOutput(b.op("Gemm", {x, b.weight("w", {4, 6}), b.weight("c", {4})}, {3, 4},
                           {{"transB", int64_t(1)}, {"alpha", 0.5}, {"beta", 2.0}}));
      },
      {"lift-linear"},
      [](const ir::Graph &g) { EXPECT_EQ(opCounts(g)["vimq.Linear"], 1); });
}

TEST(LiftLinear, TiedHeadSharesEmbeddingTable) {
  expectSameNumerics(
      [](Builder &b) {
        Value *ids = b.input("ids", {2, 3}, DType::I64);
        Value *table = b.weight("emb", {11, 6});
        Value *h = b.op("Gather", {table, ids}, {2, 3, 6}, {{"axis", int64_t(0)}});
        // torch folds the head's transpose into its own initializer
        Value *wt = b.g.addConstant("head_t", [&] {
          Tensor t(DType::F32, {6, 11});
          for (int64_t i = 0; i < 11; ++i)
            for (int64_t j = 0; j < 6; ++j)
              t.data<float>()[j * 11 + i] = table->constant()->data<float>()[i * 6 + j];
          return t;
        }());
        b.g.addOutput(b.op("MatMul", {h, wt}, {2, 3, 11}));
      },
      {},
      [](const ir::Graph &g) {
        const Op *emb = nullptr, *lin = nullptr;
        for (const auto &op : g.ops()) {
          if (op->is("vimq.Embedding"))
            emb = op.get();
          if (op->is("vimq.Linear"))
            lin = op.get();
        }
        ASSERT_TRUE(emb && lin);
        EXPECT_EQ(emb->operand(1), lin->operand(1)) << "the LM head must share the table";
      });
}

TEST(LiftNorms, TorchRMSNorm) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 5, 9});
        b.g.addOutput(b.rmsNorm(x, b.weight("w", {9}), 1e-5f));
      },
      {"lift-norms"},
      [](const ir::Graph &g) {
        ASSERT_EQ(g.numOps(), 1u);
        EXPECT_EQ(g.ops().front()->kind(), "vimq.RMSNorm");
        EXPECT_FLOAT_EQ(float(g.ops().front()->getFloat("eps", 0)), 1e-5f);
      });
}

TEST(LiftNorms, DivBySqrtAndSquareByMul) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {3, 10});
        Value *sq = b.op("Mul", {x, x}, {3, 10});
        Value *m = b.op("ReduceMean", {sq}, {3, 1}, {{"axes", std::vector<int64_t>{1}}});
        Value *s = b.op("Sqrt", {b.op("Add", {b.scalar(1e-6f), m}, {3, 1})}, {3, 1});
        Value *n = b.op("Div", {x, s}, {3, 10});
        b.g.addOutput(b.op("Mul", {b.weight("w", {10}), n}, {3, 10}));
      },
      {"lift-norms"},
      [](const ir::Graph &g) { EXPECT_EQ(opCounts(g)["vimq.RMSNorm"], 1); });
}

TEST(LiftNorms, GroupedGatedRMSNorm) {
  // Mamba2's RMSNormGated(norm_before_gate=False) with 3 groups of 4 channels.
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 5, 12});
        Value *z = b.input("z", {2, 5, 12});
        Value *t = b.op("Mul", {x, b.silu(z)}, {2, 5, 12});
        Value *tg = b.op("Reshape", {t, b.ints({2, 5, 3, 4})}, {2, 5, 3, 4});
        Value *sq = b.op("Pow", {tg, b.scalar(2)}, {2, 5, 3, 4});
        Value *m = b.op("ReduceMean", {sq}, {2, 5, 3, 1}, {{"axes", std::vector<int64_t>{-1}}});
        Value *r = b.op("Sqrt", {b.op("Add", {m, b.scalar(1e-5f)}, {2, 5, 3, 1})}, {2, 5, 3, 1});
        Value *inv = b.op("Reciprocal", {r}, {2, 5, 3, 1});
        Value *n = b.op("Mul", {tg, inv}, {2, 5, 3, 4});
        Value *back = b.op("Reshape", {n, b.ints({2, 5, 12})}, {2, 5, 12});
        b.g.addOutput(b.op("Mul", {back, b.weight("w", {12})}, {2, 5, 12}));
      },
      {},
      [](const ir::Graph &g) {
        ASSERT_EQ(g.numOps(), 1u);
        EXPECT_EQ(g.ops().front()->kind(), "vimq.GatedRMSNorm");
        EXPECT_EQ(g.ops().front()->getInt("group_size", 0), 4);
      });
}

TEST(LiftActivations, SiLUAndSoftplusForms) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 7});
        Value *e = b.op("Exp", {x}, {2, 7});
        Value *sp = b.op("Log", {b.op("Add", {b.scalar(1), e}, {2, 7})}, {2, 7});
        Value *sp2 = b.op("Softplus", {x}, {2, 7});
        b.g.addOutput(b.op("Add", {b.op("Add", {b.silu(x), sp}, {2, 7}), sp2}, {2, 7}));
      },
      {"lift-activations"},
      [](const ir::Graph &g) {
        auto c = opCounts(g);
        EXPECT_EQ(c["vimq.SiLU"], 1);
        EXPECT_EQ(c["vimq.Softplus"], 2);
        EXPECT_EQ(c["onnx.Sigmoid"], 0);
      });
}

TEST(LiftConv1d, CausalDepthwiseConvWithSliceAndSiLU) {
  // x token-major [B,L,C] -> Transpose -> Conv(pad K-1 both sides) -> Slice[:L] -> SiLU ->
  // Transpose back -> Add; after the pipeline no Transpose is left.
  expectSameNumerics(
      [](Builder &b) {
        const int64_t B = 2, L = 6, C = 5, K = 4;
        Value *x = b.input("x", {B, L, C});
        Value *xt = b.transpose(x, {0, 2, 1});
        Value *conv = b.op("Conv", {xt, b.weight("w", {C, 1, K}), b.weight("b", {C})},
                           {B, C, L + K - 1},
                           {{"group", C},
                            {"kernel_shape", std::vector<int64_t>{K}},
                            {"pads", std::vector<int64_t>{K - 1, K - 1}}});
        Value *sl = b.op("Slice", {conv, b.ints({0}), b.ints({L}), b.ints({2}), b.ints({1})},
                         {B, C, L});
        // A residual add consumes the conv (a graph output keeps its Transpose for its name).
        b.g.addOutput(b.op("Add", {x, b.transpose(b.silu(sl), {0, 2, 1})}, {B, L, C}));
      },
      {},
      [](const ir::Graph &g) {
        ASSERT_EQ(g.numOps(), 2u) << ir::toString(g);
        const Op &cc = *g.ops().front();
        EXPECT_EQ(cc.kind(), "vimq.CausalConv1d");
        EXPECT_EQ(cc.getString("activation", ""), "silu");
        EXPECT_EQ(cc.operand(1)->type().str(), "f32[5, 4]");
      });
}

TEST(LiftConv1d, LeftOnlyPaddingNeedsNoSlice) {
  expectSameNumerics(
      [](Builder &b) {
        const int64_t B = 1, L = 9, C = 3, K = 3;
        Value *x = b.input("x", {B, C, L});
        b.g.addOutput(b.op("Relu",
                           {b.op("Conv", {x, b.weight("w", {C, 1, K})}, {B, C, L},
                                 {{"group", C},
                                  {"kernel_shape", std::vector<int64_t>{K}},
                                  {"pads", std::vector<int64_t>{K - 1, 0}}})},
                           {B, C, L}));
      },
      {"lift-conv1d"},
      [](const ir::Graph &g) {
        auto c = opCounts(g);
        EXPECT_EQ(c["vimq.CausalConv1d"], 1);
        EXPECT_EQ(c["onnx.Transpose"], 2); // [B,C,L] in and out: nothing to cancel here
      });
}

TEST(CancelTransposes, ComposesAndCancels) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 3, 4});
        Value *t1 = b.transpose(x, {1, 2, 0});
        Value *t2 = b.transpose(t1, {0, 2, 1}); // = x permuted by {1, 0, 2}
        Value *back = b.transpose(b.transpose(x, {2, 0, 1}), {1, 2, 0}); // identity
        Value *r = b.op("Reshape", {b.op("Reshape", {x, b.ints({6, 4})}, {6, 4}), b.ints({4, 6})},
                        {4, 6});
        b.g.addOutput(b.op("Relu", {t2}, {3, 2, 4}));
        b.g.addOutput(b.op("Relu", {back}, {2, 3, 4}));
        b.g.addOutput(b.op("Relu", {r}, {4, 6}));
      },
      {"cancel-transposes"},
      [](const ir::Graph &g) {
        auto c = opCounts(g);
        EXPECT_EQ(c["onnx.Transpose"], 1) << ir::toString(g);
        EXPECT_EQ(c["onnx.Reshape"], 1) << ir::toString(g);
      });
}

TEST(RemoveIdentities, DropsNoOps) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 3});
        Value *i = b.op("Identity", {x}, {2, 3});
        Value *c = b.op("Cast", {i}, {2, 3}, {{"to", int64_t(1)}});
        Value *r = b.op("Reshape", {c, b.ints({2, 3})}, {2, 3});
        Value *s = b.op("Slice", {r, b.ints({0}), b.ints({INT64_MAX}), b.ints({1})}, {2, 3});
        b.g.addOutput(b.op("Relu", {s}, {2, 3}));
      },
      {"remove-identities"},
      [](const ir::Graph &g) {
        ASSERT_EQ(g.numOps(), 1u) << ir::toString(g);
        EXPECT_EQ(g.ops().front()->operand(0)->name(), "x");
      });
}

TEST(LiftFlip, SliceStepMinusOneAndReversedGather) {
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 5, 3});
        Value *f1 = b.op("Slice",
                         {x, b.ints({-1}), b.ints({INT64_MIN}), b.ints({1}), b.ints({-1})},
                         {2, 5, 3});
        Value *f2 = b.op("Gather", {x, b.ints({4, 3, 2, 1, 0})}, {2, 5, 3},
                         {{"axis", int64_t(1)}});
        b.g.addOutput(b.op("Add", {f1, f2}, {2, 5, 3}));
      },
      {"lift-flip"},
      [](const ir::Graph &g) { EXPECT_EQ(opCounts(g)["vimq.Flip"], 2); });
}

TEST(LiftFlip, PartialReverseIsNotAFlip) {
  Builder b;
  Value *x = b.input("x", {2, 5});
  b.g.addOutput(b.op("Slice", {x, b.ints({3}), b.ints({INT64_MIN}), b.ints({1}), b.ints({-1})},
                     {2, 4}));
  ASSERT_FALSE(bool(runPasses(b.g, {"lift-flip"})));
  EXPECT_EQ(opCounts(b.g)["vimq.Flip"], 0);
}

TEST(LiftVision, PatchTokenPositionAndHead) {
  // Non-square 8x12 image, patch 4 -> 2x3 = 6 tokens, class token in the middle (index 3).
  expectSameNumerics(
      [](Builder &b) {
        const int64_t B = 2, D = 5;
        Value *img = b.input("img", {B, 3, 8, 12});
        Value *conv = b.op("Conv", {img, b.weight("pw", {D, 3, 4, 4}), b.weight("pb", {D})},
                           {B, D, 2, 3},
                           {{"kernel_shape", std::vector<int64_t>{4, 4}},
                            {"strides", std::vector<int64_t>{4, 4}}});
        Value *flat = b.op("Reshape", {conv, b.ints({B, D, 6})}, {B, D, 6});
        Value *x = b.transpose(flat, {0, 2, 1});
        Value *tok = b.op("Expand", {b.weight("cls", {1, 1, D}), b.ints({B, 1, D})}, {B, 1, D});
        Value *lo = b.op("Slice", {x, b.ints({0}), b.ints({3}), b.ints({1})}, {B, 3, D});
        Value *hi = b.op("Slice", {x, b.ints({3}), b.ints({INT64_MAX}), b.ints({1})}, {B, 3, D});
        Value *cat = b.op("Concat", {lo, tok, hi}, {B, 7, D}, {{"axis", int64_t(1)}});
        Value *pos = b.op("Add", {cat, b.weight("pos", {1, 7, D})}, {B, 7, D});
        Value *idx = b.g.addConstant("three", Tensor::scalar<int64_t>(3));
        b.g.addOutput(b.op("Gather", {pos, idx}, {B, D}, {{"axis", int64_t(1)}}));
      },
      {},
      [](const ir::Graph &g) {
        auto c = opCounts(g);
        EXPECT_EQ(c["vimq.PatchEmbed"], 1);
        EXPECT_EQ(c["vimq.InsertToken"], 1);
        EXPECT_EQ(c["vimq.PositionEmbed"], 1);
        EXPECT_EQ(c["vimq.TakeToken"], 1);
        EXPECT_EQ(g.numOps(), 4u) << ir::toString(g);
        for (const auto &op : g.ops()) {
          if (op->is("vimq.InsertToken")) { // the folded [B,1,D] token is one row again
            EXPECT_EQ(op->operand(1)->type().str(), "f32[1, 1, 5]");
          }
        }
      });
}

TEST(FoldConstants, ShapeChainsCollapse) {
  // Reshape(x, Concat(Shape(x)[0:1], [-1])) as torch emits flatten(1).
  expectSameNumerics(
      [](Builder &b) {
        Value *x = b.input("x", {2, 3, 4});
        Value *s = b.op("Shape", {x}, {3}, {}, DType::I64);
        Value *s0 = b.op("Slice", {s, b.ints({0}), b.ints({1})}, {1}, {}, DType::I64);
        Value *shape = b.op("Concat", {s0, b.ints({-1})}, {2}, {{"axis", int64_t(0)}},
                            DType::I64);
        b.g.addOutput(b.op("Reshape", {x, shape}, {2, 12}));
      },
      {"fold-constants"},
      [](const ir::Graph &g) {
        ASSERT_EQ(g.numOps(), 1u);
        EXPECT_TRUE(g.ops().front()->operand(1)->isConstant());
      });
}

TEST(FoldConstants, LargeExpandOfSmallConstantIsKept) {
  Builder b;
  Value *x = b.input("x", {2048, 1024});
  Value *big = b.op("Expand", {b.scalar(1), b.ints({2048, 1024})}, {2048, 1024});
  b.g.addOutput(b.op("Add", {x, big}, {2048, 1024}));
  ASSERT_FALSE(bool(runPasses(b.g, {"fold-constants"})));
  EXPECT_EQ(opCounts(b.g)["onnx.Expand"], 1);
}

TEST(CheckSupported, NamesNodeOpTypeDomainAndPlace) {
  Builder b;
  Value *x = b.input("boxes", {1, 4, 4});
  Value *r = b.op("Relu", {x}, {1, 4, 4});
  Op *bad = b.g.createOp("onnx.NonMaxSuppression", "/det/nms", {r, r}, {{DType::I64, {1, 3}}});
  b.g.addOutput(bad->result(0));
  llvm::Error e = runPasses(b.g, {"check-supported"});
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("'/det/nms'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'NonMaxSuppression'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'ai.onnx'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("op #1 of 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("graph input 'boxes'"), std::string::npos) << msg;
}

TEST(Pipeline, OutputNamesSurviveLifting) {
  Builder b;
  Value *x = b.input("x", {2, 3});
  Value *s = b.op("Sigmoid", {x}, {2, 3});
  Op *mul = b.g.createOp("onnx.Mul", "/act", {x, s}, {{DType::F32, {2, 3}}}, nullptr, {"y"});
  b.g.addOutput(mul->result(0));
  ASSERT_FALSE(bool(runPasses(b.g, {})));
  ASSERT_EQ(b.g.numOps(), 1u);
  EXPECT_EQ(b.g.ops().front()->kind(), "vimq.SiLU");
  EXPECT_EQ(b.g.outputs()[0]->name(), "y");
}

} // namespace
