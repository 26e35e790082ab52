//===- GoldenVsEnginesTest.cpp - golden q ops == hw engine functions, bit for bit ------------===//
//
// Two implementations of docs/overlay.md "Numerics": the golden model (compiler/lib/golden) and
// the engines the overlay is synthesised from (hw/src). Random operands over wide ranges,
// several formats; every comparison is exact (no tolerance: both must be bit-exact).
//
//===----------------------------------------------------------------------------------------===//
#include "QOpBuilder.h"

#include "vimq/hw/ConvEngine.h"
#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/SsmEngine.h"
#include "vimq/hw/VectorEngine.h"

#include <bit>

using namespace vimq;
using namespace vimq::testing;

namespace {

std::vector<int32_t> vals(const Tensor &t) {
  auto v = t.values<int32_t>();
  return {v.begin(), v.end()};
}

Tensor randCodes(Shape s, unsigned mask, std::mt19937 &rng, DType dt = DType::U8) {
  Tensor t(dt, s);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.raw()[i] = uint8_t(rng() & mask);
  return t;
}

class LinearVsEngine : public ::testing::TestWithParam<std::tuple<const char *, const char *>> {};

TEST_P(LinearVsEngine, BitExact) {
  auto [wfmt, act] = GetParam();
  std::mt19937 rng(7);
  const int64_t b = 2, l = 3, k = 70, n = 9, block = 32, nb = 3; // K not a multiple of 32
  bool int8 = std::string(wfmt) == "int8";
  Tensor q(DType::I8, {b, l, k});
  for (int64_t i = 0; i < q.numel(); ++i)
    q.data<int8_t>()[i] = int8_t(int(rng() % 255) - 127);
  Tensor as = randI32({b, l}, 0, 1 << 20, rng);
  Tensor codes = int8 ? randCodes({n, k}, 0xff, rng, DType::I8) : randCodes({n, k}, 0xf, rng);
  Tensor ws = randI32({n, nb}, 0, 65535, rng);
  Tensor bias = randI32({n}, -(1 << 20), 1 << 20, rng);
  QOpCase c("q.Linear", {q, as, codes, ws, bias}, 0b11100, {ty(DType::I32, {b, l, n})});
  c.op->setAttr("wfmt", std::string(wfmt));
  c.op->setAttr("block", block);
  c.op->setAttr("shift", int64_t(40));
  c.op->setAttr("frac", int64_t(14));
  c.op->setAttr("act", std::string(act));
  auto got = c.eval();
  ASSERT_EQ(got.size(), 1u);

  hw::LinearParams p;
  p.m = int(b * l);
  p.k = int(k);
  p.n = int(n);
  p.kind = int8 ? hw::WeightKind::Int8 : hw::WeightKind::Apot4;
  p.block = int(block);
  p.shift = 40;
  p.outFrac = 14;
  std::string a = act;
  p.act = a == "silu" ? hw::Activation::Silu
                      : a == "softplus" ? hw::Activation::Softplus : hw::Activation::None;
  std::vector<uint16_t> ws16(ws.values<int32_t>().begin(), ws.values<int32_t>().end());
  std::vector<int32_t> y(size_t(b * l * n));
  hw::linearEngine(p, q.data<int8_t>(), codes.raw(), ws16.data(), as.data<int32_t>(),
                   bias.data<int32_t>(), y.data());
  EXPECT_EQ(vals(got[0]), y);
}

INSTANTIATE_TEST_SUITE_P(Formats, LinearVsEngine,
                         ::testing::Combine(::testing::Values("apot4", "int8"),
                                            ::testing::Values("none", "silu", "softplus")));

TEST(GoldenVsEngines, Conv1dApot5SiLU) {
  std::mt19937 rng(11);
  const int64_t b = 2, l = 7, ch = 5, ks = 4;
  for (bool silu : {false, true}) {
    Tensor x = randI32({b, l, ch}, -(1 << 22), 1 << 22, rng);
    Tensor codes = randCodes({ch, ks}, 0x1f, rng);
    Tensor ws = randI32({ch}, 0, 65535, rng);
    Tensor bias = randI32({ch}, -(1 << 18), 1 << 18, rng);
    QOpCase c("q.Conv1d", {x, codes, ws, bias}, 0b1110, {ty(DType::I32, {b, l, ch})});
    c.op->setAttr("wfmt", std::string("apot5"));
    c.op->setAttr("shift", int64_t(30));
    c.op->setAttr("frac", int64_t(16));
    c.op->setAttr("silu", int64_t(silu));
    auto got = c.eval();
    ASSERT_EQ(got.size(), 1u);
    hw::ConvParams p;
    p.l = int(l);
    p.c = int(ch);
    p.kernel = int(ks);
    p.shift = 30;
    p.outFrac = 16;
    p.act = silu ? hw::Activation::Silu : hw::Activation::None;
    std::vector<uint16_t> ws16(ws.values<int32_t>().begin(), ws.values<int32_t>().end());
    for (int64_t bi = 0; bi < b; ++bi) {
      // The engine reads K-1 history rows before the tile: zeros at the sequence start.
      std::vector<int32_t> xin(size_t((l + ks - 1) * ch), 0), y(size_t(l * ch));
      std::copy_n(x.data<int32_t>() + bi * l * ch, l * ch, xin.begin() + (ks - 1) * ch);
      hw::convEngine(p, xin.data(), codes.raw(), ws16.data(), bias.data<int32_t>(), y.data());
      std::vector<int32_t> mine(got[0].data<int32_t>() + bi * l * ch,
                                got[0].data<int32_t>() + (bi + 1) * l * ch);
      EXPECT_EQ(mine, y) << "batch " << bi << " silu " << silu;
    }
  }
}

TEST(GoldenVsEngines, SelectiveScanWithSkipAndGate) {
  std::mt19937 rng(3);
  const int64_t b = 2, l = 9, d = 6, n = 5;
  for (int f : {10, 14}) {
    int32_t one = 1 << f;
    Tensor u = randI32({b, l, d}, -4 * one, 4 * one, rng);
    Tensor dt = randI32({b, l, d}, 0, one / 2, rng);
    Tensor A = randI32({d, n}, -16 * one, 0, rng);
    Tensor Bm = randI32({b, l, n}, -2 * one, 2 * one, rng);
    Tensor Cm = randI32({b, l, n}, -2 * one, 2 * one, rng);
    Tensor D = randI32({d}, -one, one, rng);
    Tensor z = randI32({b, l, d}, -6 * one, 6 * one, rng);
    QOpCase c("q.SelectiveScan", {u, dt, A, Bm, Cm, D, z}, 0b0100100,
              {ty(DType::I32, {b, l, d})});
    c.op->setAttr("frac", int64_t(f));
    auto got = c.eval();
    ASSERT_EQ(got.size(), 1u);
    hw::SelectiveScanParams p;
    p.l = int(l);
    p.d = int(d);
    p.n = int(n);
    p.f = {f, f, f, f, f, f, f, f, f};
    for (int64_t bi = 0; bi < b; ++bi) {
      std::vector<int32_t> state(size_t(d * n), 0), y(size_t(l * d));
      hw::selectiveScan(p, u.data<int32_t>() + bi * l * d, dt.data<int32_t>() + bi * l * d,
                        A.data<int32_t>(), Bm.data<int32_t>() + bi * l * n,
                        Cm.data<int32_t>() + bi * l * n, D.data<int32_t>(),
                        z.data<int32_t>() + bi * l * d, state.data(), y.data());
      std::vector<int32_t> mine(got[0].data<int32_t>() + bi * l * d,
                                got[0].data<int32_t>() + (bi + 1) * l * d);
      EXPECT_EQ(mine, y) << "frac " << f << " batch " << bi;
    }
  }
}

TEST(GoldenVsEngines, RMSNormAndGated) {
  std::mt19937 rng(5);
  const int64_t rows = 7, cols = 16;
  for (int f : {8, 16}) {
    Tensor x = randI32({1, rows, cols}, -(100 << f), 100 << f, rng);
    Tensor z = randI32({1, rows, cols}, -(8 << f), 8 << f, rng);
    Tensor w = randI32({cols}, -(3 << f), 3 << f, rng);
    // A zero row exercises the eps-only path.
    std::fill_n(x.data<int32_t>(), cols, 0);
    QOpCase plain("q.RMSNorm", {x, w}, 0b10, {ty(DType::I32, {1, rows, cols})});
    plain.op->setAttr("frac", int64_t(f));
    plain.op->setAttr("eps", 1e-5);
    QOpCase gated("q.GatedRMSNorm", {x, z, w}, 0b100, {ty(DType::I32, {1, rows, cols})});
    gated.op->setAttr("frac", int64_t(f));
    gated.op->setAttr("eps", 1e-5);
    gated.op->setAttr("log2g", int64_t(2));
    hw::RmsNormParams p;
    p.rows = int(rows);
    p.cols = int(cols);
    p.inFrac = p.weightFrac = p.outFrac = p.gateFrac = f;
    p.epsBits = std::bit_cast<uint32_t>(1e-5f);
    std::vector<int32_t> y(size_t(rows * cols));
    hw::vecRmsNorm(p, x.data<int32_t>(), w.data<int32_t>(), nullptr, y.data());
    EXPECT_EQ(vals(plain.eval()[0]), y) << "frac " << f;
    p.group = 4;
    hw::vecRmsNorm(p, x.data<int32_t>(), w.data<int32_t>(), z.data<int32_t>(), y.data());
    EXPECT_EQ(vals(gated.eval()[0]), y) << "gated, frac " << f;
  }
}

TEST(GoldenVsEngines, RMSNormEdges) {
  // Seeded random rows over eps 0 / 1e-5 / 1e-6, whole rows of non-power-of-two width, groups,
  // |x| near 2^31 with g = 4096, all-zero rows, and the widest frac.
  std::mt19937 rng(6);
  struct Case {
    int64_t rows, cols, log2g;
    int f;
    float eps;
    int32_t lo, hi;
  };
  for (Case k : {Case{5, 37, 0, 16, 1e-5f, -(50 << 16), 50 << 16},
                 Case{5, 192, 0, 12, 1e-6f, -(1 << 20), 1 << 20},
                 Case{3, 4096, 0, 12, 1e-5f, INT32_MIN, INT32_MAX},
                 Case{3, 4096, 12, 16, 0.f, INT32_MIN, INT32_MAX},
                 Case{4, 48, 4, 24, 1e-6f, -(1 << 30), 1 << 30},
                 Case{4, 24, 3, 0, 0.f, -3, 3}}) {
    Tensor x = randI32({1, k.rows, k.cols}, k.lo, k.hi, rng);
    Tensor z = randI32({1, k.rows, k.cols}, -(8 << 12), 8 << 12, rng);
    Tensor w = randI32({k.cols}, -(3 << 16), 3 << 16, rng);
    std::fill_n(x.data<int32_t>(), k.cols, 0); // eps alone (V = 0 taken as 1 when eps = 0)
    hw::RmsNormParams p;
    p.rows = int(k.rows), p.cols = int(k.cols);
    p.inFrac = p.weightFrac = p.outFrac = p.gateFrac = k.f;
    p.epsBits = std::bit_cast<uint32_t>(k.eps);
    std::vector<int32_t> y(size_t(k.rows * k.cols));
    QOpCase plain("q.RMSNorm", {x, w}, 0b10, {ty(DType::I32, {1, k.rows, k.cols})});
    plain.op->setAttr("frac", int64_t(k.f));
    plain.op->setAttr("eps", double(k.eps));
    hw::vecRmsNorm(p, x.data<int32_t>(), w.data<int32_t>(), nullptr, y.data());
    EXPECT_EQ(vals(plain.eval()[0]), y) << k.cols << " frac " << k.f;
    QOpCase gated("q.GatedRMSNorm", {x, z, w}, 0b100, {ty(DType::I32, {1, k.rows, k.cols})});
    gated.op->setAttr("frac", int64_t(k.f));
    gated.op->setAttr("eps", double(k.eps));
    gated.op->setAttr("log2g", k.log2g);
    p.group = k.log2g ? 1 << k.log2g : 0;
    hw::vecRmsNorm(p, x.data<int32_t>(), w.data<int32_t>(), z.data<int32_t>(), y.data());
    EXPECT_EQ(vals(gated.eval()[0]), y) << "gated " << k.cols << " frac " << k.f;
  }
}

TEST(GoldenVsEngines, QuantizeTokensEdges) {
  // Absmax 1, 127, 128, 2^31 - 1 with x = +-a, the exact halves of a = 254 and a = 2^31 - 1
  // (x = +-2^30), and seeded random rows of every magnitude.
  std::mt19937 rng(10);
  const int64_t rows = 40, cols = 19;
  Tensor x(DType::I32, {1, rows, cols});
  int32_t *xs = x.data<int32_t>();
  const int32_t special[5] = {1, 127, 128, 254, INT32_MAX};
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t a = r < 5 ? special[r] : int32_t(rng() >> (1 + rng() % 31)) | 1;
    for (int64_t c = 0; c < cols; ++c)
      xs[r * cols + c] = c == 0 ? a : c == 1 ? -a : int32_t(int64_t(rng()) % (int64_t(a) + 1)) *
                                                         (rng() % 2 ? 1 : -1);
  }
  xs[4 * cols + 2] = 1 << 30;
  xs[4 * cols + 3] = -(1 << 30);
  for (int64_t c = 2; c < cols; ++c)
    xs[3 * cols + c] = int32_t(c % 2 ? c : -c) * 3; // odd multiples of 1/2 after x / 2
  QOpCase c("q.QuantizeTokens", {x}, 0, {ty(DType::I8, {1, rows, cols}), ty(DType::I32, {1, rows})});
  auto got = c.eval();
  ASSERT_EQ(got.size(), 2u);
  std::vector<int8_t> q(size_t(x.numel()));
  std::vector<int32_t> a(static_cast<size_t>(rows));
  hw::vecAbsmaxQuantizeHls(int(rows), int(cols), xs, q.data(), a.data());
  auto gq = got[0].values<int8_t>();
  EXPECT_EQ(std::vector<int8_t>(gq.begin(), gq.end()), q);
  EXPECT_EQ(vals(got[1]), a);
  EXPECT_EQ(q[size_t(4 * cols + 2)], 64); // 63.5 -> 64
}

TEST(GoldenVsEngines, QuantizeTokens) {
  std::mt19937 rng(9);
  Tensor x = randI32({2, 5, 33}, -(1 << 30), 1 << 30, rng);
  x.data<int32_t>()[0] = INT32_MIN; // |INT32_MIN| saturates
  std::fill_n(x.data<int32_t>() + 33, 33, 0); // an all-zero token
  QOpCase c("q.QuantizeTokens", {x}, 0,
            {ty(DType::I8, {2, 5, 33}), ty(DType::I32, {2, 5})});
  auto got = c.eval();
  ASSERT_EQ(got.size(), 2u);
  std::vector<int8_t> q(size_t(x.numel()));
  std::vector<int32_t> a(10);
  hw::vecAbsmaxQuantize(10, 33, x.data<int32_t>(), q.data(), a.data());
  auto gq = got[0].values<int8_t>();
  EXPECT_EQ(std::vector<int8_t>(gq.begin(), gq.end()), q);
  EXPECT_EQ(vals(got[1]), a);
}

TEST(GoldenVsEngines, PwlOverEveryQ12InputInRange) {
  // Every Q12 argument in [-40, 40] (and beyond, clamped) for exp, softplus and SiLU, at
  // frac 12 (no argument rounding) and at 8 / 16 (rounding into and out of Q12).
  for (int f : {8, 12, 16}) {
    Tensor x(DType::I32, {1, 1, 2 * (80 << 12) / 7 + 3});
    int64_t n = x.numel();
    for (int64_t i = 0; i < n - 3; ++i)
      x.data<int32_t>()[i] = int32_t((-(40 << f)) + i * 7 * (int64_t(1) << f) / 4096);
    x.data<int32_t>()[n - 3] = INT32_MIN;
    x.data<int32_t>()[n - 2] = INT32_MAX;
    x.data<int32_t>()[n - 1] = 0;
    for (auto [kind, fn] : {std::pair{"q.Exp", hw::PwlFunc::Exp},
                            std::pair{"q.Softplus", hw::PwlFunc::Softplus},
                            std::pair{"q.SiLU", hw::PwlFunc::Silu}}) {
      QOpCase c(kind, {x}, 0, {ty(DType::I32, {1, 1, n})});
      c.op->setAttr("frac", int64_t(f));
      std::vector<int32_t> y(static_cast<size_t>(n));
      hw::vecPwl(int(n), fn, f, x.data<int32_t>(), y.data());
      EXPECT_EQ(vals(c.eval()[0]), y) << kind << " frac " << f;
    }
  }
}

TEST(GoldenVsEngines, AddMulScaleFwht) {
  std::mt19937 rng(13);
  Tensor a = randI32({2, 3, 16}, INT32_MIN, INT32_MAX, rng);
  Tensor b = randI32({2, 3, 16}, INT32_MIN, INT32_MAX, rng);
  Tensor s = randI32({16}, -(1 << 24), 1 << 24, rng);
  std::vector<int32_t> y(96);

  QOpCase add("q.Add", {a, b}, 0, {ty(DType::I32, {2, 3, 16})});
  hw::vecAdd(96, a.data<int32_t>(), b.data<int32_t>(), y.data());
  EXPECT_EQ(vals(add.eval()[0]), y);

  QOpCase mul("q.Mul", {a, b}, 0, {ty(DType::I32, {2, 3, 16})});
  mul.op->setAttr("shift", int64_t(29));
  hw::vecMul(96, a.data<int32_t>(), b.data<int32_t>(), 29, y.data());
  EXPECT_EQ(vals(mul.eval()[0]), y);

  QOpCase scale("q.Scale", {a, s}, 0b10, {ty(DType::I32, {2, 3, 16})});
  scale.op->setAttr("shift", int64_t(24));
  hw::vecScaleChannels(6, 16, a.data<int32_t>(), s.data<int32_t>(), 24, y.data());
  EXPECT_EQ(vals(scale.eval()[0]), y);

  Tensor small = randI32({2, 3, 16}, -(1 << 20), 1 << 20, rng);
  QOpCase fwht("q.FWHT", {small}, 0, {ty(DType::I32, {2, 3, 16})});
  fwht.op->setAttr("log2g", int64_t(3));
  fwht.op->setAttr("imm", int64_t(-12345));
  fwht.op->setAttr("shift", int64_t(9));
  hw::vecFwht(6, 16, 3, -12345, 9, small.data<int32_t>(), y.data());
  EXPECT_EQ(vals(fwht.eval()[0]), y);
}

} // namespace
