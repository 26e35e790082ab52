//===- Gemm.h - the interpreter's dense matrix-multiply kernel ------------------*- C++ -*-===//
//
// One kernel serves MatMul, Gemm, Conv (via im2col) and vimq.Linear. Every C element is
// accumulated in the operand type, in increasing k order, whatever the blocking, so results do
// not depend on the block sizes and equal a naive triple loop bit for bit.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace vimq::interp::detail {

/// C[M,N] = A[M,K] · B[K,N] (+ C if `accumulate`). Row-major, leading dimensions lda/ldb/ldc.
template <typename T>
void gemm(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *B, int64_t ldb,
          T *C, int64_t ldc, bool accumulate);

/// C[M,N] = A[M,K] · W[N,K]ᵀ (W row-major with leading dimension ldw), packing W block by
/// block; same accumulation order as gemm.
template <typename T>
void gemmBT(int64_t M, int64_t N, int64_t K, const T *A, int64_t lda, const T *W, int64_t ldw,
            T *C, int64_t ldc);

/// Whether this CPU runs the AVX variant of the f32 kernel (8-wide, bit-identical to SSE2).
bool gemmAvxAvailable();
/// Allows (default) or forbids the AVX kernel; tests compare both variants bit for bit.
void setGemmAvx(bool allowed);

/// dst[C, R] = src[R, C]^T, in cache-sized tiles (a row-by-row transpose of a large weight
/// writes with a stride of R elements and misses the cache and TLB on every store).
template <typename T> void transposeMatrix(const T *src, int64_t R, int64_t C, T *dst);

extern template void gemmBT<float>(int64_t, int64_t, int64_t, const float *, int64_t,
                                   const float *, int64_t, float *, int64_t);
extern template void gemmBT<double>(int64_t, int64_t, int64_t, const double *, int64_t,
                                    const double *, int64_t, double *, int64_t);
extern template void transposeMatrix<float>(const float *, int64_t, int64_t, float *);
extern template void transposeMatrix<double>(const double *, int64_t, int64_t, double *);
extern template void gemm<float>(int64_t, int64_t, int64_t, const float *, int64_t,
                                 const float *, int64_t, float *, int64_t, bool);
extern template void gemm<double>(int64_t, int64_t, int64_t, const double *, int64_t,
                                  const double *, int64_t, double *, int64_t, bool);

} // namespace vimq::interp::detail
