//===- SsmEngineTest.cpp - selective and SSD scans vs plain loops on the same fixed-point spec ===//

#include "vimq/hw/SsmEngine.h"
#include "vimq/hw/Numerics.h"

#include "RefRounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace vimq::hw;
using namespace vimq::hw::test;

namespace {

std::vector<int32_t> rnd(std::mt19937 &rng, size_t n, int lo, int hi) {
  std::vector<int32_t> v(n);
  for (auto &x : v)
    x = lo + int(rng() % unsigned(hi - lo + 1));
  return v;
}

// One state element, written out from the spec in SsmEngine.h.
int32_t refUpdate(int32_t h, int32_t delta, int32_t a, int32_t u, int32_t b, const SsmFormats &f) {
  int32_t arg = refSat32(refShift(wide(delta) * a, f.delta + f.a - 12));
  int32_t decay = expPwl(arg);
  int32_t xdt = refSat32(refShift(wide(delta) * u, f.delta + f.u - f.state));
  return refSat32(refShift(wide(decay) * h, 15) + refShift(wide(xdt) * b, f.b));
}

int32_t refOut(wide yacc, int32_t u, int32_t dsk, int32_t z, bool gate, const SsmFormats &f) {
  wide y = refShift(yacc, f.state + f.c - f.out) + refShift(wide(dsk) * u, f.d + f.u - f.out);
  int32_t v = refSat32(y);
  return gate ? refSat32(refShift(wide(v) * siluPwl(z, f.z), f.z)) : v;
}

struct Selective {
  int l, d, n;
  SsmFormats f;
  std::vector<int32_t> u, delta, a, b, c, dskip, z;
};

Selective makeSelective(std::mt19937 &rng, int l, int d, int n) {
  Selective s{l, d, n, SsmFormats{}, {}, {}, {}, {}, {}, {}, {}};
  s.u = rnd(rng, l * d, -8000, 8000);
  s.delta = rnd(rng, l * d, 0, 3000);  // softplus output: >= 0
  s.a = rnd(rng, d * n, -20000, -100); // A < 0
  s.b = rnd(rng, l * n, -6000, 6000);
  s.c = rnd(rng, l * n, -6000, 6000);
  s.dskip = rnd(rng, d, -4096, 4096);
  s.z = rnd(rng, l * d, -16000, 16000);
  return s;
}

std::vector<int32_t> refSelective(const Selective &s, bool gate, std::vector<int32_t> &h) {
  std::vector<int32_t> y(s.l * s.d);
  for (int t = 0; t < s.l; ++t)
    for (int d = 0; d < s.d; ++d) {
      wide yacc = 0;
      for (int n = 0; n < s.n; ++n) {
        int32_t &hv = h[d * s.n + n];
        hv = refUpdate(hv, s.delta[t * s.d + d], s.a[d * s.n + n], s.u[t * s.d + d],
                       s.b[t * s.n + n], s.f);
        yacc += wide(hv) * s.c[t * s.n + n];
      }
      y[t * s.d + d] = refOut(yacc, s.u[t * s.d + d], s.dskip[d], s.z[t * s.d + d], gate, s.f);
    }
  return y;
}

} // namespace

TEST(SelectiveScan, MatchesPlainLoop) {
  std::mt19937 rng(21);
  Selective s = makeSelective(rng, 7, 5, 16);
  for (bool gate : {false, true}) {
    std::vector<int32_t> hRef(s.d * s.n, 0), h(s.d * s.n, 0), y(s.l * s.d);
    std::vector<int32_t> expect = refSelective(s, gate, hRef);
    SelectiveScanParams p{s.l, s.d, s.n, s.f};
    selectiveScan(p, s.u.data(), s.delta.data(), s.a.data(), s.b.data(), s.c.data(), s.dskip.data(),
                  gate ? s.z.data() : nullptr, h.data(), y.data());
    EXPECT_EQ(y, expect) << "gate " << gate;
    EXPECT_EQ(h, hRef);
  }
}

TEST(SelectiveScan, StateCarriesAcrossTokenTiles) {
  std::mt19937 rng(22);
  Selective s = makeSelective(rng, 10, 3, 8);
  SelectiveScanParams whole{s.l, s.d, s.n, s.f};
  std::vector<int32_t> h(s.d * s.n, 0), y(s.l * s.d);
  selectiveScan(whole, s.u.data(), s.delta.data(), s.a.data(), s.b.data(), s.c.data(),
                s.dskip.data(), nullptr, h.data(), y.data());
  std::vector<int32_t> h2(s.d * s.n, 0), y2(s.l * s.d);
  const int split = 6;
  SelectiveScanParams p1{split, s.d, s.n, s.f}, p2{s.l - split, s.d, s.n, s.f};
  selectiveScan(p1, s.u.data(), s.delta.data(), s.a.data(), s.b.data(), s.c.data(), s.dskip.data(),
                nullptr, h2.data(), y2.data());
  selectiveScan(p2, s.u.data() + split * s.d, s.delta.data() + split * s.d, s.a.data(),
                s.b.data() + split * s.n, s.c.data() + split * s.n, s.dskip.data(), nullptr,
                h2.data(), y2.data() + split * s.d);
  EXPECT_EQ(y2, y);
  EXPECT_EQ(h2, h);
}

TEST(SelectiveScan, TracksFloatRecurrence) {
  // Sanity of the fixed-point spec itself (not bit-exactness): against a double recurrence
  // with std::exp, the error is dominated by the PWL exp (log2 e ~ 1.4375 and secants, a few
  // 0.1 % at |delta*A| <= 4) accumulated over 12 tokens; 2 % of the output range bounds it.
  std::mt19937 rng(23);
  Selective s = makeSelective(rng, 12, 4, 16);
  std::vector<int32_t> h(s.d * s.n, 0), y(s.l * s.d);
  SelectiveScanParams p{s.l, s.d, s.n, s.f};
  selectiveScan(p, s.u.data(), s.delta.data(), s.a.data(), s.b.data(), s.c.data(), s.dskip.data(),
                nullptr, h.data(), y.data());
  auto q = [](int32_t v, int frac) { return std::ldexp(double(v), -frac); };
  std::vector<double> hf(s.d * s.n, 0.0);
  double maxAbs = 0, maxErr = 0;
  for (int t = 0; t < s.l; ++t)
    for (int d = 0; d < s.d; ++d) {
      double acc = 0, dt = q(s.delta[t * s.d + d], 12), u = q(s.u[t * s.d + d], 12);
      for (int n = 0; n < s.n; ++n) {
        double &hv = hf[d * s.n + n];
        hv = std::exp(dt * q(s.a[d * s.n + n], 12)) * hv + dt * u * q(s.b[t * s.n + n], 12);
        acc += hv * q(s.c[t * s.n + n], 12);
      }
      acc += q(s.dskip[d], 12) * u;
      maxAbs = std::max(maxAbs, std::fabs(acc));
      maxErr = std::max(maxErr, std::fabs(acc - q(y[t * s.d + d], 16)));
    }
  EXPECT_LT(maxErr, 0.02 * maxAbs);
}

TEST(SsdScan, MatchesPlainLoopAndCarriesState) {
  std::mt19937 rng(31);
  const int l = 6, H = 4, P = 3, N = 8, G = 2;
  SsmFormats f;
  auto x = rnd(rng, l * H * P, -8000, 8000), dt = rnd(rng, l * H, 0, 3000);
  auto a = rnd(rng, H, -20000, -100), b = rnd(rng, l * G * N, -6000, 6000);
  auto c = rnd(rng, l * G * N, -6000, 6000), dsk = rnd(rng, H, -4096, 4096);
  auto z = rnd(rng, l * H * P, -16000, 16000);
  // Reference: S[p][n] per head, head h uses group h / (H / G).
  std::vector<int32_t> sRef(H * P * N, 0), yRef(l * H * P);
  for (int t = 0; t < l; ++t)
    for (int h = 0; h < H; ++h) {
      int g = h / (H / G);
      for (int p = 0; p < P; ++p) {
        int idx = (t * H + h) * P + p;
        wide yacc = 0;
        for (int n = 0; n < N; ++n) {
          int32_t &s = sRef[(h * P + p) * N + n];
          s = refUpdate(s, dt[t * H + h], a[h], x[idx], b[(t * G + g) * N + n], f);
          yacc += wide(s) * c[(t * G + g) * N + n];
        }
        yRef[idx] = refOut(yacc, x[idx], dsk[h], z[idx], true, f);
      }
    }
  // Engine in two tiles of 2 and 4 tokens sharing the state.
  std::vector<int32_t> s(H * P * N, 0), y(l * H * P);
  SsdScanParams p1{2, H, P, N, G, f}, p2{4, H, P, N, G, f};
  ssdScan(p1, x.data(), dt.data(), a.data(), b.data(), c.data(), dsk.data(), z.data(), s.data(),
          y.data());
  ssdScan(p2, x.data() + 2 * H * P, dt.data() + 2 * H, a.data(), b.data() + 2 * G * N,
          c.data() + 2 * G * N, dsk.data(), z.data() + 2 * H * P, s.data(), y.data() + 2 * H * P);
  EXPECT_EQ(y, yRef);
  EXPECT_EQ(s, sRef);
}

TEST(SsdScan, EqualsSelectiveWithHeadwiseA) {
  // SSD with headdim 1, one group and A broadcast over the state is the selective scan.
  std::mt19937 rng(32);
  Selective s = makeSelective(rng, 5, 4, 8);
  std::vector<int32_t> aHead = rnd(rng, s.d, -20000, -100), aFull(s.d * s.n);
  for (int d = 0; d < s.d; ++d)
    for (int n = 0; n < s.n; ++n)
      aFull[d * s.n + n] = aHead[d];
  std::vector<int32_t> h1(s.d * s.n, 0), y1(s.l * s.d), h2(s.d * s.n, 0), y2(s.l * s.d);
  SelectiveScanParams ps{s.l, s.d, s.n, s.f};
  selectiveScan(ps, s.u.data(), s.delta.data(), aFull.data(), s.b.data(), s.c.data(),
                s.dskip.data(), s.z.data(), h1.data(), y1.data());
  SsdScanParams pd{s.l, s.d, 1, s.n, 1, s.f};
  ssdScan(pd, s.u.data(), s.delta.data(), aHead.data(), s.b.data(), s.c.data(), s.dskip.data(),
          s.z.data(), h2.data(), y2.data());
  EXPECT_EQ(y1, y2);
  EXPECT_EQ(h1, h2);
}

TEST(SsmLane, EveryShiftMatchesTheWideFormula) {
  std::mt19937_64 rng(33);
  for (int fracB : {0, 1, 12, 15, 40, 62, 63}) {
    for (int i = 0; i < 2000; ++i) {
      int32_t h = int32_t(rng()), xdt = int32_t(rng()), b = int32_t(rng());
      int32_t decay = int32_t(rng() % 32769);
      int32_t expect = refSat32(refShift(wide(decay) * h, 15) + refShift(wide(xdt) * b, fracB));
      ASSERT_EQ(ssmLaneUpdate(h, decay, xdt, b, fracB), expect) << "fracB " << fracB;
    }
  }
}
