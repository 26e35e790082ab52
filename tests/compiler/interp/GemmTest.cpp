//===- GemmTest.cpp - the blocked f32 kernels against a naive loop, AVX against SSE2 ---------===//
//
// Every kernel variant (generic, SSE2 4 x 8 tiles, AVX 6 x 16 tiles with SSE2/generic edges)
// accumulates c += a·b with a separate multiply and add in increasing k, so all of them must
// equal the naive triple loop bit for bit, whatever the shape, and so each other.
//
//===----------------------------------------------------------------------------------------===//
#include "Gemm.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

using namespace vimq::interp::detail;

namespace {

std::vector<float> randomVec(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// C = A · Wᵀ in the defining order.
std::vector<float> naiveBT(int64_t M, int64_t N, int64_t K, const std::vector<float> &A,
                           const std::vector<float> &W) {
  std::vector<float> C(size_t(M * N));
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (int64_t k = 0; k < K; ++k)
        acc += A[size_t(i * K + k)] * W[size_t(j * K + k)];
      C[size_t(i * N + j)] = acc;
    }
  return C;
}

bool bitEqual(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Shape3 {
  int64_t M, N, K;
};

// ViM's linears ([197 x 192] x [192 x 768] and friends) plus edges: M % 6, N % 16, K > 128
// (two k blocks), N > 512 (two j blocks), and products big enough to be split over threads.
const Shape3 kShapes[] = {{197, 768, 192}, {197, 44, 384}, {7, 33, 5},  {1, 1, 1},
                          {13, 530, 131},  {6, 16, 128},   {64, 1000, 300}};

TEST(Gemm, AvxAndSse2EqualTheNaiveLoopBitForBit) {
  for (const Shape3 &s : kShapes) {
    auto A = randomVec(size_t(s.M * s.K), 1), W = randomVec(size_t(s.N * s.K), 2);
    std::vector<float> ref = naiveBT(s.M, s.N, s.K, A, W);
    std::vector<float> Wt(size_t(s.K * s.N));
    transposeMatrix(W.data(), s.N, s.K, Wt.data());
    for (bool avx : {false, true}) {
      setGemmAvx(avx);
      std::vector<float> c1(size_t(s.M * s.N), -7.0f), c2(c1);
      gemmBT<float>(s.M, s.N, s.K, A.data(), s.K, W.data(), s.K, c1.data(), s.N);
      gemm<float>(s.M, s.N, s.K, A.data(), s.K, Wt.data(), s.N, c2.data(), s.N, false);
      EXPECT_TRUE(bitEqual(c1, ref)) << "gemmBT avx=" << avx << " " << s.M << "x" << s.N << "x"
                                     << s.K;
      EXPECT_TRUE(bitEqual(c2, ref)) << "gemm avx=" << avx << " " << s.M << "x" << s.N << "x"
                                     << s.K;
    }
    setGemmAvx(true);
  }
  if (!gemmAvxAvailable())
    GTEST_SKIP() << "no AVX on this CPU: only the SSE2 kernel was checked";
}

} // namespace
