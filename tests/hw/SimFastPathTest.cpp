//===- SimFastPathTest.cpp - the sim's fast paths equal the synthesised loops, bit for bit ---===//
//
// Every simulation-only path (scalar and vector forms, 1 and several threads) against the HLS
// loop of the same engine on random data biased towards the edges: int32 extremes (saturation),
// exact rounding ties, the exp ROM's domain ends, odd sizes that leave vector tails, and shifts
// that force the 128-bit fallbacks.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/ConvEngine.h"
#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/Numerics.h"
#include "vimq/hw/SimThreads.h"
#include "vimq/hw/SsmEngine.h"
#include "vimq/hw/VectorEngine.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vimq::hw;

namespace {

/// Mostly uniform in [lo, hi], one draw in six an edge value clamped into [lo, hi].
int32_t edgy(std::mt19937 &rng, int32_t lo, int32_t hi) {
  static constexpr int32_t kEdges[] = {kInt32Min, kInt32Min + 1, -65536, -45591, -45590, -32768,
                                       -1,        0,             1,      2,      32767,  65536,
                                       kInt32Max - 1, kInt32Max};
  int64_t v;
  if (rng() % 6 == 0)
    v = kEdges[rng() % (sizeof(kEdges) / sizeof(kEdges[0]))];
  else
    v = lo + int64_t(rng() % (uint64_t(int64_t(hi) - lo) + 1));
  return int32_t(v < lo ? lo : v > hi ? hi : v);
}

std::vector<int32_t> edgyVec(std::mt19937 &rng, size_t n, int32_t lo, int32_t hi) {
  std::vector<int32_t> v(n);
  for (auto &x : v)
    x = edgy(rng, lo, hi);
  return v;
}

/// Runs check(path) for each form and thread count, restoring the pool size afterwards.
template <typename F> void forEachSimConfig(F &&check) {
  const int saved = simThreads();
  for (int threads : {1, 3}) {
    setSimThreads(threads);
    for (SimPath path : {SimPath::Scalar, SimPath::Vector, SimPath::Auto}) {
      SCOPED_TRACE(::testing::Message() << "threads " << threads << " path " << int(path));
      check(path);
    }
  }
  setSimThreads(saved);
}

TEST(SimFastPath, SelectiveScanMatchesHlsLoop) {
  std::mt19937 rng(11);
  struct Shape {
    int l, d, n;
  };
  for (Shape sh : {Shape{1, 1, 1}, Shape{5, 7, 3}, Shape{16, 37, 16}, Shape{3, 13, 19},
                   Shape{4, 64, 8}, Shape{7, 300, 16}}) {
    for (int fmt = 0; fmt < 3; ++fmt) {
      SsmFormats f; // fmt 0: the defaults (mixed formats)
      if (fmt == 1)
        f.u = f.delta = f.a = f.b = f.c = f.d = f.z = f.state = f.out = 16; // ViM
      if (fmt == 2)
        f.delta = 20, f.a = 14, f.b = 9, f.state = 20, f.out = 10, f.z = 13;
      for (int variant = 0; variant < 4; ++variant) {
        const bool gate = variant & 1, skip = variant & 2;
        SelectiveScanParams p;
        p.l = sh.l, p.d = sh.d, p.n = sh.n, p.f = f;
        // Wide ranges reach every saturation and both ends of the exp ROM.
        auto u = edgyVec(rng, size_t(p.l) * p.d, kInt32Min, kInt32Max);
        auto delta = edgyVec(rng, size_t(p.l) * p.d, -1 << 20, 1 << 24);
        auto a = edgyVec(rng, size_t(p.d) * p.n, -1 << 24, 1 << 12);
        auto b = edgyVec(rng, size_t(p.l) * p.n, kInt32Min, kInt32Max);
        auto c = edgyVec(rng, size_t(p.l) * p.n, kInt32Min, kInt32Max);
        auto dsk = edgyVec(rng, size_t(p.d), kInt32Min, kInt32Max);
        auto z = edgyVec(rng, size_t(p.l) * p.d, kInt32Min, kInt32Max);
        auto h0 = edgyVec(rng, size_t(p.d) * p.n, kInt32Min, kInt32Max);
        std::vector<int32_t> hRef = h0, yRef(size_t(p.l) * p.d);
        selectiveScanHls(p, u.data(), delta.data(), a.data(), b.data(), c.data(),
                         skip ? dsk.data() : nullptr, gate ? z.data() : nullptr, hRef.data(),
                         yRef.data());
        forEachSimConfig([&](SimPath path) {
          std::vector<int32_t> h = h0, y(yRef.size(), 12345);
          if (!selectiveScanSim(p, u.data(), delta.data(), a.data(), b.data(), c.data(),
                                skip ? dsk.data() : nullptr, gate ? z.data() : nullptr, h.data(),
                                y.data(), path)) {
            EXPECT_EQ(path, SimPath::Vector) << "the ViM formats must have a fast path";
            return;
          }
          EXPECT_EQ(y, yRef) << sh.l << "x" << sh.d << "x" << sh.n << " fmt " << fmt;
          EXPECT_EQ(h, hRef);
        });
      }
    }
  }
}

TEST(SimFastPath, SelectiveScanLeavesWideShiftsToTheLoop) {
  SelectiveScanParams p;
  p.l = p.d = p.n = 2;
  p.f.b = 0; // shiftRne by 0: not a 64-bit RNE form
  std::vector<int32_t> v(8, 1), h(4, 7), y(4, 9);
  EXPECT_FALSE(selectiveScanSim(p, v.data(), v.data(), v.data(), v.data(), v.data(), nullptr,
                                nullptr, h.data(), y.data(), SimPath::Auto));
  EXPECT_EQ(h, std::vector<int32_t>(4, 7));
  EXPECT_EQ(y, std::vector<int32_t>(4, 9));
}

TEST(SimFastPath, LinearMatchesHlsLoop) {
  std::mt19937 rng(12);
  struct Case {
    int m, k, n, block;
    WeightKind kind;
  };
  for (Case cs : {Case{1, 32, 8, 32, WeightKind::Apot4}, Case{197, 192, 64, 32, WeightKind::Apot4},
                  Case{5, 96, 21, 32, WeightKind::Apot4}, Case{3, 70, 13, 32, WeightKind::Apot4},
                  Case{9, 16, 11, 16, WeightKind::Apot4}, Case{5, 48, 19, 16, WeightKind::Apot4},
                  Case{4, 64, 9, 64, WeightKind::Apot4},
                  Case{6, 96, 17, 32, WeightKind::Int8}, Case{2, 45, 5, 45, WeightKind::Int8}}) {
    for (int shift : {0, 1, 20, 31, 45, 62, 70}) {
      for (int variant = 0; variant < 6; ++variant) {
        LinearParams p;
        p.m = cs.m, p.k = cs.k, p.n = cs.n, p.block = cs.block, p.kind = cs.kind;
        p.shift = shift;
        p.act = static_cast<Activation>(variant % 3);
        p.outFrac = variant < 3 ? 16 : 9;
        const bool hasBias = variant & 1;
        const int nb = (p.k + p.block - 1) / p.block;
        std::vector<int8_t> x(size_t(p.m) * p.k);
        for (auto &v : x)
          v = int8_t(rng() % 8 == 0 ? (rng() % 2 ? -128 : 127) : int(rng() % 256) - 128);
        std::vector<uint8_t> w(size_t(p.n) * p.k);
        for (auto &v : w)
          v = uint8_t(rng());
        std::vector<uint16_t> ws(size_t(p.n) * nb);
        for (auto &v : ws)
          v = uint16_t(rng() % 4 == 0 ? 65535 : rng());
        auto xabs = edgyVec(rng, size_t(p.m), 0, kInt32Max);
        auto bias = edgyVec(rng, size_t(p.n), kInt32Min, kInt32Max);
        std::vector<int32_t> yRef(size_t(p.m) * p.n);
        linearEngineHls(p, x.data(), w.data(), ws.data(), xabs.data(),
                        hasBias ? bias.data() : nullptr, yRef.data());
        forEachSimConfig([&](SimPath path) {
          std::vector<int32_t> y(yRef.size(), 12345);
          if (!linearEngineSim(p, x.data(), w.data(), ws.data(), xabs.data(),
                               hasBias ? bias.data() : nullptr, y.data(), path)) {
            EXPECT_EQ(path, SimPath::Vector);
            return;
          }
          EXPECT_EQ(y, yRef) << p.m << "x" << p.k << "x" << p.n << " block " << p.block
                             << " shift " << shift << " variant " << variant;
        });
      }
    }
  }
}

TEST(SimFastPath, QuantizerMatchesHlsLoop) {
  // The HLS loop takes R from the iterative divider, the sim from divRne64, the AVX-512 form
  // splits x * R into two 32-bit products: all three must agree on every row.
  std::mt19937 rng(13);
  const int rows = 44, cols = 37;
  std::vector<int32_t> x = edgyVec(rng, size_t(rows) * cols, kInt32Min, kInt32Max);
  for (int c = 0; c < cols; ++c) {
    x[c] = 0;                                         // an all-zero token
    x[cols + c] = int32_t(c % 5) - 2;                 // tiny absmax
    x[2 * cols + c] = c == 0 ? 254 : int32_t(c) - 18; // 127 x / 254: exact halves, both parities
    x[3 * cols + c] = c == 0 ? kInt32Min : int32_t(rng()); // absmax saturated to INT32_MAX
  }
  for (int r = 4; r < 20; ++r) // small magnitudes: many quotients close to .5
    for (int c = 0; c < cols; ++c)
      x[size_t(r) * cols + c] = int32_t(rng() % 2001) - 1000;
  const int32_t special[4] = {1, 127, 128, kInt32Max}; // R = 127 * 2^31 (> 2^31) ... 127
  for (int r = 40; r < 44; ++r)
    for (int c = 0; c < cols; ++c) {
      const int32_t a = special[r - 40];
      x[size_t(r) * cols + c] = c == 0 ? a : c == 1 ? -a : int32_t(int64_t(rng()) % (a + int64_t(1)));
    }
  // a = 2^31 - 1 (R = 127): x = +-2^30 gives the exact half +-63.5.
  x[size_t(43) * cols + 2] = 1 << 30;
  x[size_t(43) * cols + 3] = -(1 << 30);
  std::vector<int8_t> qRef(x.size());
  std::vector<int32_t> aRef(rows);
  vecAbsmaxQuantizeHls(rows, cols, x.data(), qRef.data(), aRef.data());
  forEachSimConfig([&](SimPath path) {
    std::vector<int8_t> q(x.size(), 99);
    std::vector<int32_t> a(rows, -1);
    vecAbsmaxQuantizeSim(rows, cols, x.data(), q.data(), a.data(), path);
    EXPECT_EQ(q, qRef);
    EXPECT_EQ(a, aRef);
  });
}

TEST(SimFastPath, QuantizerExhaustiveSmallAbsmax) {
  // Every x in [-a, a] for each a up to 300: every quotient, tie and remainder pattern.
  for (int32_t a = 1; a <= 300; ++a) {
    std::vector<int32_t> x(2 * a + 1);
    for (int32_t i = -a; i <= a; ++i)
      x[i + a] = i;
    std::vector<int8_t> qRef(x.size());
    int32_t amRef = 0;
    vecAbsmaxQuantizeHls(1, int(x.size()), x.data(), qRef.data(), &amRef);
    for (SimPath path : {SimPath::Scalar, SimPath::Vector}) {
      std::vector<int8_t> q(x.size());
      int32_t am = 0;
      vecAbsmaxQuantizeSim(1, int(x.size()), x.data(), q.data(), &am, path);
      ASSERT_EQ(q, qRef) << "absmax " << a << " path " << int(path);
      ASSERT_EQ(am, amRef);
    }
  }
}

TEST(SimFastPath, ConvMatchesHlsLoop) {
  std::mt19937 rng(14);
  struct Shape {
    int l, c;
  };
  for (Shape sh : {Shape{7, 13}, Shape{45, 400}}) // the second splits over threads
    for (int kernel = 1; kernel <= kMaxConvKernel; ++kernel)
      for (ConvWeightKind kind : {ConvWeightKind::Apot5, ConvWeightKind::Int8})
        for (int shift : {1, 9, 24, 40, 62})
          for (int act = 0; act < 3; ++act) {
            ConvParams p;
            p.l = sh.l, p.c = sh.c, p.kernel = kernel, p.kind = kind, p.shift = shift;
            p.act = static_cast<Activation>(act);
            p.outFrac = act == 2 ? 20 : 16;
            auto x = edgyVec(rng, size_t(p.l + kernel - 1) * p.c, kInt32Min, kInt32Max);
            std::vector<uint8_t> w(size_t(p.c) * kernel);
            for (auto &v : w)
              v = uint8_t(rng());
            std::vector<uint16_t> scale(p.c);
            for (auto &v : scale)
              v = uint16_t(rng());
            auto bias = edgyVec(rng, size_t(p.c), kInt32Min, kInt32Max);
            std::vector<int32_t> yRef(size_t(p.l) * p.c);
            convEngineHls(p, x.data(), w.data(), scale.data(), bias.data(), yRef.data());
            forEachSimConfig([&](SimPath) {
              std::vector<int32_t> y(yRef.size(), 12345);
              ASSERT_TRUE(
                  convEngineSim(p, x.data(), w.data(), scale.data(), bias.data(), y.data()));
              EXPECT_EQ(y, yRef) << "kernel " << kernel << " shift " << shift << " act " << act;
            });
          }
  ConvParams p;
  p.l = p.c = 1, p.kernel = 1, p.shift = 0; // a left shift: the loop's 128-bit form
  int32_t x = 5, y = 0;
  uint8_t w = 1;
  uint16_t s = 1;
  EXPECT_FALSE(convEngineSim(p, &x, &w, &s, nullptr, &y));
}

TEST(SimFastPath, SoftplusActivationMatchesPwlUnit) {
  std::mt19937 rng(15);
  for (int frac : {0, 5, 12, 13, 16, 24, 31, 40}) {
    for (int i = 0; i < 20000; ++i) {
      const int32_t v = i < 200 ? int32_t(i * 977 - 100000) : edgy(rng, kInt32Min, kInt32Max);
      const int32_t q12 = sat32(shiftRne(v, frac - kExpInFrac));
      const int32_t ref = sat32(shiftRne(softplusPwl(q12), kExpInFrac - frac));
      ASSERT_EQ(applyActivation(v, Activation::Softplus, frac), ref) << v << " frac " << frac;
    }
  }
}

TEST(SimFastPath, ActivationRowsMatchScalarUnit) {
  std::mt19937 rng(16);
  for (Activation act : {Activation::None, Activation::Silu, Activation::Softplus})
    for (int frac : {0, 8, 12, 13, 16, 20, 31, 43, 44, 60})
      for (int count : {1, 7, 8, 13, 4099}) {
        std::vector<int32_t> v(static_cast<size_t>(count));
        for (int i = 0; i < count; ++i)
          v[size_t(i)] = i % 3 == 0 ? edgy(rng, kInt32Min, kInt32Max)
                                    : int32_t(rng() % 400001) - 200000; // around the ROM domain
        std::vector<int32_t> ref = v;
        for (int32_t &x : ref)
          x = applyActivation(x, act, frac);
        applyActivationSim(v.data(), count, act, frac);
        ASSERT_EQ(v, ref) << "act " << int(act) << " frac " << frac << " count " << count;
      }
}

TEST(SimFastPath, PoolCoversEveryIndexOnce) {
  const int saved = simThreads();
  for (int threads : {1, 2, 5}) {
    setSimThreads(threads);
    EXPECT_EQ(simThreads(), threads);
    for (int64_t count : {0, 1, 4, 5, 1000}) {
      std::vector<int> hits(size_t(count), 0);
      SimPool::get().parallelFor(count, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          ++hits[size_t(i)];
        // A nested call runs on the calling thread.
        SimPool::get().parallelFor(2, 1, [](int64_t, int64_t) {});
      });
      EXPECT_EQ(hits, std::vector<int>(size_t(count), 1)) << threads << " threads, " << count;
    }
  }
  setSimThreads(saved);
}

} // namespace
