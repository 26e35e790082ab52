//===- LiftedOpsTest.cpp - each vimq.* op against its ONNX or naive decomposition -----------===//
//
// Where the lifting replaces an ONNX pattern (Linear, SiLU, Flip, CausalConv1d, PatchEmbed),
// the reference is that pattern evaluated with the interpreter's onnx.* ops: this is the
// equivalence the importer's lifting relies on. The scans and norms are checked against
// naive double-precision loops written from docs/ir.md.
//
//===----------------------------------------------------------------------------------------===//
#include "TestUtil.h"

using namespace vimq;
using namespace vimq::interp::test;
using V = std::vector<int64_t>;

// Float32 dot products of <= 48 terms of magnitude <= 1 vs a double or differently ordered
// reference: rounding error < 48 * 2^-24 * 48 ~ 1.4e-4 in the worst case, ~1e-6 typically;
// 1e-5 absolute with 1e-5 relative fails on any indexing error (errors ~0.1).
static constexpr double kRtol = 1e-5, kAtol = 1e-5;

static Tensor onnx(llvm::StringRef kind, std::vector<std::optional<Tensor>> in,
                   std::vector<std::pair<std::string, ir::Attr>> attrs = {}) {
  OpCase c(kind, std::move(in));
  for (auto &[n, a] : attrs)
    c.attr(n, a);
  return c.run0();
}

TEST(Lifted, LinearMatchesGemmTransB) {
  Tensor x = randomF32({2, 3, 24}, 1), w = randomF32({10, 24}, 2), b = randomF32({10}, 3);
  Tensor y = OpCase("vimq.Linear", {x, w, b}).run0();
  Tensor ref = onnx("onnx.Gemm", {x.reshaped({6, 24}), w, b}, {{"transB", int64_t(1)}});
  EXPECT_TRUE(allClose(y, ref.reshaped({2, 3, 10}), kRtol, kAtol));
  Tensor nob = OpCase("vimq.Linear", {x, w, std::nullopt}).run0();
  EXPECT_TRUE(allClose(nob, onnx("onnx.MatMul", {x, onnx("onnx.Transpose", {w})}), kRtol, kAtol));
  EXPECT_NE(OpCase("vimq.Linear", {x, randomF32({10, 23}, 4)}).error().find("does not match"),
            std::string::npos);
}

TEST(Lifted, RMSNormAndGated) {
  // The op computes in double and rounds once, so it is within half an f32 ulp of the double
  // reference; outputs are below ~3 in magnitude, so 1e-6 absolute (~4 ulp) is already loose
  // while a wrong group or missing gate (errors ~0.1) fails.
  Tensor x = randomF32({2, 3, 8}, 5), z = randomF32({2, 3, 8}, 6), w = randomF32({8}, 7);
  double eps = 1e-5;
  Tensor y = OpCase("vimq.RMSNorm", {x, w}).attr("eps", eps).run0();
  Tensor g =
      OpCase("vimq.GatedRMSNorm", {x, z, w}).attr("eps", eps).attr("group_size", int64_t(4)).run0();
  for (int64_t r = 0; r < 6; ++r) {
    const float *xr = x.data<float>() + r * 8, *zr = z.data<float>() + r * 8;
    double ss = 0;
    for (int i = 0; i < 8; ++i)
      ss += double(xr[i]) * xr[i];
    for (int i = 0; i < 8; ++i)
      EXPECT_NEAR(y.data<float>()[r * 8 + i], xr[i] / std::sqrt(ss / 8 + eps) * w.data<float>()[i],
                  1e-6);
    for (int grp = 0; grp < 2; ++grp) {
      double t[4], gs = 0;
      for (int i = 0; i < 4; ++i) {
        double zz = zr[grp * 4 + i];
        t[i] = xr[grp * 4 + i] * zz / (1 + std::exp(-zz));
        gs += t[i] * t[i];
      }
      for (int i = 0; i < 4; ++i)
        EXPECT_NEAR(g.data<float>()[r * 8 + grp * 4 + i],
                    t[i] / std::sqrt(gs / 4 + eps) * w.data<float>()[grp * 4 + i], 1e-6);
    }
  }
  EXPECT_NE(OpCase("vimq.GatedRMSNorm", {x, z, w})
                .attr("group_size", int64_t(3))
                .error()
                .find("does not divide"),
            std::string::npos);
}

TEST(Lifted, SiLUSoftplusMatchOnnx) {
  Tensor x = randomF32({5, 7}, 8, -30.f, 30.f);
  Tensor s = OpCase("vimq.SiLU", {x}).run0();
  // SiLU is f32 arithmetic around expF32 (<= 1 ulp): x / (1 + e) adds up to ~3 ulp; the ONNX
  // pattern rounds Sigmoid from double, then the product. 1e-6 relative, 1e-7 absolute near 0.
  EXPECT_TRUE(allClose(s, onnx("onnx.Mul", {x, onnx("onnx.Sigmoid", {x})}), 1e-6, 1e-7));
  Tensor sp = OpCase("vimq.Softplus", {x}).run0();
  // Same formula; vimq.Softplus evaluates it in f32 (softplusF32, < 2 ulp: FastExpTest), the
  // ONNX op in double rounded once: within 3 ulp (3.6e-7 relative).
  EXPECT_TRUE(allClose(sp, onnx("onnx.Softplus", {x}), 3.6e-7, 0));
  // Stable form: no overflow to inf for large inputs, no underflow to 0 for x << 0 too early.
  // exp(-80) ~ 1.8e-35 is still a normal float: expect it to within float rounding (2^-24).
  Tensor big = OpCase("vimq.Softplus", {f32({2}, {100.f, -80.f})}).run0();
  EXPECT_EQ(big.data<float>()[0], 100.f);
  EXPECT_NEAR(big.data<float>()[1] / std::exp(-80.0), 1.0, 1e-7);
}

TEST(Lifted, CausalConv1dMatchesOnnxPattern) {
  int64_t B = 2, L = 9, C = 5, K = 4;
  Tensor x = randomF32({B, L, C}, 9), w = randomF32({C, K}, 10), b = randomF32({C}, 11);
  Tensor y = OpCase("vimq.CausalConv1d", {x, w, b}).attr("activation", std::string("silu")).run0();
  // The exported form: Transpose -> Conv(groups=C, pads=K-1) -> Slice[:L] -> SiLU -> Transpose.
  Tensor xc = onnx("onnx.Transpose", {x}, {{"perm", V{0, 2, 1}}});
  Tensor conv =
      onnx("onnx.Conv", {xc, w.reshaped({C, 1, K}), b}, {{"group", C}, {"pads", V{K - 1, K - 1}}});
  Tensor sl = onnx("onnx.Slice", {conv, i64v({0}), i64v({L}), i64v({2})});
  Tensor act = onnx("onnx.Mul", {sl, onnx("onnx.Sigmoid", {sl})});
  EXPECT_TRUE(allClose(y, onnx("onnx.Transpose", {act}, {{"perm", V{0, 2, 1}}}), kRtol, kAtol));
}

TEST(Lifted, FlipMatchesNegativeSlice) {
  Tensor x = randomF32({2, 5, 3}, 12);
  Tensor y = OpCase("vimq.Flip", {x}).attr("axis", int64_t(1)).run0();
  Tensor ref = onnx("onnx.Slice", {x, i64v({-1}), i64v({INT64_MIN}), i64v({1}), i64v({-1})});
  EXPECT_TRUE(allClose(y, ref, 0, 0));
}

TEST(Lifted, PatchEmbedMatchesConvFlattenTranspose) {
  // Non-square image whose sides are not multiples of the patch (floor, like the unpadded conv).
  Tensor img = randomF32({2, 3, 9, 13}, 13), w = randomF32({6, 3, 4, 3}, 14),
         b = randomF32({6}, 15);
  Tensor y = OpCase("vimq.PatchEmbed", {img, w, b}).run0();
  ASSERT_EQ(shapeVec(y), V({2, 2 * 4, 6}));
  Tensor conv = onnx("onnx.Conv", {img, w, b}, {{"strides", V{4, 3}}});
  Tensor flat = onnx("onnx.Reshape", {conv, i64v({2, 6, -1})});
  EXPECT_TRUE(allClose(y, onnx("onnx.Transpose", {flat}, {{"perm", V{0, 2, 1}}}), kRtol, kAtol));
}

TEST(Lifted, TokenOps) {
  Tensor x = randomF32({2, 3, 4}, 16), tok = randomF32({1, 1, 4}, 17);
  Tensor y = OpCase("vimq.InsertToken", {x, tok}).attr("index", int64_t(1)).run0();
  Tensor ref = onnx("onnx.Concat",
                    {onnx("onnx.Slice", {x, i64v({0}), i64v({1}), i64v({1})}),
                     onnx("onnx.Expand", {tok, i64v({2, 1, 4})}),
                     onnx("onnx.Slice", {x, i64v({1}), i64v({3}), i64v({1})})},
                    {{"axis", int64_t(1)}});
  EXPECT_TRUE(allClose(y, ref, 0, 0));
  Tensor t = OpCase("vimq.TakeToken", {y}).attr("index", int64_t(1)).run0();
  EXPECT_TRUE(allClose(t, onnx("onnx.Expand", {tok.reshaped({1, 4}), i64v({2, 4})}), 0, 0));
  EXPECT_NE(OpCase("vimq.TakeToken", {y}).attr("index", int64_t(4)).error().find("out of range"),
            std::string::npos);
  Tensor pos = randomF32({1, 3, 4}, 18);
  EXPECT_TRUE(
      allClose(OpCase("vimq.PositionEmbed", {x, pos}).run0(), onnx("onnx.Add", {x, pos}), 0, 0));
  Tensor table = randomF32({5, 4}, 19);
  Tensor e = OpCase("vimq.Embedding", {i64({1, 3}, {4, 0, 4}), table}).run0();
  EXPECT_TRUE(allClose(e, onnx("onnx.Gather", {table, i64({1, 3}, {4, 0, 4})}), 0, 0));
  EXPECT_EQ(OpCase("vimq.Embedding", {i64({1, 1}, {5}), table}).error(),
            "node 'n0' (vimq.Embedding): id 5 at position 0 is out of range [0, 5)");
}

TEST(Lifted, SelectiveScanMatchesRecurrence) {
  int64_t B = 2, L = 6, D = 3, N = 4;
  Tensor u = randomF32({B, L, D}, 20), delta = randomF32({B, L, D}, 21, 0.f, 1.f);
  Tensor A = randomF32({D, N}, 22, -2.f, -0.1f), Bm = randomF32({B, L, N}, 23),
         Cm = randomF32({B, L, N}, 24), Ds = randomF32({D}, 25);
  Tensor y = OpCase("vimq.SelectiveScan", {u, delta, A, Bm, Cm, Ds}).run0();
  Tensor ref(DType::F32, {B, L, D});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t d = 0; d < D; ++d) {
      std::vector<double> h(N, 0.0);
      for (int64_t t = 0; t < L; ++t) {
        double dt = delta.data<float>()[(b * L + t) * D + d],
               uu = u.data<float>()[(b * L + t) * D + d];
        double acc = 0;
        for (int64_t n = 0; n < N; ++n) {
          h[n] = std::exp(dt * A.data<float>()[d * N + n]) * h[n] +
                 dt * uu * Bm.data<float>()[(b * L + t) * N + n];
          acc += h[n] * Cm.data<float>()[(b * L + t) * N + n];
        }
        ref.data<float>()[(b * L + t) * D + d] = float(acc + Ds.data<float>()[d] * uu);
      }
    }
  EXPECT_TRUE(allClose(y, ref, kRtol, kAtol));
  EXPECT_NE(OpCase("vimq.SelectiveScan", {u, delta, A, Cm, Bm.reshaped({B, L * N})})
                .error()
                .find("C must be"),
            std::string::npos);
}

TEST(Lifted, SSDScanMatchesRecurrence) {
  int64_t B = 2, L = 5, H = 4, P = 3, G = 2, N = 4;
  Tensor x = randomF32({B, L, H, P}, 26), dt = randomF32({B, L, H}, 27, 0.f, 1.f);
  Tensor A = randomF32({H}, 28, -2.f, -0.1f), Bm = randomF32({B, L, G, N}, 29),
         Cm = randomF32({B, L, G, N}, 30), Ds = randomF32({H}, 31);
  Tensor y = OpCase("vimq.SSDScan", {x, dt, A, Bm, Cm, Ds}).run0();
  Tensor ref(DType::F32, {B, L, H, P});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      int64_t g = h / (H / G);
      std::vector<double> S(P * N, 0.0);
      for (int64_t t = 0; t < L; ++t) {
        double d = dt.data<float>()[(b * L + t) * H + h];
        double a = std::exp(d * A.data<float>()[h]);
        for (int64_t p = 0; p < P; ++p) {
          double xp = x.data<float>()[((b * L + t) * H + h) * P + p], acc = 0;
          for (int64_t n = 0; n < N; ++n) {
            S[p * N + n] =
                a * S[p * N + n] + d * xp * Bm.data<float>()[((b * L + t) * G + g) * N + n];
            acc += S[p * N + n] * Cm.data<float>()[((b * L + t) * G + g) * N + n];
          }
          ref.data<float>()[((b * L + t) * H + h) * P + p] = float(acc + Ds.data<float>()[h] * xp);
        }
      }
    }
  EXPECT_TRUE(allClose(y, ref, kRtol, kAtol));
  Tensor B3 = randomF32({B, L, 3, N}, 32);
  EXPECT_NE(OpCase("vimq.SSDScan", {x, dt, A, B3, B3}).error().find("cannot share"),
            std::string::npos);
}

TEST(Lifted, ThreadCountDoesNotChangeResults) {
  // Kernels split work so that each element is computed by one thread in the serial order:
  // results must be bit-identical (sameAs), not merely close.
  int64_t B = 2, L = 33, D = 70, N = 16;
  Tensor u = randomF32({B, L, D}, 40), delta = randomF32({B, L, D}, 41, 0.f, 1.f);
  Tensor A = randomF32({D, N}, 42, -2.f, -0.1f), Bm = randomF32({B, L, N}, 43),
         Cm = randomF32({B, L, N}, 44), Ds = randomF32({D}, 45);
  Tensor x = randomF32({B * L, 300}, 46), w = randomF32({260, 300}, 47);
  Tensor xs = randomF32({B, L, 6, 8}, 48), dts = randomF32({B, L, 6}, 49, 0.f, 1.f);
  Tensor As = randomF32({6}, 50, -1.f, -0.1f), Bs = randomF32({B, L, 2, N}, 51);
  auto runAll = [&] {
    return std::vector<Tensor>{
        OpCase("vimq.SelectiveScan", {u, delta, A, Bm, Cm, Ds}).run0(),
        OpCase("vimq.Linear", {x, w}).run0(),
        OpCase("vimq.SSDScan", {xs, dts, As, Bs, Bs}).run0(),
        OpCase("vimq.SiLU", {randomF32({1 << 17}, 52)}).run0(),
    };
  };
  unsigned saved = interp::numThreads();
  interp::setNumThreads(1);
  std::vector<Tensor> serial = runAll();
  interp::setNumThreads(3);
  std::vector<Tensor> threaded = runAll();
  interp::setNumThreads(saved);
  for (size_t i = 0; i < serial.size(); ++i)
    EXPECT_TRUE(serial[i].sameAs(threaded[i])) << "result " << i;
}
