//===- Gemm.cpp - cache-blocked row-major matrix multiply ------------------------------------===//
//
// Loop order i-k-j: the innermost loop runs over contiguous columns of B and C, which the
// compiler vectorises without reassociating any sum. Four rows of C share each loaded row of B
// (register reuse), and the j/k blocks keep a B panel (KB x NB) in L2 and four C row segments
// in L1 while they are reused. For C = A · Wᵀ (vimq.Linear's [N, K] weights) each panel is
// packed from W just before use, so W is read once and never transposed as a whole. Where the
// CPU has AVX (checked at run time) the f32 kernel holds a 6 x 16 tile of C in registers;
// every variant computes each C element with the same operations in the same order, so the
// results do not depend on the CPU.
//
//===----------------------------------------------------------------------------------------===//
#include "Gemm.h"
#include "Parallel.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#ifdef __SSE2__
#include <immintrin.h>
#endif

namespace vimq::interp::detail {

namespace {

/// setGemmAvx: tests run both kernels and compare them.
std::atomic<bool> avxAllowed{true};

constexpr int64_t kNB = 512; // columns per block: 4 C rows x 512 x 4 B = 8 KiB in L1
constexpr int64_t kKB = 128; // depth per block: a 128 x 512 f32 B panel = 256 KiB in L2
/// Below this many multiply-adds a product stays on the calling thread.
constexpr int64_t kMinParallelMacs = int64_t(1) << 20;

/// C[0:M, 0:jn] += A[0:M, 0:kn] · P[0:kn, 0:jn] for one block; every C element accumulates
/// its kn products in increasing k.
template <typename T>
void blockUpdateGeneric(int64_t M, int64_t jn, int64_t kn, const T *A, int64_t lda, const T *P,
                        int64_t ldp, T *C, int64_t ldc) {
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) {
    T *__restrict c0 = C + (i + 0) * ldc;
    T *__restrict c1 = C + (i + 1) * ldc;
    T *__restrict c2 = C + (i + 2) * ldc;
    T *__restrict c3 = C + (i + 3) * ldc;
    for (int64_t k = 0; k < kn; ++k) {
      const T *__restrict b = P + k * ldp;
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
    T *__restrict c = C + i * ldc;
    for (int64_t k = 0; k < kn; ++k) {
      const T *__restrict b = P + k * ldp;
      T a = A[i * lda + k];
      for (int64_t j = 0; j < jn; ++j)
        c[j] += a * b[j];
    }
  }
}

/// Declared here, specialised for float below where SSE2 is available.
template <typename T>
void blockUpdate(int64_t M, int64_t jn, int64_t kn, const T *A, int64_t lda, const T *P,
                 int64_t ldp, T *C, int64_t ldc) {
  blockUpdateGeneric<T>(M, jn, kn, A, lda, P, ldp, C, ldc);
}

#ifdef __SSE2__
/// A 4 x 8 tile of C held in registers over the whole k block: per k, two loads of P and four
/// broadcasts of A feed eight multiply-adds, instead of loading and storing C for every k.
/// Each element still accumulates c += a * b (a separate multiply and add, no FMA) in
/// increasing k, so the result equals the generic loop bit for bit.
void blockUpdateSse2(int64_t M, int64_t jn, int64_t kn, const float *A, int64_t lda,
                        const float *P, int64_t ldp, float *C, int64_t ldc) {
  int64_t i = 0;
  int64_t j8 = jn / 8 * 8;
  for (; i + 4 <= M; i += 4) {
    const float *a0 = A + (i + 0) * lda, *a1 = A + (i + 1) * lda;
    const float *a2 = A + (i + 2) * lda, *a3 = A + (i + 3) * lda;
    float *c0 = C + (i + 0) * ldc, *c1 = C + (i + 1) * ldc;
    float *c2 = C + (i + 2) * ldc, *c3 = C + (i + 3) * ldc;
    for (int64_t j = 0; j < j8; j += 8) {
      __m128 x00 = _mm_loadu_ps(c0 + j), x01 = _mm_loadu_ps(c0 + j + 4);
      __m128 x10 = _mm_loadu_ps(c1 + j), x11 = _mm_loadu_ps(c1 + j + 4);
      __m128 x20 = _mm_loadu_ps(c2 + j), x21 = _mm_loadu_ps(c2 + j + 4);
      __m128 x30 = _mm_loadu_ps(c3 + j), x31 = _mm_loadu_ps(c3 + j + 4);
      const float *b = P + j;
      for (int64_t k = 0; k < kn; ++k, b += ldp) {
        __m128 b0 = _mm_loadu_ps(b), b1 = _mm_loadu_ps(b + 4);
        __m128 v = _mm_set1_ps(a0[k]);
        x00 = _mm_add_ps(x00, _mm_mul_ps(v, b0));
        x01 = _mm_add_ps(x01, _mm_mul_ps(v, b1));
        v = _mm_set1_ps(a1[k]);
        x10 = _mm_add_ps(x10, _mm_mul_ps(v, b0));
        x11 = _mm_add_ps(x11, _mm_mul_ps(v, b1));
        v = _mm_set1_ps(a2[k]);
        x20 = _mm_add_ps(x20, _mm_mul_ps(v, b0));
        x21 = _mm_add_ps(x21, _mm_mul_ps(v, b1));
        v = _mm_set1_ps(a3[k]);
        x30 = _mm_add_ps(x30, _mm_mul_ps(v, b0));
        x31 = _mm_add_ps(x31, _mm_mul_ps(v, b1));
      }
      _mm_storeu_ps(c0 + j, x00);
      _mm_storeu_ps(c0 + j + 4, x01);
      _mm_storeu_ps(c1 + j, x10);
      _mm_storeu_ps(c1 + j + 4, x11);
      _mm_storeu_ps(c2 + j, x20);
      _mm_storeu_ps(c2 + j + 4, x21);
      _mm_storeu_ps(c3 + j, x30);
      _mm_storeu_ps(c3 + j + 4, x31);
    }
    if (j8 < jn) // the last jn % 8 columns
      blockUpdateGeneric<float>(4, jn - j8, kn, A + i * lda, lda, P + j8, ldp,
                                C + i * ldc + j8, ldc);
  }
  if (i < M)
    blockUpdateGeneric<float>(M - i, jn, kn, A + i * lda, lda, P, ldp, C + i * ldc, ldc);
}

#if defined(__x86_64__) || defined(__i386__)
/// The same 8-wide tiles with AVX, 6 rows x 16 columns: twelve accumulators, two loads of P and
/// six broadcasts per k. A separate multiply then add per product (the target is "avx", not
/// "fma", and the project does not contract), in increasing k, so every C element is
/// bit-identical to the SSE2 and generic kernels; only the speed depends on the CPU.
__attribute__((target("avx"))) void blockUpdateAvx(int64_t M, int64_t jn, int64_t kn,
                                                    const float *A, int64_t lda, const float *P,
                                                    int64_t ldp, float *C, int64_t ldc) {
  int64_t i = 0;
  int64_t j16 = jn / 16 * 16;
  for (; i + 6 <= M; i += 6) {
    const float *a[6];
    float *c[6];
    for (int r = 0; r < 6; ++r) {
      a[r] = A + (i + r) * lda;
      c[r] = C + (i + r) * ldc;
    }
    for (int64_t j = 0; j < j16; j += 16) {
      __m256 x00 = _mm256_loadu_ps(c[0] + j), x01 = _mm256_loadu_ps(c[0] + j + 8);
      __m256 x10 = _mm256_loadu_ps(c[1] + j), x11 = _mm256_loadu_ps(c[1] + j + 8);
      __m256 x20 = _mm256_loadu_ps(c[2] + j), x21 = _mm256_loadu_ps(c[2] + j + 8);
      __m256 x30 = _mm256_loadu_ps(c[3] + j), x31 = _mm256_loadu_ps(c[3] + j + 8);
      __m256 x40 = _mm256_loadu_ps(c[4] + j), x41 = _mm256_loadu_ps(c[4] + j + 8);
      __m256 x50 = _mm256_loadu_ps(c[5] + j), x51 = _mm256_loadu_ps(c[5] + j + 8);
      const float *b = P + j;
      for (int64_t k = 0; k < kn; ++k, b += ldp) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        __m256 v = _mm256_broadcast_ss(a[0] + k);
        x00 = _mm256_add_ps(x00, _mm256_mul_ps(v, b0));
        x01 = _mm256_add_ps(x01, _mm256_mul_ps(v, b1));
        v = _mm256_broadcast_ss(a[1] + k);
        x10 = _mm256_add_ps(x10, _mm256_mul_ps(v, b0));
        x11 = _mm256_add_ps(x11, _mm256_mul_ps(v, b1));
        v = _mm256_broadcast_ss(a[2] + k);
        x20 = _mm256_add_ps(x20, _mm256_mul_ps(v, b0));
        x21 = _mm256_add_ps(x21, _mm256_mul_ps(v, b1));
        v = _mm256_broadcast_ss(a[3] + k);
        x30 = _mm256_add_ps(x30, _mm256_mul_ps(v, b0));
        x31 = _mm256_add_ps(x31, _mm256_mul_ps(v, b1));
        v = _mm256_broadcast_ss(a[4] + k);
        x40 = _mm256_add_ps(x40, _mm256_mul_ps(v, b0));
        x41 = _mm256_add_ps(x41, _mm256_mul_ps(v, b1));
        v = _mm256_broadcast_ss(a[5] + k);
        x50 = _mm256_add_ps(x50, _mm256_mul_ps(v, b0));
        x51 = _mm256_add_ps(x51, _mm256_mul_ps(v, b1));
      }
      _mm256_storeu_ps(c[0] + j, x00);
      _mm256_storeu_ps(c[0] + j + 8, x01);
      _mm256_storeu_ps(c[1] + j, x10);
      _mm256_storeu_ps(c[1] + j + 8, x11);
      _mm256_storeu_ps(c[2] + j, x20);
      _mm256_storeu_ps(c[2] + j + 8, x21);
      _mm256_storeu_ps(c[3] + j, x30);
      _mm256_storeu_ps(c[3] + j + 8, x31);
      _mm256_storeu_ps(c[4] + j, x40);
      _mm256_storeu_ps(c[4] + j + 8, x41);
      _mm256_storeu_ps(c[5] + j, x50);
      _mm256_storeu_ps(c[5] + j + 8, x51);
    }
    if (j16 < jn) // the last jn % 16 columns
      blockUpdateSse2(6, jn - j16, kn, A + i * lda, lda, P + j16, ldp, C + i * ldc + j16, ldc);
  }
  if (i < M)
    blockUpdateSse2(M - i, jn, kn, A + i * lda, lda, P, ldp, C + i * ldc, ldc);
}

bool cpuHasAvx() {
  static const bool has = __builtin_cpu_supports("avx");
  return has;
}
#endif

template <>
void blockUpdate<float>(int64_t M, int64_t jn, int64_t kn, const float *A, int64_t lda,
                        const float *P, int64_t ldp, float *C, int64_t ldc) {
#if defined(__x86_64__) || defined(__i386__)
  if (cpuHasAvx() && avxAllowed.load(std::memory_order_relaxed))
    return blockUpdateAvx(M, jn, kn, A, lda, P, ldp, C, ldc);
#endif
  blockUpdateSse2(M, jn, kn, A, lda, P, ldp, C, ldc);
}
#endif

template <typename T> void zeroRows(int64_t M, int64_t N, T *C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    std::fill(C + i * ldc, C + i * ldc + N, T(0));
}

template <typename T>
void gemmSerial(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *B,
                int64_t ldb, T *C, int64_t ldc, bool accumulate) {
  if (!accumulate)
    zeroRows(M, N, C, ldc);
  for (int64_t j0 = 0; j0 < N; j0 += kNB)
    for (int64_t k0 = 0; k0 < K; k0 += kKB)
      blockUpdate(M, std::min(kNB, N - j0), std::min(kKB, K - k0), A + k0, lda,
                  B + k0 * ldb + j0, ldb, C + j0, ldc);
}

template <typename T>
void gemmBTSerial(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *W,
                  int64_t ldw, T *C, int64_t ldc) {
  zeroRows(M, N, C, ldc);
  std::vector<T> panel(size_t(std::min(kKB, K) * std::min(kNB, N)));
  for (int64_t j0 = 0; j0 < N; j0 += kNB) {
    int64_t jn = std::min(kNB, N - j0);
    for (int64_t k0 = 0; k0 < K; k0 += kKB) {
      int64_t kn = std::min(kKB, K - k0);
      // Pack the transposed block: panel[k][j] = W[j0 + j][k0 + k], eight W rows at a time
      // so that each k writes eight adjacent panel elements (one element per k would store
      // with a stride of jn elements, a power of two that maps every store to one cache set).
      int64_t j = 0;
      for (; j + 8 <= jn; j += 8) {
        const T *w = W + (j0 + j) * ldw + k0;
        for (int64_t k = 0; k < kn; ++k)
          for (int64_t r = 0; r < 8; ++r)
            panel[size_t(k * jn + j + r)] = w[r * ldw + k];
      }
      for (; j < jn; ++j) {
        const T *w = W + (j0 + j) * ldw + k0;
        for (int64_t k = 0; k < kn; ++k)
          panel[size_t(k * jn + j)] = w[k];
      }
      blockUpdate(M, jn, kn, A + k0, lda, panel.data(), jn, C + j0, ldc);
    }
  }
}

} // namespace

template <typename T>
void gemm(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *B, int64_t ldb,
          T *C, int64_t ldc, bool accumulate) {
  // Threads take disjoint column ranges: each C element is still computed by one thread in
  // the serial order.
  if (M * N * K < kMinParallelMacs)
    return gemmSerial(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  parallelFor(
      N, 64,
      [&](int64_t j0, int64_t j1) {
        gemmSerial(M, j1 - j0, K, A, lda, B + j0, ldb, C + j0, ldc, accumulate);
      },
      /*align=*/16);
}

template <typename T>
void gemmBT(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *W, int64_t ldw,
            T *C, int64_t ldc) {
  if (M * N * K < kMinParallelMacs)
    return gemmBTSerial(M, N, K, A, lda, W, ldw, C, ldc);
  parallelFor(
      N, 64,
      [&](int64_t j0, int64_t j1) {
        gemmBTSerial(M, j1 - j0, K, A, lda, W + j0 * ldw, ldw, C + j0, ldc);
      },
      /*align=*/16);
}

bool gemmAvxAvailable() {
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
  return cpuHasAvx();
#else
  return false;
#endif
}

void setGemmAvx(bool allowed) { avxAllowed.store(allowed, std::memory_order_relaxed); }

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

#define VIMQ_INSTANTIATE(T)                                                                    \
  template void gemm<T>(int64_t, int64_t, int64_t, const T *, int64_t, const T *, int64_t,     \
                        T *, int64_t, bool);                                                   \
  template void gemmBT<T>(int64_t, int64_t, int64_t, const T *, int64_t, const T *, int64_t,   \
                          T *, int64_t);                                                       \
  template void transposeMatrix<T>(const T *, int64_t, int64_t, T *);
VIMQ_INSTANTIATE(float)
VIMQ_INSTANTIATE(double)
#undef VIMQ_INSTANTIATE

} // namespace vimq::interp::detail
