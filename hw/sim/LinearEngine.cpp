//===- LinearEngine.cpp - LINEAR engine ------------------------------------------------------===//
//
// The dense-array LINEAR engine of the simulator: linearEngineHls runs the synthesizable tile
// loops (hw/src/LinearTile.h) on dense operands; linearEngineSim is the simulation-only fast
// path that computes the same integers (every sum is exact, so the order does not matter).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/LinearEngine.h"

#include "ExpPwlRom.h"
#include "LinearTile.h"
#include "SimAvx512.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/SimThreads.h"

#include <immintrin.h>
#include <vector>

namespace vimq::hw {

int32_t applyActivationRom(int32_t v, Activation act, int frac) {
  switch (act) {
  case Activation::None:
    return v;
  case Activation::Silu:
    return siluRom(v, frac); // siluPwl with the sigmoid ROM (ExpPwlRom.h)
  case Activation::Softplus: {
    // The exp ROM, and the two shifts in 64-bit arithmetic where shiftRne
    // would take that form (a left shift by s <= 31 of an int32 fits 64 bits).
    const int s = frac - kExpInFrac;
    if (s > 0 && s <= 31) {
      const int32_t sp = softplusRom(sat32From64(shiftRne64(v, s)));
      return sat32From64(int64_t(sp) * (int64_t(1) << s));
    }
    return sat32(shiftRne(softplusRom(sat32(shiftRne(v, s))), -s));
  }
  }
  return v;
}

#ifndef __SYNTHESIS__
#ifdef VIMQ_SIM_AVX512
/// applyActivationSim's AVX-512 form: eight values per step, the tail masked.
VIMQ_AVX512 static void applyActivationAvx512(int32_t *v, int64_t count, Activation act,
                                              int frac) {
  const int s = frac - kExpInFrac;
  const simd::Rne64x8 rS = simd::rneConsts(s), r3 = simd::rneConsts(kExpOutFrac - kExpInFrac),
                      r15 = simd::rneConsts(kExpOutFrac);
  for (int64_t i = 0; i < count; i += 8) {
    const __mmask8 m = count - i >= 8 ? __mmask8(0xff) : __mmask8((1u << (count - i)) - 1);
    const __m512i x = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, v + i));
    const __m512i r =
        act == Activation::Silu ? simd::siluRomX8(x, rS, r15) : simd::softplusActX8(x, rS, r3, s);
    _mm256_mask_storeu_epi32(v + i, m, _mm512_cvtepi64_epi32(r));
  }
}
#endif

void applyActivationSim(int32_t *v, int64_t count, Activation act, int frac) {
  if (act == Activation::None)
    return;
#ifdef VIMQ_SIM_AVX512
  // The vector forms cover the shifts where the scalar ones take their 64-bit forms.
  const int s = frac - kExpInFrac;
  const bool vecOk = act == Activation::Silu ? s > 0 && s <= 62 : s > 0 && s <= 31;
  if (vecOk && simd::cpuHasAvx512())
    return applyActivationAvx512(v, count, act, frac);
#endif
  for (int64_t i = 0; i < count; ++i)
    v[i] = applyActivation(v[i], act, frac);
}
#endif

#ifndef __SYNTHESIS__
//===-- Simulation-only APoT-4 fast path -----------------------------------------------------===//
//
// Every APoT-4 level is 16 times a small integer, so apot4ShiftAdd(x, code) == 16 * x * L[code & 15]
// with L below (checked exhaustively at compile time over all 256 x and 256 codes). The sim
// decodes a weight row to L once and reuses it for all m rows (n-outer loop order; every output is
// independent), so the block dot product is an int8 x int8 loop that vectorises (int8 weights
// are their own decoding). 16 * sum(x * L) == sum(16 * x * L) exactly: |sum| <= block * 127 *
// 160 < 2^31 (block <= 2^16). Output columns are split over the SimPool's threads; with AVX2 and
// block 32 or 16 eight columns run at a time (below). The synthesised engine is the shift-add loop
// above; this changes no bit.
static constexpr int8_t kApot4Sixteenths[16] = {0, 1, 2, 3, 4, 6, 8, 10, 0, -1, -2, -3, -4, -6, -8, -10};

static constexpr bool apot4SixteenthsExact() {
  for (int x = -128; x <= 127; ++x)
    for (int code = 0; code < 256; ++code)
      if (apot4ShiftAdd(int8_t(x), uint8_t(code)) != 16 * x * kApot4Sixteenths[code & 15])
        return false;
  return true;
}
static_assert(apot4SixteenthsExact(), "APoT-4 levels are 16 * kApot4Sixteenths");

static constexpr int kFastMaxK = 16384; // longer rows take the shift-add path

static int32_t dotI8(const int8_t *x, const int8_t *w, int len) {
  int32_t acc = 0;
  for (int k = 0; k < len; ++k)
    acc += int32_t(x[k]) * int32_t(w[k]);
  return acc;
}

/// The engine's epilogue (before the activation) for one output from the exact block sum
/// `total` (int64 here: with
/// k <= kFastMaxK, |total| <= 2^14 * 128 * 160 * 2^16 < 2^59); the shiftRne/sat32 steps in
/// 64-bit arithmetic when the product with xabs fits, else in 128-bit.
static inline int32_t linearOutput(const LinearParams &p, int64_t total, int32_t xabs,
                                   const int32_t *bias, int n) {
  int64_t prod;
  if (p.shift > 0 && p.shift <= 62 && !__builtin_mul_overflow(total, int64_t(xabs), &prod)) {
    int64_t v = shiftRne64(prod, p.shift); // |v| < 2^62: the bias cannot overflow it
    if (bias)
      v += bias[n];
    return sat32From64(v);
  }
  i128 v = shiftRne(static_cast<i128>(total) * xabs, p.shift);
  if (bias)
    v += bias[n];
  return sat32(v);
}

/// The fused activation over the outputs of columns [n0, n1), every token row.
static void activateColumns(const LinearParams &p, int32_t *y, int n0, int n1) {
  if (p.act != Activation::None)
    for (int m = 0; m < p.m; ++m)
      applyActivationSim(y + int64_t(m) * p.n + n0, n1 - n0, p.act, p.outFrac);
}

/// Output columns [n0, n1), any block: one weight row decoded to int8 (APoT-4: the sixteenths;
/// int8: the byte itself) and reused for every token row.
static void linearColumnsScalar(const LinearParams &p, const int8_t *x, const uint8_t *w,
                                const uint16_t *wscale, const int32_t *xabs, const int32_t *bias,
                                int32_t *y, int n0, int n1) {
  const int nblocks = (p.k + p.block - 1) / p.block;
  const int unit = p.kind == WeightKind::Apot4 ? 16 : 1; // APoT-4 levels are 16 * sixteenths
  int8_t lv[kFastMaxK];
  for (int n = n0; n < n1; ++n) {
    const uint8_t *wr = w + int64_t(n) * p.k;
    for (int k = 0; k < p.k; ++k)
      lv[k] = p.kind == WeightKind::Apot4 ? kApot4Sixteenths[wr[k] & 15] : int8_t(wr[k]);
    for (int m = 0; m < p.m; ++m) {
      int64_t total = 0;
      for (int b = 0; b < nblocks; ++b) {
        const int k0 = b * p.block;
        const int len = (k0 + p.block < p.k ? k0 + p.block : p.k) - k0;
        const int32_t acc = unit * dotI8(x + int64_t(m) * p.k + k0, lv + k0, len);
        total += int64_t(acc) * wscale[n * nblocks + b]; // int32 x uint16: exact in 64 bits
      }
      y[int64_t(m) * p.n + n] = linearOutput(p, total, xabs[m], bias, n);
    }
  }
}

#if defined(__x86_64__) || defined(__i386__)
#define VIMQ_SIM_AVX2 1
//===-- AVX2 form of the APoT-4 fast path (block 32 or 16) -----------------------------------===//
//
// Eight output columns at a time. A weight sixteenth L is in [-10, 10], so the engine's block
// sum 16 * sum(x * L) is computed as 16 * (sum(x * (L + 10)) - 10 * sum(x)): pmaddubsw multiplies
// the unsigned L + 10 <= 20 by the signed x (pairs <= 2 * 20 * 128, no int16 saturation),
// pmaddwd widens to int32, and sum(x) per (token, block) is computed once. All exact integers.
/// The eight columns' block sums for one token and one block of Block (32 or 16) bytes, column
/// j in lane j. Block 16: column j shares a vector with column j + 4 (low and high half).
template <int Block>
__attribute__((target("avx2"))) static inline __m256i blockSums8(const int8_t *xb,
                                                                const uint8_t *lv, size_t k) {
  const __m256i ones16 = _mm256_set1_epi16(1);
  if constexpr (Block == 32) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb));
    __m256i s[8];
    for (int j = 0; j < 8; ++j) {
      const __m256i lj = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(lv + j * k));
      s[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(lj, xv), ones16);
    }
    const __m256i h01 = _mm256_hadd_epi32(s[0], s[1]), h23 = _mm256_hadd_epi32(s[2], s[3]);
    const __m256i h45 = _mm256_hadd_epi32(s[4], s[5]), h67 = _mm256_hadd_epi32(s[6], s[7]);
    const __m256i q0 = _mm256_hadd_epi32(h01, h23), q1 = _mm256_hadd_epi32(h45, h67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(q0, q1, 0x20),
                            _mm256_permute2x128_si256(q0, q1, 0x31));
  } else {
    static_assert(Block == 16);
    const __m256i xv =
        _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i *>(xb)));
    __m256i s[4];
    for (int j = 0; j < 4; ++j) {
      const __m256i lj = _mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i *>(lv + j * k))),
          _mm_loadu_si128(reinterpret_cast<const __m128i *>(lv + (j + 4) * k)), 1);
      s[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(lj, xv), ones16);
    }
    return _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
  }
}

template <int Block>
__attribute__((target("avx2"))) static void
linearColumnsAvx2(const LinearParams &p, const int8_t *x, const uint8_t *w, const uint16_t *wscale,
                  const int32_t *xabs, const int32_t *bias, int32_t *y, int n0, int n1,
                  const int32_t *xsum) {
  const int nb = p.k / Block;
  std::vector<uint8_t> lv(size_t(8) * p.k);  // 8 decoded rows, L + 10
  std::vector<int64_t> ws(size_t(nb) * 8);    // [block][column]
  for (int nt = n0; nt < n1; nt += 8) {
    for (int j = 0; j < 8; ++j) {
      const uint8_t *wr = w + int64_t(nt + j) * p.k;
      for (int k = 0; k < p.k; ++k)
        lv[size_t(j) * p.k + k] = uint8_t(kApot4Sixteenths[wr[k] & 15] + 10);
      for (int b = 0; b < nb; ++b)
        ws[size_t(b) * 8 + j] = wscale[(nt + j) * nb + b];
    }
    for (int m = 0; m < p.m; ++m) {
      const int8_t *xr = x + int64_t(m) * p.k;
      __m256i totLo = _mm256_setzero_si256(), totHi = _mm256_setzero_si256();
      for (int b = 0; b < nb; ++b) {
        const __m256i sum = blockSums8<Block>(xr + b * Block, &lv[size_t(b) * Block], size_t(p.k));
        // acc = 16 * (sum - 10 * sum(x)), |acc| <= 32 * 128 * 160 < 2^20: int32.
        const __m256i acc = _mm256_slli_epi32(
            _mm256_sub_epi32(sum, _mm256_set1_epi32(10 * xsum[int64_t(m) * nb + b])), 4);
        const __m256i wsLo = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(&ws[size_t(b) * 8]));
        const __m256i wsHi =
            _mm256_loadu_si256(reinterpret_cast<const __m256i *>(&ws[size_t(b) * 8 + 4]));
        totLo = _mm256_add_epi64(
            totLo, _mm256_mul_epi32(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(acc)), wsLo));
        totHi = _mm256_add_epi64(
            totHi, _mm256_mul_epi32(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(acc, 1)), wsHi));
      }
      alignas(32) int64_t tot[8];
      _mm256_store_si256(reinterpret_cast<__m256i *>(tot), totLo);
      _mm256_store_si256(reinterpret_cast<__m256i *>(tot + 4), totHi);
      for (int j = 0; j < 8; ++j)
        y[int64_t(m) * p.n + nt + j] = linearOutput(p, tot[j], xabs[m], bias, nt + j);
    }
  }
}

static bool cpuHasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

bool linearEngineSim(const LinearParams &p, const int8_t *x, const uint8_t *w,
                     const uint16_t *wscale, const int32_t *xabs, const int32_t *bias, int32_t *y,
                     SimPath path) {
  if (p.k > kFastMaxK || p.m <= 0 || p.n <= 0 || p.k <= 0 || p.block <= 0)
    return false;
  bool vec = false;
#ifdef VIMQ_SIM_AVX2
  vec = path != SimPath::Scalar && p.kind == WeightKind::Apot4 &&
        (p.block == 32 || p.block == 16) && p.k % p.block == 0 && cpuHasAvx2();
#endif
  if (path == SimPath::Vector && !vec)
    return false;
  // A part gets at least ~256k MACs; the AVX2 form works on groups of 8 columns.
  const int group = vec ? 8 : 1;
  const int64_t groups = p.n / group, macsPerGroup = int64_t(p.m) * p.k * group;
  const int64_t minGroups = macsPerGroup >= (1 << 18) ? 1 : (1 << 18) / macsPerGroup;
  std::vector<int32_t> xsum;
#ifdef VIMQ_SIM_AVX2
  if (vec) {
    const int nb = p.k / p.block;
    xsum.resize(size_t(p.m) * nb);
    for (int m = 0; m < p.m; ++m)
      for (int b = 0; b < nb; ++b) {
        int32_t sum = 0;
        for (int k = 0; k < p.block; ++k)
          sum += x[int64_t(m) * p.k + b * p.block + k];
        xsum[size_t(m) * nb + b] = sum;
      }
  }
#endif
  SimPool::get().parallelFor(groups, minGroups, [&](int64_t g0, int64_t g1) {
    const int n0 = int(g0 * group), n1 = int(g1 * group);
#ifdef VIMQ_SIM_AVX2
    if (vec)
      (p.block == 32 ? linearColumnsAvx2<32> : linearColumnsAvx2<16>)(p, x, w, wscale, xabs, bias,
                                                                     y, n0, n1, xsum.data());
    else
#endif
      linearColumnsScalar(p, x, w, wscale, xabs, bias, y, n0, n1);
    activateColumns(p, y, n0, n1);
  });
  if (groups * group < p.n) { // the last n % 8 columns of the AVX2 form
    linearColumnsScalar(p, x, w, wscale, xabs, bias, y, int(groups * group), p.n);
    activateColumns(p, y, int(groups * group), p.n);
  }
  return true;
}
#endif

void linearEngine(const LinearParams &p, const int8_t *x, const uint8_t *w, const uint16_t *wscale,
                  const int32_t *xabs, const int32_t *bias, int32_t *y) {
#ifndef __SYNTHESIS__
  if (linearEngineSim(p, x, w, wscale, xabs, bias, y, SimPath::Auto))
    return;
#endif
  linearEngineHls(p, x, w, wscale, xabs, bias, y);
}

void linearEngineHls(const LinearParams &p, const int8_t *x, const uint8_t *w,
                     const uint16_t *wscale, const int32_t *xabs, const int32_t *bias, int32_t *y) {
  // Dense operands: pitches k (activations and weights) and n (outputs); a 16 x 16 tile (the
  // result does not depend on the tile: every sum is exact).
  LinearOperands<uint16_t> op;
  op.a = x;
  op.aPitch = uint64_t(p.k);
  op.w = w;
  op.wPitch = uint64_t(p.k);
  op.ws = wscale;
  op.as = xabs;
  op.bias = bias;
  op.o = y;
  op.oPitch = uint64_t(p.n);
  op.accumulate = false;
  linearTileEngine<16, 16>(p, op);
}

} // namespace vimq::hw
