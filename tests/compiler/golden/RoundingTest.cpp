//===- RoundingTest.cpp - every rounding of the q ops at its boundaries ----------------------===//
#include "QOpBuilder.h"

#include "vimq/quant/QOps.h"

#include <cmath>

using namespace vimq;
using namespace vimq::testing;

namespace {

/// q.MulImm with imm 1 is a pure RNE right shift: check ties both ways and both signs.
TEST(Rounding, ShiftTiesToEven) {
  // value / 2 with shift 1: 1 -> 0 (0.5 to even 0), 3 -> 2 (1.5 -> 2), 5 -> 2 (2.5 -> 2),
  // -1 -> 0, -3 -> -2, -5 -> -2; non-ties round to nearest: 7/4 = 1.75 -> 2 with shift 2.
  Tensor x = Tensor::fromVector<int32_t>({1, 1, 7}, {1, 3, 5, -1, -3, -5, 2});
  QOpCase c("q.MulImm", {x}, 0, {ty(DType::I32, {1, 1, 7})});
  c.op->setAttr("imm", int64_t(1));
  c.op->setAttr("shift", int64_t(1));
  auto ry = c.eval();
  ASSERT_FALSE(ry.empty());
  auto y = ry[0].values<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(y.begin(), y.end()),
            (std::vector<int32_t>{0, 2, 2, 0, -2, -2, 1}));
}

TEST(Rounding, SaturatesInt32) {
  Tensor x = Tensor::fromVector<int32_t>({1, 1, 2}, {INT32_MAX, INT32_MIN});
  QOpCase c("q.MulImm", {x}, 0, {ty(DType::I32, {1, 1, 2})});
  c.op->setAttr("imm", int64_t(3));
  auto ry = c.eval();
  ASSERT_FALSE(ry.empty());
  auto y = ry[0].values<int32_t>();
  EXPECT_EQ(y[0], INT32_MAX);
  EXPECT_EQ(y[1], INT32_MIN);
}

TEST(Rounding, QuantizerTiesAndSymmetricSaturation) {
  // a = 254: 127·x/254 = x/2, so odd x are exact ties: 1 -> 0, 3 -> 2, -3 -> -2; 254 -> 127.
  Tensor x = Tensor::fromVector<int32_t>({1, 1, 5}, {1, 3, -3, 254, -254});
  QOpCase c("q.QuantizeTokens", {x}, 0, {ty(DType::I8, {1, 1, 5}), ty(DType::I32, {1, 1})});
  auto r = c.eval();
  auto q = r[0].values<int8_t>();
  EXPECT_EQ(std::vector<int>(q.begin(), q.end()), (std::vector<int>{0, 2, -2, 127, -127}));
  EXPECT_EQ(r[1].values<int32_t>()[0], 254);
}

TEST(Rounding, StaticQuantizerSaturatesAtMinus127) {
  // Ablation path: a fixed absmax smaller than the data must give -127, never -128.
  Tensor x = Tensor::fromVector<int32_t>({1, 1, 2}, {-1000, 1000});
  QOpCase c("q.QuantizeTokens", {x}, 0, {ty(DType::I8, {1, 1, 2}), ty(DType::I32, {1, 1})});
  c.op->setAttr("static_absmax", int64_t(10));
  auto rq = c.eval();
  ASSERT_FALSE(rq.empty());
  auto q = rq[0].values<int8_t>();
  EXPECT_EQ(q[0], -127);
  EXPECT_EQ(q[1], 127);
}

TEST(Rounding, FromFloatTiesToEvenAndSaturates) {
  // frac 1: 0.25·2 = 0.5 -> 0, 0.75·2 = 1.5 -> 2, -1.25·2 = -2.5 -> -2; 2^40 saturates.
  Tensor x = Tensor::fromVector<float>({1, 1, 5}, {0.25f, 0.75f, -1.25f, 0x1p40f, -0x1p40f});
  QOpCase c("q.FromFloat", {x}, 0, {ty(DType::I32, {1, 1, 5})});
  c.op->setAttr("frac", int64_t(1));
  auto ry = c.eval();
  ASSERT_FALSE(ry.empty());
  auto y = ry[0].values<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(y.begin(), y.end()),
            (std::vector<int32_t>{0, 2, -2, INT32_MAX, INT32_MIN}));
}

TEST(Rounding, FromFloatRejectsNonFinite) {
  Tensor x = Tensor::fromVector<float>({1, 1, 1}, {NAN});
  QOpCase c("q.FromFloat", {x}, 0, {ty(DType::I32, {1, 1, 1})});
  llvm::SmallVector<const Tensor *, 1> ptr = {&c.operands[0]};
  auto r = golden::evaluateQOp(*c.op, ptr);
  ASSERT_FALSE(r);
  EXPECT_NE(llvm::toString(r.takeError()).find("node 't'"), std::string::npos);
}

TEST(Rounding, ToFloatIsExactScaling) {
  Tensor x = Tensor::fromVector<int32_t>({1, 1, 3}, {3, -1, INT32_MIN});
  QOpCase c("q.ToFloat", {x}, 0, {ty(DType::F32, {1, 3})});
  c.op->setAttr("frac", int64_t(2));
  auto ry = c.eval();
  ASSERT_FALSE(ry.empty());
  auto y = ry[0].values<float>();
  EXPECT_EQ(y[0], 0.75f);
  EXPECT_EQ(y[1], -0.25f);
  EXPECT_EQ(y[2], -0x1p29f);
}

TEST(Rounding, PatchLayout) {
  // [1, 2, 2, 4] image, 2x2 patches: 2 patches of 2·2·2 = 8 columns, (c, u, v) order.
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i)
    v[size_t(i)] = float(i);
  Tensor img = Tensor::fromVector<float>({1, 2, 2, 4}, v);
  QOpCase c("q.FromFloat", {img}, 0, {ty(DType::I32, {1, 2, 8})});
  c.op->setAttr("frac", int64_t(0));
  c.op->setAttr("layout", std::string("patches"));
  c.op->setAttr("patch", std::vector<int64_t>{2, 2});
  auto ry = c.eval();
  ASSERT_FALSE(ry.empty());
  auto y = ry[0].values<int32_t>();
  // patch 0: c0 rows 0..1 cols 0..1 = 0 1 4 5, c1 = 8 9 12 13; patch 1 shifted by 2.
  EXPECT_EQ(std::vector<int32_t>(y.begin(), y.end()),
            (std::vector<int32_t>{0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15}));
}

TEST(Rounding, VerifierRejectsUnencodableShift) {
  Tensor x = Tensor::fromVector<int32_t>({1, 1, 1}, {1});
  QOpCase c("q.MulImm", {x}, 0, {ty(DType::I32, {1, 1, 1})});
  c.op->setAttr("shift", int64_t(128));
  llvm::SmallVector<const Tensor *, 1> ptr = {&c.operands[0]};
  auto r = golden::evaluateQOp(*c.op, ptr);
  ASSERT_FALSE(r);
  EXPECT_NE(llvm::toString(r.takeError()).find("shift = 128"), std::string::npos);
}

TEST(Rounding, VerifierRejectsNormsOutsideTheFactorDatapath) {
  // frac beyond kMaxNormFrac would overflow the overlay's 128-bit norm factor; eps must be a
  // finite value >= 0.
  Tensor x = Tensor::fromVector<int32_t>({1, 1, 2}, {1, 2});
  Tensor w = Tensor::fromVector<int32_t>({2}, {1, 1});
  struct Case {
    int64_t frac;
    double eps;
    const char *error; // empty: accepted
  };
  for (Case k : {Case{quant::kMaxNormFrac, 1e-5, ""}, Case{quant::kMaxNormFrac + 1, 1e-5, "frac = 25"},
                 Case{16, -1.0, "eps must be a finite value >= 0"},
                 Case{16, HUGE_VAL, "eps must be a finite value >= 0"}, Case{16, 0.0, ""}}) {
    QOpCase c("q.RMSNorm", {x, w}, 0b10, {ty(DType::I32, {1, 1, 2})});
    c.op->setAttr("frac", k.frac);
    c.op->setAttr("eps", k.eps);
    llvm::SmallVector<const Tensor *, 2> ptr = {&c.operands[0], &c.operands[1]};
    auto r = golden::evaluateQOp(*c.op, ptr);
    if (!*k.error) {
      EXPECT_TRUE(bool(r)) << (r ? "" : llvm::toString(r.takeError()));
      continue;
    }
    ASSERT_FALSE(r) << k.frac << " " << k.eps;
    EXPECT_NE(llvm::toString(r.takeError()).find(k.error), std::string::npos) << k.error;
  }
}

TEST(Rounding, LinearDequantisationTiesToEven) {
  // One token, K = 1, APoT-4 code 1 (level 16), mantissa 1, absmax a: total·a / 2^5 =
  // 16·q·a / 32. q = 1, a = 1 -> 0.5 -> 0; a = 3 -> 1.5 -> 2; q = -1, a = 5 -> -2.5 -> -2.
  for (auto [q, a, want] : {std::tuple{1, 1, 0}, std::tuple{1, 3, 2}, std::tuple{-1, 5, -2}}) {
    Tensor x = Tensor::fromVector<int8_t>({1, 1, 1}, {int8_t(q)});
    Tensor as = Tensor::fromVector<int32_t>({1, 1}, {a});
    Tensor codes = Tensor::fromVector<uint8_t>({1, 1}, {1});
    Tensor ws = Tensor::fromVector<int32_t>({1, 1}, {1});
    QOpCase c("q.Linear", {x, as, codes, ws}, 0b1100, {ty(DType::I32, {1, 1, 1})});
    c.op->setAttr("wfmt", std::string("apot4"));
    c.op->setAttr("block", int64_t(1));
    c.op->setAttr("shift", int64_t(5));
    auto r = c.eval();
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0].values<int32_t>()[0], want) << "q " << q << " a " << a;
  }
}

TEST(Rounding, ConvTiesToEvenAndZeroHistory) {
  // K = 2, both taps APoT-5 code 1 (level 4), mantissa 1, shift 3: y[t] = 4·(x[t-1] + x[t]) / 8
  // with x[-1] = 0: x = {1, 2, 3} -> 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
  Tensor x = Tensor::fromVector<int32_t>({1, 3, 1}, {1, 2, 3});
  Tensor codes = Tensor::fromVector<uint8_t>({1, 2}, {1, 1});
  Tensor ws = Tensor::fromVector<int32_t>({1}, {1});
  QOpCase c("q.Conv1d", {x, codes, ws}, 0b110, {ty(DType::I32, {1, 3, 1})});
  c.op->setAttr("wfmt", std::string("apot5"));
  c.op->setAttr("shift", int64_t(3));
  auto r = c.eval();
  ASSERT_FALSE(r.empty());
  auto y = r[0].values<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(y.begin(), y.end()), (std::vector<int32_t>{0, 2, 2}));
}

TEST(Rounding, RMSNormOfAZeroRowIsZero) {
  // S = 0: V = E = RNE(eps·4·2^24) = 671, and 0·rq·w = 0 exactly.
  Tensor x(DType::I32, {1, 2, 4});
  x.data<int32_t>()[4] = 1 << 12; // second row: one non-zero element
  Tensor w = Tensor::fromVector<int32_t>({4}, {1 << 12, 1 << 12, 1 << 12, 1 << 12});
  QOpCase c("q.RMSNorm", {x, w}, 0b10, {ty(DType::I32, {1, 2, 4})});
  c.op->setAttr("frac", int64_t(12));
  c.op->setAttr("eps", 1e-5);
  auto r = c.eval();
  ASSERT_FALSE(r.empty());
  auto y = r[0].values<int32_t>();
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(y[i], 0);
  // Row 2: x = (1, 0, 0, 0), rms = 1/2: y0 = 1 / sqrt(1/4 + eps) = 1.99996, in Q12 8191.84
  // rounded to 8192.
  EXPECT_EQ(y[4], 8192);
}

} // namespace
