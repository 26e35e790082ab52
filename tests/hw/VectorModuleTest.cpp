//===- VectorModuleTest.cpp - every VECTOR op through the overlay: results and loop counts ----===//
//
// Each op runs as LOAD -> VECTOR -> STORE through vimq_overlay twice: with the simulation fast
// paths off (VectorTile.h's loops exactly as synthesised) and on. Both must give the dense
// engine's result (VectorEngine.h, pinned to independent references in VectorEngineTest), and
// with the fast paths off the loop iterations the sim counts must equal the cycle model's:
// the unit's busy cycles minus the overhead documented in hw/src/VectorTile.h, and the
// iteration formula written out here.
//
//===----------------------------------------------------------------------------------------===//

#include "ProgramBuilder.h"

#include "vimq/hw/Numerics.h"
#include "vimq/hw/SimControl.h"
#include "vimq/hw/Target.h"
#include "vimq/hw/VectorEngine.h"

#include <cstring>
#include <random>
#include <string>

using namespace vimq;
using namespace vimq::hw;
using namespace vimq::hw::test;
using isa::Buf;
using isa::DType;
using isa::Module;
using isa::Opcode;
using isa::VOp;

namespace {

// 4800 elements: above the element-wise fast path's threshold, with a partial last beat.
constexpr int R = 12, C = 400, frac = 12;
constexpr int A = 0, B = R * C, CV = 2 * R * C, O = 2 * R * C + C;

struct Case {
  std::string name;
  VOp op;
  bool reverse = false;
  int64_t imm = 0, shift = 0, log2g = 0;
};

int32_t bitsOf(float f) {
  int32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

struct Lanes {
  uint64_t w, depth;
};

Lanes zcu102Lanes() {
  auto t = hw::Target::loadByName("zcu102");
  if (!t) {
    ADD_FAILURE() << llvm::toString(t.takeError());
    return {16, 10};
  }
  return {uint64_t(t->vectorWidth()), uint64_t(t->param("pipeline_depth_vector"))};
}

uint64_t beats(uint64_t n, uint64_t w) { return (n + w - 1) / w; }

/// The documented cycle model (hw/src/VectorTile.h): {iterations, overhead}.
std::pair<uint64_t, uint64_t> model(const Case &k, Lanes t) {
  const uint64_t b = beats(C, t.w);
  switch (k.op) {
  case VOp::add:
  case VOp::mul:
  case VOp::scale:
    return {2 * R * b, t.depth};
  case VOp::quant:
    return {2 * R * b, R * (uint64_t(kQuantRecipCycles) + 2 * t.depth)};
  case VOp::rmsnorm:
  case VOp::grmsnorm: {
    const uint64_t g = k.op == VOp::grmsnorm && k.log2g ? uint64_t(1) << k.log2g : C;
    const uint64_t perPass = (C / g) * beats(g, t.w);
    return {R * (k.op == VOp::grmsnorm ? 4 : 3) * perPass,
            R * (C / g) * (uint64_t(kRsqrtCycles) + 2 * t.depth)};
  }
  case VOp::fwht: {
    const uint64_t g = uint64_t(1) << k.log2g, passes = R * (C / g) * (k.log2g + 1);
    return {passes * beats(g, t.w), passes * t.depth};
  }
  default:
    return {R * b, t.depth};
  }
}

struct Inputs {
  std::vector<int32_t> a, b, c;
};

/// The op through the overlay; returns the vec output rows (or, for quant, the codes widened
/// and then the absmax row).
std::vector<int32_t> runOnOverlay(const Case &k, const Inputs &in, Control &ctl) {
  Ddr ddr;
  const uint32_t ba = ddr.add(in.a), bb = ddr.add(in.b), bc = ddr.add(in.c);
  const bool quant = k.op == VOp::quant;
  const uint32_t out = ddr.addZeros(quant ? R * C : R * C * 4);
  const uint32_t outAbs = ddr.addZeros(R * 4);
  Program p;
  auto load = [&](uint32_t buf, int64_t addr, int64_t rows, int64_t cols, int64_t push) {
    p.add(Opcode::LOAD, {{"buf", int64_t(Buf::vec)},
                         {"dtype", int64_t(DType::i32)},
                         {"addr", addr},
                         {"pitch", cols},
                         {"rows", rows},
                         {"cols", cols},
                         {"ddr_buf", buf},
                         {"ddr_stride", cols * 4},
                         {"push", push}});
  };
  load(ba, A, R, C, 0);
  load(bb, B, R, C, 0);
  load(bc, CV, 1, C, bit(Module::vector));
  p.add(Opcode::VECTOR, {{"op", int64_t(k.op)},
                         {"approx", 1},
                         {"reverse", k.reverse},
                         {"rows", R},
                         {"cols", C},
                         {"log2g", k.log2g},
                         {"a_addr", A},
                         {"a_pitch", C},
                         {"b_addr", B},
                         {"b_pitch", C},
                         {"c_addr", CV},
                         {"o_addr", quant ? 0 : O},
                         {"o_pitch", C},
                         {"imm", k.imm},
                         {"frac", frac},
                         {"shift", k.shift},
                         {"pop", bit(Module::load)},
                         {"push", bit(Module::store)}});
  p.add(Opcode::STORE, {{"buf", int64_t(quant ? Buf::act : Buf::vec)},
                        {"dtype", int64_t(quant ? DType::i8 : DType::i32)},
                        {"addr", quant ? 0 : O},
                        {"pitch", C},
                        {"rows", R},
                        {"cols", C},
                        {"ddr_buf", out},
                        {"ddr_stride", quant ? C : C * 4},
                        {"pop", bit(Module::vector)}});
  p.add(Opcode::STORE, {{"buf", int64_t(Buf::vec)},
                        {"dtype", int64_t(DType::i32)},
                        {"addr", CV},
                        {"pitch", R},
                        {"rows", 1},
                        {"cols", R},
                        {"ddr_buf", outAbs},
                        {"ddr_stride", R * 4},
                        {"push", bit(Module::load)}});
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
  ctl = ddr.run(p);
  EXPECT_EQ(ctl.done, 1u) << k.name;
  EXPECT_EQ(ctl.error, 0u) << k.name << ": " << overlayErrorName(OverlayError(ctl.error));
  if (!quant)
    return ddr.read<int32_t>(out);
  std::vector<int8_t> q = ddr.read<int8_t>(out);
  std::vector<int32_t> res(q.begin(), q.end());
  std::vector<int32_t> am = ddr.read<int32_t>(outAbs);
  res.insert(res.end(), am.begin(), am.end());
  return res;
}

/// The same op on the dense engine.
std::vector<int32_t> reference(const Case &k, const Inputs &in) {
  const int n = R * C;
  std::vector<int32_t> y(n);
  std::vector<int32_t> a = in.a;
  if (k.reverse)
    for (int r = 0; r < R; ++r)
      std::memcpy(&a[size_t(r) * C], &in.a[size_t(R - 1 - r) * C], C * 4);
  switch (k.op) {
  case VOp::copy:
    return a;
  case VOp::add:
    vecAdd(n, a.data(), in.b.data(), y.data());
    break;
  case VOp::mul:
    vecMul(n, a.data(), in.b.data(), int(k.shift), y.data());
    break;
  case VOp::scale:
    vecScaleChannels(R, C, a.data(), in.c.data(), int(k.shift), y.data());
    break;
  case VOp::muli:
    for (int i = 0; i < n; ++i)
      y[i] = sat32(shiftRne(i128(a[i]) * int32_t(k.imm), int(k.shift)));
    break;
  case VOp::exp:
    vecPwl(n, PwlFunc::Exp, frac, a.data(), y.data());
    break;
  case VOp::softplus:
    vecPwl(n, PwlFunc::Softplus, frac, a.data(), y.data());
    break;
  case VOp::silu:
    vecPwl(n, PwlFunc::Silu, frac, a.data(), y.data());
    break;
  case VOp::rmsnorm:
  case VOp::grmsnorm: {
    RmsNormParams p;
    p.rows = R, p.cols = C;
    p.group = k.op == VOp::grmsnorm && k.log2g ? 1 << k.log2g : 0;
    p.inFrac = p.weightFrac = p.outFrac = p.gateFrac = frac;
    p.epsBits = uint32_t(k.imm);
    vecRmsNorm(p, a.data(), in.c.data(), k.op == VOp::grmsnorm ? in.b.data() : nullptr,
               y.data());
    break;
  }
  case VOp::quant: {
    std::vector<int8_t> q(n);
    std::vector<int32_t> am(R);
    vecAbsmaxQuantize(R, C, a.data(), q.data(), am.data());
    std::vector<int32_t> res(q.begin(), q.end());
    res.insert(res.end(), am.begin(), am.end());
    return res;
  }
  case VOp::fwht:
    vecFwht(R, C, int(k.log2g), int32_t(k.imm), int(k.shift), a.data(), y.data());
    break;
  }
  return y;
}

std::vector<int32_t> rnd(std::mt19937 &rng, size_t n, int32_t lo, int32_t hi) {
  std::vector<int32_t> v(n);
  for (auto &x : v)
    x = int32_t(lo + int64_t(rng() % uint64_t(int64_t(hi) - lo + 1)));
  return v;
}

} // namespace

TEST(VectorModule, EveryOpMatchesEngineAndCountsModelIterations) {
  const Lanes t = zcu102Lanes();
  std::mt19937 rng(77);
  Inputs in;
  in.a = rnd(rng, R * C, -(1 << 20), 1 << 20);
  in.b = rnd(rng, R * C, -(1 << 18), 1 << 18);
  in.c = rnd(rng, C, -(1 << 14), 1 << 14);
  in.a[5] = kInt32Min; // saturating absmax and products
  in.a[C + 7] = kInt32Max;
  const int32_t eps = bitsOf(1e-3f);
  const Case cases[] = {
      {"copy", VOp::copy},
      {"copy reversed", VOp::copy, true},
      {"add", VOp::add},
      {"mul", VOp::mul, false, 0, 13},
      {"scale", VOp::scale, false, 0, 14},
      {"muli", VOp::muli, false, 12345, 10},
      {"exp", VOp::exp},
      {"softplus", VOp::softplus},
      {"silu", VOp::silu},
      {"silu reversed", VOp::silu, true},
      {"rmsnorm", VOp::rmsnorm, false, eps},
      {"rmsnorm reversed", VOp::rmsnorm, true, eps},
      {"grmsnorm", VOp::grmsnorm, false, eps},
      {"grmsnorm groups of 8", VOp::grmsnorm, false, eps, 0, 3},
      {"quant", VOp::quant},
      {"quant reversed", VOp::quant, true},
      {"fwht 16", VOp::fwht, false, 3, 2, 4},
      {"fwht 2", VOp::fwht, false, -5, 1, 1},
      {"fwht 1", VOp::fwht, false, 7, 0, 0},
  };
  const unsigned vu = unsigned(Unit::Vector);
  for (const Case &k : cases) {
    SCOPED_TRACE(k.name);
    const std::vector<int32_t> want = reference(k, in);
    Control slow, fast;
    setSimFastPaths(false);
    resetSimLoopIterations();
    const std::vector<int32_t> loops = runOnOverlay(k, in, slow);
    const uint64_t counted = simLoopIterations(Unit::Vector);
    setSimFastPaths(true);
    const std::vector<int32_t> fastOut = runOnOverlay(k, in, fast);
    EXPECT_EQ(loops, want);
    EXPECT_EQ(fastOut, want);
    const auto [iterations, overhead] = model(k, t);
    EXPECT_EQ(slow.profile[vu].instructions, 1u);
    EXPECT_EQ(counted, slow.profile[vu].busyCycles - overhead);
    EXPECT_EQ(counted, iterations);
    EXPECT_EQ(fast.profile[vu].busyCycles, slow.profile[vu].busyCycles);
  }
  setSimFastPaths(true);
}
