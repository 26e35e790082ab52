//===- Gemm.cpp - cache-blocked row-major matrix multiply ------------------------------------===//
//
// Loop order i-k-j: the innermost loop runs over contiguous columns of B and C, which the
// compiler vectorises without reassociating any sum. Four rows of C share each loaded row of B
// (register reuse), and the j/k blocks keep a B panel (KB x NB) in L2 and four C row segments
// in L1 while they are reused.
//
//===----------------------------------------------------------------------------------------===//
#include "Gemm.h"
#include "Parallel.h"

#include <algorithm>
#include <cstring>

namespace vimq::interp::detail {

namespace {
constexpr int64_t kNB = 512; // columns per block: 4 C rows x 512 x 4 B = 8 KiB in L1
constexpr int64_t kKB = 128; // depth per block: a 128 x 512 f32 B panel = 256 KiB in L2
} // namespace

template <typename T>
static void gemmSerial(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *B,
                       int64_t ldb, T *C, int64_t ldc, bool accumulate) {
  if (!accumulate)
    for (int64_t i = 0; i < M; ++i)
      std::fill(C + i * ldc, C + i * ldc + N, T(0));
  for (int64_t j0 = 0; j0 < N; j0 += kNB) {
    int64_t jn = std::min(kNB, N - j0);
    for (int64_t k0 = 0; k0 < K; k0 += kKB) {
      int64_t k1 = std::min(K, k0 + kKB);
      int64_t i = 0;
      for (; i + 4 <= M; i += 4) {
        T *__restrict c0 = C + (i + 0) * ldc + j0;
        T *__restrict c1 = C + (i + 1) * ldc + j0;
        T *__restrict c2 = C + (i + 2) * ldc + j0;
        T *__restrict c3 = C + (i + 3) * ldc + j0;
        for (int64_t k = k0; k < k1; ++k) {
          const T *__restrict b = B + k * ldb + j0;
          T a0 = A[(i + 0) * lda + k], a1 = A[(i + 1) * lda + k];
          T a2 = A[(i + 2) * lda + k], a3 = A[(i + 3) * lda + k];
          for (int64_t j = 0; j < jn; ++j) {
            T bj = b[j];
            c0[j] += a0 * bj;
            c1[j] += a1 * bj;
            c2[j] += a2 * bj;
            c3[j] += a3 * bj;
          }
        }
      }
      for (; i < M; ++i) {
        T *__restrict c = C + i * ldc + j0;
        for (int64_t k = k0; k < k1; ++k) {
          const T *__restrict b = B + k * ldb + j0;
          T a = A[i * lda + k];
          for (int64_t j = 0; j < jn; ++j)
            c[j] += a * b[j];
        }
      }
    }
  }
}

template <typename T>
void gemm(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *B, int64_t ldb,
          T *C, int64_t ldc, bool accumulate) {
  // Threads take disjoint column ranges: each C element is still computed by one thread in
  // the serial order. Small products stay serial (thread start-up would dominate).
  constexpr int64_t kMinParallelMacs = int64_t(1) << 20;
  if (M * N * K < kMinParallelMacs) {
    gemmSerial(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    return;
  }
  parallelFor(
      N, 64,
      [&](int64_t j0, int64_t j1) {
        gemmSerial(M, j1 - j0, K, A, lda, B + j0, ldb, C + j0, ldc, accumulate);
      },
      /*align=*/16);
}

template <typename T> void transposeMatrix(const T *src, int64_t R, int64_t C, T *dst) {
  constexpr int64_t kTile = 32; // 32 x 32 x 4 B = 4 KiB per tile side: both fit in L1
  for (int64_t r0 = 0; r0 < R; r0 += kTile)
    for (int64_t c0 = 0; c0 < C; c0 += kTile) {
      int64_t r1 = std::min(R, r0 + kTile), c1 = std::min(C, c0 + kTile);
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c)
          dst[c * R + r] = src[r * C + c];
    }
}

template void transposeMatrix<float>(const float *, int64_t, int64_t, float *);
template void transposeMatrix<double>(const double *, int64_t, int64_t, double *);
template void gemm<float>(int64_t, int64_t, int64_t, const float *, int64_t, const float *,
                          int64_t, float *, int64_t, bool);
template void gemm<double>(int64_t, int64_t, int64_t, const double *, int64_t, const double *,
                           int64_t, double *, int64_t, bool);

} // namespace vimq::interp::detail
