//===- SsmEngine.cpp - the simulator's dense-array SSM engine ---------------------------------===//
//
// selectiveScanHls and ssdScan run the synthesizable lane loops (hw/src/ScanTile.h) on dense
// operands; selectiveScanSim is the simulation-only fast path (the same integers).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/SsmEngine.h"

#include "ExpPwlRom.h"
#include "ScanTile.h"
#include "SimAvx512.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/SimThreads.h"

#include <algorithm>
#include <vector>

namespace vimq::hw {

int32_t expUnitRom(int32_t x) { return expPwlRom(kExpPwlRom, x); }
int32_t siluUnitRom(int32_t x, int frac) { return siluRom(x, frac); }
static inline int32_t expUnit(int32_t x) { return expPwlRom(kExpPwlRom, x); }
static inline int32_t siluUnit(int32_t x, int frac) { return siluRom(x, frac); }

/// The output of one (token, channel) with the operands as the dense API passes them.
static int32_t finishOutput(i128 yacc, int32_t u, const int32_t *dskip, int dIdx,
                            const int32_t *z, int zIdx, const SsmFormats &f) {
  // yacc < 2^73 (n < 2^10 products of 62 bits): carried into the engine's width by halves.
  SsmAcc acc = SsmAcc(int64_t(yacc >> 32));
  acc = acc << 32;
  acc += int64_t(yacc & 0xffffffff);
  return ssmFinishOutput(acc, u, dskip != nullptr, dskip ? dskip[dIdx] : 0, z != nullptr,
                         z ? z[zIdx] : 0, f);
}

#ifndef __SYNTHESIS__
//===-- Simulation-only selective-scan fast path ---------------------------------------------===//
//
// The same arithmetic as selectiveScanHls (below), reorganised for the host: channels are
// independent in selective mode (each owns its state row and its A row), so the sim splits the
// channels over the SimPool's threads. Every narrowing stays the 64-bit form that shiftRne/sat32
// take for these shifts, and the lane sums are exact integer sums, so neither the order nor the
// thread count changes a bit. With AVX-512 (integer only: bit-identical) eight channels share a
// vector, else the lanes run one at a time. Formats whose shifts leave the 64-bit range take
// the HLS loop.

namespace {

struct ScanShifts {
  int decay, xdt, fracB, out, skip, gate;
};

bool shiftIn64(int s) { return s > 0 && s <= 62; }

/// The per-instruction shifts when every one of them has shiftRne's 64-bit form.
bool scanShifts(const SsmFormats &f, ScanShifts &s) {
  s = {f.delta + f.a - kExpInFrac, f.delta + f.u - f.state, f.b, f.state + f.c - f.out,
       f.d + f.u - f.out, f.z};
  return shiftIn64(s.decay) && shiftIn64(s.xdt) && shiftIn64(s.fracB) && shiftIn64(s.out) &&
         shiftIn64(s.skip) && shiftIn64(s.gate);
}

/// finishOutput for yacc = yhi * 2^32 + ylo when that fits 64 bits (else the wide version).
inline int32_t finishOutput64(int64_t yhi, int64_t ylo, int32_t u, const int32_t *dskip, int dIdx,
                              const int32_t *z, int zIdx, const SsmFormats &f,
                              const ScanShifts &s) {
  if (yhi <= -(int64_t(1) << 29) || yhi >= (int64_t(1) << 29) || ylo < 0 ||
      ylo >= (int64_t(1) << 60))
    return finishOutput(static_cast<i128>(yhi) * (i128(1) << 32) + ylo, u, dskip, dIdx, z, zIdx,
                        f);
  // |yacc| < 2^61 + 2^60; the skip term is below 2^62 / 2; their sum fits 64 bits.
  int64_t y = shiftRne64(yhi * (int64_t(1) << 32) + ylo, s.out);
  if (dskip)
    y += shiftRne64(int64_t(dskip[dIdx]) * u, s.skip);
  int32_t v = sat32From64(y);
  if (z)
    v = sat32From64(shiftRne64(int64_t(v) * siluUnit(z[zIdx], f.z), s.gate));
  return v;
}

/// One token of one channel, lane by lane: updates h[0..n) and returns the exact sum of h*C.
inline void scanLanesScalar(int n, int32_t dv, int32_t xdt, const int32_t *a, const int32_t *b,
                            const int32_t *c, int32_t *h, const ScanShifts &s, int64_t &yhi,
                            int64_t &ylo) {
  for (int j = 0; j < n; ++j) {
    const int32_t decay = expUnit(sat32From64(shiftRne64(int64_t(dv) * a[j], s.decay)));
    const int64_t kept = shiftRne64(int64_t(decay) * h[j], kExpOutFrac);
    h[j] = sat32From64(kept + shiftRne64(int64_t(xdt) * b[j], s.fracB));
    const int64_t prod = int64_t(h[j]) * c[j];
    yhi += prod >> 32;
    ylo += prod & 0xffffffff;
  }
}

#ifdef VIMQ_SIM_AVX512
using namespace simd;

/// scanChannels' AVX-512 form: eight channels per vector (one 64-bit lane each), the state lanes
/// n in turn, so that the per-channel work (xdt, the output, the skip and the gate) is vector
/// work too and the sum over n stays in the lane (no horizontal reduction). A and the state
/// are transposed to [n][channel] for the call. Same steps as scanChannelsScalar, lane for lane.
VIMQ_AVX512 void scanChannelsAvx512(const SelectiveScanParams &p, const ScanShifts &s,
                                    const int32_t *u, const int32_t *delta, const int32_t *a,
                                    const int32_t *b, const int32_t *c, const int32_t *dskip,
                                    const int32_t *z, int32_t *state, int32_t *y, int d0, int d1) {
  const int w = d1 - d0, n = p.n;
  std::vector<int32_t> aT(size_t(n) * w), hT(size_t(n) * w);
  for (int d = 0; d < w; ++d)
    for (int j = 0; j < n; ++j) {
      aT[size_t(j) * w + d] = a[(d0 + d) * n + j];
      hT[size_t(j) * w + d] = state[(d0 + d) * n + j];
    }
  const bool gateVec = z && s.gate > kExpInFrac; // siluRom's first shift is a 64-bit RNE
  const Rne64x8 rDecay = rneConsts(s.decay), rKeep = rneConsts(kExpOutFrac),
                rB = rneConsts(s.fracB), rX = rneConsts(s.xdt), rOut = rneConsts(s.out),
                rSkip = rneConsts(s.skip), rGate = rneConsts(s.gate),
                rQ12 = rneConsts(gateVec ? s.gate - kExpInFrac : 1);
  const __m512i zero = _mm512_setzero_si512(), low32 = _mm512_set1_epi64(0xffffffff);
  const __m512i hiLimit = _mm512_set1_epi64(int64_t(1) << 29);
  for (int t = 0; t < p.l; ++t) {
    const int32_t *bt = b + t * n, *ct = c + t * n;
    for (int g = 0; g < w; g += 8) {
      const __mmask8 m = w - g >= 8 ? __mmask8(0xff) : __mmask8((1u << (w - g)) - 1);
      const int64_t at = int64_t(t) * p.d + d0 + g;
      const __m512i uv = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, u + at));
      const __m512i dv = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, delta + at));
      const __m512i xdt = sat32x8(rne(_mm512_mul_epi32(dv, uv), rX));
      __m512i yhi = zero, ylo = zero;
      for (int j = 0; j < n; ++j) {
        int32_t *hp = &hT[size_t(j) * w + g];
        const __m512i av = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, &aT[size_t(j) * w + g]));
        const __m512i hv = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, hp));
        // decay = expUnit(sat32(RNE(delta * A))).
        const __m512i decay = expRom(sat32x8(rne(_mm512_mul_epi32(dv, av), rDecay)));
        const __m512i kept = rne(_mm512_mul_epi32(decay, hv), rKeep);
        const __m512i inj = rne(_mm512_mul_epi32(xdt, _mm512_set1_epi64(bt[j])), rB);
        const __m512i hn = sat32x8(_mm512_add_epi64(kept, inj));
        _mm256_mask_storeu_epi32(hp, m, _mm512_cvtepi64_epi32(hn));
        const __m512i prod = _mm512_mul_epi32(hn, _mm512_set1_epi64(ct[j]));
        yhi = _mm512_add_epi64(yhi, _mm512_srai_epi64(prod, 32));
        ylo = _mm512_add_epi64(ylo, _mm512_and_si512(prod, low32));
      }
      // finishOutput64 per lane; a lane whose sum leaves finishOutput64's 64-bit bound
      // (|yhi| >= 2^29) sends the group to the scalar form, as does a gate format whose first
      // shift is not a 64-bit RNE.
      const __mmask8 wide = _mm512_cmpge_epi64_mask(yhi, hiLimit) |
                            _mm512_cmple_epi64_mask(yhi, _mm512_sub_epi64(zero, hiLimit));
      if ((wide & m) || (z && !gateVec)) {
        alignas(64) int64_t hi[8], lo[8];
        _mm512_store_si512(hi, yhi);
        _mm512_store_si512(lo, ylo);
        for (int k = 0; k < 8 && g + k < w; ++k) {
          const int d = d0 + g + k;
          y[at + k] = finishOutput64(hi[k], lo[k], u[at + k], dskip, d, z, int(at + k), p.f, s);
        }
        continue;
      }
      __m512i yv = rne(_mm512_add_epi64(_mm512_slli_epi64(yhi, 32), ylo), rOut);
      if (dskip) {
        const __m512i dk = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, dskip + d0 + g));
        yv = _mm512_add_epi64(yv, rne(_mm512_mul_epi32(dk, uv), rSkip));
      }
      __m512i v = sat32x8(yv);
      if (z) {
        const __m512i zv = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, z + at));
        v = sat32x8(rne(_mm512_mul_epi32(v, siluRomX8(zv, rQ12, rKeep)), rGate));
      }
      _mm256_mask_storeu_epi32(y + at, m, _mm512_cvtepi64_epi32(v));
    }
  }
  for (int d = 0; d < w; ++d)
    for (int j = 0; j < n; ++j)
      state[(d0 + d) * n + j] = hT[size_t(j) * w + d];
}

#endif

/// Channels [d0, d1), every token, lane by lane (tokens outer as in the HLS loop: the channels
/// of one token are independent, which keeps the CPU's pipelines full).
void scanChannelsScalar(const SelectiveScanParams &p, const ScanShifts &s, const int32_t *u,
                        const int32_t *delta, const int32_t *a, const int32_t *b, const int32_t *c,
                        const int32_t *dskip, const int32_t *z, int32_t *state, int32_t *y, int d0,
                        int d1) {
  for (int t = 0; t < p.l; ++t)
    for (int d = d0; d < d1; ++d) {
      const int32_t uv = u[t * p.d + d], dv = delta[t * p.d + d];
      const int32_t xdt = sat32From64(shiftRne64(int64_t(dv) * uv, s.xdt));
      int64_t yhi = 0, ylo = 0;
      scanLanesScalar(p.n, dv, xdt, a + d * p.n, b + t * p.n, c + t * p.n, state + d * p.n, s, yhi,
                      ylo);
      y[t * p.d + d] = finishOutput64(yhi, ylo, uv, dskip, d, z, t * p.d + d, p.f, s);
    }
}

} // namespace

bool selectiveScanSim(const SelectiveScanParams &p, const int32_t *u, const int32_t *delta,
                      const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                      const int32_t *z, int32_t *state, int32_t *y, SimPath path) {
  ScanShifts s;
  if (!scanShifts(p.f, s) || p.n <= 0 || p.l <= 0 || p.d <= 0)
    return false;
  bool vec = false;
#ifdef VIMQ_SIM_AVX512
  // The vector form keeps each lane's sum of low halves below 2^60 without a check: n < 2^20.
  vec = path != SimPath::Scalar && p.n < (1 << 20) && cpuHasAvx512();
#endif
  if (path == SimPath::Vector && !vec)
    return false;
  // About 2k lane updates per channel-token row of ViM; a part gets at least 16k updates.
  const int64_t perChannel = int64_t(p.l) * p.n;
  const int64_t minChannels = perChannel >= 16384 ? 1 : 16384 / perChannel;
  SimPool::get().parallelFor(p.d, minChannels, [&](int64_t d0, int64_t d1) {
#ifdef VIMQ_SIM_AVX512
    if (vec)
      return scanChannelsAvx512(p, s, u, delta, a, b, c, dskip, z, state, y, int(d0), int(d1));
#endif
    scanChannelsScalar(p, s, u, delta, a, b, c, dskip, z, state, y, int(d0), int(d1));
  });
  return true;
}
#endif

void selectiveScan(const SelectiveScanParams &p, const int32_t *u, const int32_t *delta,
                   const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                   const int32_t *z, int32_t *state, int32_t *y) {
#ifndef __SYNTHESIS__
  if (selectiveScanSim(p, u, delta, a, b, c, dskip, z, state, y, SimPath::Auto))
    return;
#endif
  selectiveScanHls(p, u, delta, a, b, c, dskip, z, state, y);
}

/// Dense operands laid out as the SSM instruction reads them: each token row of the staging
/// array is [delta (dtCols) | B (groups * n) | C (groups * n)], sharing one pitch like t_pitch.
static void runScanTile(const ScanShape &p, const int32_t *u, const int32_t *delta, int dtCols,
                        const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                        const int32_t *z, int32_t *state, int32_t *y) {
  const int gn = p.groups * p.n, pitch = dtCols + 2 * gn;
  std::vector<int32_t> rows(size_t(p.len) * pitch);
  for (int t = 0; t < p.len; ++t) {
    int32_t *r = rows.data() + size_t(t) * pitch;
    std::copy_n(delta + int64_t(t) * dtCols, dtCols, r);
    std::copy_n(b + int64_t(t) * gn, gn, r + dtCols);
    std::copy_n(c + int64_t(t) * gn, gn, r + dtCols + gn);
  }
  const int aLen = p.ssd ? p.heads : p.ch * p.n;
  std::vector<int32_t> ad(a, a + aLen);
  ScanOperands op;
  op.u = u;
  op.z = z;
  op.delta = rows.data();
  op.bc = rows.data() + dtCols;
  op.a = ad.data();
  op.d = dskip;
  op.y = y;
  op.s = state;
  op.xPitch = uint64_t(p.ch);
  op.tPitch = uint64_t(pitch);
  op.carryIn = true;
  scanTileEngine<16>(p, op);
}

void selectiveScanHls(const SelectiveScanParams &p, const int32_t *u, const int32_t *delta,
                      const int32_t *a, const int32_t *b, const int32_t *c, const int32_t *dskip,
                      const int32_t *z, int32_t *state, int32_t *y) {
  const ScanShape shape = {false, p.l, p.d, 1, p.n, 1, p.f};
  runScanTile(shape, u, delta, p.d, a, b, c, dskip, z, state, y);
}

void ssdScan(const SsdScanParams &p, const int32_t *x, const int32_t *dt, const int32_t *a,
             const int32_t *b, const int32_t *c, const int32_t *dskip, const int32_t *z,
             int32_t *state, int32_t *y) {
  const ScanShape shape = {true, p.l, p.h * p.p, p.h, p.n, p.g, p.f};
  runScanTile(shape, x, dt, p.h, a, b, c, dskip, z, state, y);
}

} // namespace vimq::hw
