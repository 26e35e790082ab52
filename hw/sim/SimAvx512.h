//===- SimAvx512.h - simulation-only AVX-512 forms of the fixed-point primitives -----*- C++ -*-===//
//
// Eight int64 lanes per vector, each lane computing exactly what the scalar primitive of
// Numerics.h / ExpPwlRom.h computes for one value (integer only, so bit-identical). Functions
// carry their own target attribute and are called only after cpuHasAvx512() (run-time
// dispatch); the rest of the file is compiled for the baseline ISA. Never in synthesis.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#ifndef __SYNTHESIS__
#if defined(__x86_64__) || defined(__i386__)

#include "ExpPwlRom.h"

#include <immintrin.h>

#define VIMQ_SIM_AVX512 1
#define VIMQ_AVX512 __attribute__((target("avx512f,avx512vl")))

namespace vimq::hw::simd {

inline bool cpuHasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return has;
}

/// The constants of shiftRne64(., s) for 0 < s <= 62.
struct Rne64x8 {
  __m128i cnt;
  __m512i mask, half;
};

VIMQ_AVX512 inline Rne64x8 rneConsts(int s) {
  return {_mm_cvtsi32_si128(s), _mm512_set1_epi64((int64_t(1) << s) - 1),
          _mm512_set1_epi64(int64_t(1) << (s - 1))};
}

/// shiftRne64 on eight lanes (the same steps: floor, remainder, round half to even).
VIMQ_AVX512 inline __m512i rne(__m512i v, const Rne64x8 &r) {
  const __m512i one = _mm512_set1_epi64(1);
  const __m512i q = _mm512_sra_epi64(v, r.cnt);
  const __m512i t = _mm512_add_epi64(_mm512_and_si512(v, r.mask), _mm512_and_si512(q, one));
  return _mm512_mask_add_epi64(q, _mm512_cmpgt_epi64_mask(t, r.half), q, one);
}

/// sat32From64 on eight lanes.
VIMQ_AVX512 inline __m512i sat32x8(__m512i v) {
  return _mm512_min_epi64(_mm512_max_epi64(v, _mm512_set1_epi64(kInt32Min)),
                          _mm512_set1_epi64(kInt32Max));
}

/// A padded uint16 ROM read at clamped indices (0 <= idx <= the first pad entry): 8 bytes
/// gathered at byte offset 2 * idx, the low 16 bits kept.
VIMQ_AVX512 inline __m512i romRead(const uint16_t *rom, __m512i idx) {
  return _mm512_and_si512(
      _mm512_i64gather_epi64(idx, reinterpret_cast<const long long *>(rom), 2),
      _mm512_set1_epi64(0xffff));
}

/// expPwlRom(kExpPwlRom, arg) for int32-range lanes: index -min(arg, 0) clamped to the zero entry.
VIMQ_AVX512 inline __m512i expRom(__m512i arg) {
  const __m512i zero = _mm512_setzero_si512();
  return romRead(kExpPwlRom.v,
                 _mm512_min_epi64(_mm512_sub_epi64(zero, _mm512_min_epi64(arg, zero)),
                                  _mm512_set1_epi64(kExpPwlRomSize)));
}

/// siluRom(x, frac) for int32-range lanes; rQ12 = rneConsts(frac - kExpInFrac), which needs
/// frac - kExpInFrac in (0, 62] (the caller checks), r15 = rneConsts(kExpOutFrac).
VIMQ_AVX512 inline __m512i siluRomX8(__m512i x, const Rne64x8 &rQ12, const Rne64x8 &r15) {
  const __m512i xq = sat32x8(rne(x, rQ12));
  // sigmoidRom: |xq| (INT32_MIN -> INT32_MAX), the pad entries hold 32768, mirrored if xq < 0.
  const __m512i ax = _mm512_min_epi64(_mm512_abs_epi64(xq), _mm512_set1_epi64(kInt32Max));
  const __m512i s =
      romRead(kSigmoidRom.v, _mm512_min_epi64(ax, _mm512_set1_epi64(kSigmoidRomSize)));
  const __mmask8 neg = _mm512_cmplt_epi64_mask(xq, _mm512_setzero_si512());
  const __m512i sg = _mm512_mask_sub_epi64(s, neg, _mm512_set1_epi64(32768), s);
  return sat32x8(rne(_mm512_mul_epi32(x, sg), r15));
}

/// applyActivation(v, Softplus, frac) for int32-range lanes with s = frac - kExpInFrac in
/// (0, 31]: q12 = sat32(RNE(v / 2^s)), softplusRom(q12), then the exact left shift by s.
VIMQ_AVX512 inline __m512i softplusActX8(__m512i v, const Rne64x8 &rS, const Rne64x8 &r3,
                                         int s) {
  const __m512i q12 = sat32x8(rne(v, rS));
  const __m512i zero = _mm512_setzero_si512();
  const __m512i idx = _mm512_min_epi64(_mm512_abs_epi64(q12), _mm512_set1_epi64(kExpPwlRomSize));
  const __m512i e = rne(romRead(kExpPwlRom.v, idx), r3); // expPwl(-|q12|) from Q15 to Q12
  const __mmask8 pos = _mm512_cmpgt_epi64_mask(q12, zero);
  const __m512i sp = _mm512_mask_mov_epi64(e, pos, sat32x8(_mm512_add_epi64(q12, e)));
  return sat32x8(_mm512_sll_epi64(sp, _mm_cvtsi32_si128(s)));
}

} // namespace vimq::hw::simd

#endif
#endif // __SYNTHESIS__
