//===- LinalgOpsTest.cpp - MatMul, Gemm, Conv, broadcasting, reductions ---------------------===//
//
// References are naive loops in double. Tolerance: the kernels accumulate in float32 over at
// most K = 40 terms of magnitude <= 1, so the rounding error is below K * 2^-24 * sum|terms|
// ~ 2.4e-6 * 40; 1e-5 absolute covers that with margin while a wrong index (errors ~0.1) fails.
//
//===----------------------------------------------------------------------------------------===//
#include "TestUtil.h"

using namespace vimq;
using namespace vimq::interp::test;
using V = std::vector<int64_t>;

static constexpr double kTol = 1e-5;

/// Naive conv in double: x[N,C,H,W], w[M,C/G,kh,kw].
static Tensor naiveConv(const Tensor &x, const Tensor &w, const Tensor *b, int64_t G, V strides,
                        V pads, V dil) {
  int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  int64_t M = w.dim(0), kh = w.dim(2), kw = w.dim(3), Cg = C / G, Mg = M / G;
  int64_t OH = (H + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) / strides[0] + 1;
  int64_t OW = (W + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) / strides[1] + 1;
  Tensor y(DType::F32, {N, M, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = b ? b->data<float>()[m] : 0.0;
          int64_t g = m / Mg;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t ih = oh * strides[0] - pads[0] + i * dil[0];
                int64_t iw = ow * strides[1] - pads[1] + j * dil[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                acc += double(x.data<float>()[((n * C + g * Cg + c) * H + ih) * W + iw]) *
                       w.data<float>()[((m * Cg + c) * kh + i) * kw + j];
              }
          y.data<float>()[((n * M + m) * OH + oh) * OW + ow] = float(acc);
        }
  return y;
}

TEST(Linalg, MatMulBatchBroadcast) {
  Tensor a = randomF32({2, 1, 5, 7}, 1), b = randomF32({3, 7, 6}, 2);
  Tensor y = OpCase("onnx.MatMul", {a, b}).run0();
  ASSERT_EQ(shapeVec(y), V({2, 3, 5, 6}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t m = 0; m < 5; ++m)
        for (int64_t n = 0; n < 6; ++n) {
          double acc = 0;
          for (int64_t k = 0; k < 7; ++k)
            acc +=
                double(a.data<float>()[(i * 5 + m) * 7 + k]) * b.data<float>()[(j * 7 + k) * 6 + n];
          EXPECT_NEAR(y.data<float>()[((i * 3 + j) * 5 + m) * 6 + n], acc, kTol);
        }
  // 1-D operands: vector . matrix drops the promoted dim.
  Tensor v = OpCase("onnx.MatMul", {randomF32({7}, 3), randomF32({7, 6}, 4)}).run0();
  EXPECT_EQ(shapeVec(v), V({6}));
  EXPECT_NE(OpCase("onnx.MatMul", {a, randomF32({6, 6}, 5)}).error().find("inner dimensions"),
            std::string::npos);
}

TEST(Linalg, MatMulLargeBlocksMatchNaive) {
  // Crosses the kernel's 512-column and 128-deep blocks and the 4-row tail.
  Tensor a = randomF32({7, 300}, 6), b = randomF32({300, 530}, 7);
  Tensor y = OpCase("onnx.MatMul", {a, b}).run0();
  // Same float32 accumulation order as the kernel (k ascending from 0): bit-exact.
  for (int64_t m = 0; m < 7; ++m)
    for (int64_t n = 0; n < 530; n += 37) {
      float acc = 0;
      for (int64_t k = 0; k < 300; ++k)
        acc += a.data<float>()[m * 300 + k] * b.data<float>()[k * 530 + n];
      EXPECT_EQ(y.data<float>()[m * 530 + n], acc);
    }
}

TEST(Linalg, GemmTransposesAlphaBeta) {
  Tensor a = randomF32({4, 3}, 8), b = randomF32({5, 4}, 9), c = randomF32({5}, 10);
  // A' = A^T [3,4], B' = B^T [4,5], C broadcast over rows.
  Tensor y = OpCase("onnx.Gemm", {a, b, c})
                 .attr("transA", int64_t(1))
                 .attr("transB", int64_t(1))
                 .attr("alpha", 0.5)
                 .attr("beta", 2.0)
                 .run0();
  ASSERT_EQ(shapeVec(y), V({3, 5}));
  for (int64_t m = 0; m < 3; ++m)
    for (int64_t n = 0; n < 5; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < 4; ++k)
        acc += double(a.data<float>()[k * 3 + m]) * b.data<float>()[n * 4 + k];
      EXPECT_NEAR(y.data<float>()[m * 5 + n], 0.5 * acc + 2.0 * c.data<float>()[n], kTol);
    }
}

TEST(Linalg, Conv2DGroupsPadsStridesDilations) {
  Tensor x = randomF32({2, 4, 9, 8}, 11), w = randomF32({6, 2, 3, 2}, 12), b = randomF32({6}, 13);
  Tensor y = OpCase("onnx.Conv", {x, w, b})
                 .attr("group", int64_t(2))
                 .attr("strides", V{2, 1})
                 .attr("pads", V{1, 0, 2, 1})
                 .attr("dilations", V{1, 2})
                 .run0();
  EXPECT_TRUE(allClose(y, naiveConv(x, w, &b, 2, {2, 1}, {1, 0, 2, 1}, {1, 2}), 0, kTol));
  Tensor v = OpCase("onnx.Conv", {x, w})
                 .attr("group", int64_t(2))
                 .attr("auto_pad", std::string("VALID"))
                 .run0();
  EXPECT_TRUE(allClose(v, naiveConv(x, w, nullptr, 2, {1, 1}, {0, 0, 0, 0}, {1, 1}), 0, kTol));
  EXPECT_NE(OpCase("onnx.Conv", {x, w}).attr("group", int64_t(3)).error().find("group 3"),
            std::string::npos);
}

TEST(Linalg, Conv1DDepthwiseIsConv2DWithUnitHeight) {
  // The causal depthwise conv torch exports: groups = channels, padding K-1.
  Tensor x = randomF32({2, 3, 10}, 14), w = randomF32({3, 1, 4}, 15);
  Tensor y = OpCase("onnx.Conv", {x, w}).attr("group", int64_t(3)).attr("pads", V{3, 3}).run0();
  ASSERT_EQ(shapeVec(y), V({2, 3, 13}));
  Tensor ref = naiveConv(x.reshaped({2, 3, 1, 10}), w.reshaped({3, 1, 1, 4}), nullptr, 3, {1, 1},
                         {0, 3, 0, 3}, {1, 1});
  EXPECT_TRUE(allClose(y, ref.reshaped({2, 3, 13}), 0, kTol));
}

TEST(Elementwise, MultidirectionalBroadcast) {
  Tensor a = randomF32({2, 1, 4}, 16), b = randomF32({3, 1}, 17);
  Tensor y = OpCase("onnx.Sub", {a, b}).run0();
  ASSERT_EQ(shapeVec(y), V({2, 3, 4}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        EXPECT_EQ(y.data<float>()[(i * 3 + j) * 4 + k],
                  a.data<float>()[i * 4 + k] - b.data<float>()[j]);
  EXPECT_NE(OpCase("onnx.Add", {randomF32({2, 3}, 1), randomF32({4}, 2)})
                .error()
                .find("not broadcastable"),
            std::string::npos);
  Tensor s = OpCase("onnx.Sum", {f32({1}, {1}), f32({2}, {2, 3}), f32({2, 1}, {10, 20})}).run0();
  EXPECT_TRUE(allClose(s, f32({2, 2}, {13, 14, 23, 24}), 0, 0));
  Tensor m = OpCase("onnx.Max", {f32({3}, {1, 5, NAN}), f32({1}, {2})}).run0();
  EXPECT_EQ(m.data<float>()[0], 2.f);
  EXPECT_EQ(m.data<float>()[1], 5.f);
  EXPECT_TRUE(std::isnan(m.data<float>()[2])); // NaN propagates, as numpy.maximum
}

TEST(Reduce, AxesKeepdimsNoop) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor s = OpCase("onnx.ReduceSum", {x, i64v({1})}).attr("keepdims", int64_t(0)).run0();
  EXPECT_TRUE(allClose(s, f32({2}, {6, 15}), 0, 0));
  Tensor all = OpCase("onnx.ReduceSum", {x, std::nullopt}).run0();
  EXPECT_TRUE(allClose(all, f32({1, 1}, {21}), 0, 0));
  Tensor noop =
      OpCase("onnx.ReduceSum", {x, i64v({})}).attr("noop_with_empty_axes", int64_t(1)).run0();
  EXPECT_TRUE(allClose(noop, x, 0, 0));
  Tensor mean = OpCase("onnx.ReduceMean", {x}).attr("axes", V{-2}).run0();
  EXPECT_TRUE(allClose(mean, f32({1, 3}, {2.5, 3.5, 4.5}), 0, 0));
  Tensor mx = OpCase("onnx.ReduceMax", {x}).attr("axes", V{1}).attr("keepdims", int64_t(0)).run0();
  EXPECT_TRUE(allClose(mx, f32({2}, {3, 6}), 0, 0));
}

TEST(Reduce, SoftmaxAndLayerNorm) {
  Tensor x = f32({2, 3}, {1, 2, 3, 1000, 1000, 1000});
  Tensor s = OpCase("onnx.Softmax", {x}).run0();
  double e1 = std::exp(-2.0), e2 = std::exp(-1.0), z = e1 + e2 + 1.0;
  // Rounded once from double: within one float ulp (~6e-8 relative).
  EXPECT_TRUE(allClose(
      s, f32({2, 3}, {float(e1 / z), float(e2 / z), float(1 / z), 1.f / 3, 1.f / 3, 1.f / 3}), 1e-7,
      0));
  Tensor ln = OpCase("onnx.LayerNormalization",
                     {f32({1, 4}, {1, 2, 3, 4}), f32({4}, {1, 1, 2, 2}), f32({4}, {0, 0, 0, 1})})
                  .attr("epsilon", 0.0)
                  .run0();
  double sd = std::sqrt(1.25);
  EXPECT_TRUE(allClose(
      ln, f32({1, 4}, {float(-1.5 / sd), float(-0.5 / sd), float(1.0 / sd), float(3.0 / sd + 1)}),
      1e-7, 0));
}

TEST(Elementwise, HalfIsComputedInFloatAndRoundedOnce) {
  // Near 1 the f16 spacing is 2^-10. The exact f32 sums 1 + 2^-11 and 1 + 1.5 * 2^-10 are
  // ties, which round to even: 1.0 and 1 + 2^-9.
  Tensor a = Tensor::fromVector<float>({2}, {1.0f, 1.0f}).cast(DType::F16);
  Tensor b = Tensor::fromVector<float>({2}, {0x1p-11f, 0x1.8p-10f}).cast(DType::F16);
  Tensor y = OpCase("onnx.Add", {a, b}).run0();
  ASSERT_EQ(y.dtype(), DType::F16);
  EXPECT_EQ(y.getDouble(0), 1.0);
  EXPECT_EQ(y.getDouble(1), 1.0 + 0x1p-9);
  // Comparisons on halves give bool, untouched by the narrowing.
  EXPECT_EQ(OpCase("onnx.Less", {a, y}).run0().dtype(), DType::Bool);
}
