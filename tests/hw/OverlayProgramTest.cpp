//===- OverlayProgramTest.cpp - hand-assembled programs through the top function ------------===//
//
// Each program moves data DDR -> on-chip -> engines -> DDR with dependency tokens, and the
// result must equal the host engine functions run directly on the same inputs (those are pinned
// to independent references in the engine tests). This checks decoding, addressing, tiling,
// state/history carry and the token protocol.
//
//===----------------------------------------------------------------------------------------===//

#include "ProgramBuilder.h"

#include "vimq/hw/ConvEngine.h"
#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/SsmEngine.h"
#include "vimq/hw/VectorEngine.h"

#include <random>

using namespace vimq;
using namespace vimq::hw;
using namespace vimq::hw::test;
using isa::Module;
using isa::Opcode;

namespace {

std::vector<int32_t> rnd32(std::mt19937 &rng, size_t n, int lo, int hi) {
  std::vector<int32_t> v(n);
  for (auto &x : v)
    x = lo + int(rng() % unsigned(hi - lo + 1));
  return v;
}

int64_t e(isa::Buf b) { return int64_t(b); }
int64_t e(isa::DType d) { return int64_t(d); }

/// LOAD of a dense [rows][cols] DDR buffer into `buf` at `addr` (on-chip pitch = cols, or
/// `pitch` when given: LINEAR's activation and weight rows sit at isa::bankPitch(k)).
size_t load(Program &p, uint32_t ddrBuf, isa::Buf buf, isa::DType dt, int64_t addr, int64_t rows,
            int64_t cols, int64_t push = 0, int64_t elemBytes = 4, int64_t pitch = 0) {
  return p.add(Opcode::LOAD, {{"buf", e(buf)},
                              {"dtype", e(dt)},
                              {"addr", addr},
                              {"pitch", pitch ? pitch : cols},
                              {"rows", rows},
                              {"cols", cols},
                              {"ddr_buf", ddrBuf},
                              {"ddr_off", 0},
                              {"ddr_stride", cols * elemBytes},
                              {"push", push}});
}

void expectOk(const Control &ctl) {
  EXPECT_EQ(ctl.done, 1u);
  EXPECT_EQ(ctl.error, 0u) << overlayErrorName(OverlayError(ctl.error)) << " at instruction "
                           << ctl.errorInsn;
}

} // namespace

TEST(OverlayProgram, TiledApot4Linear) {
  std::mt19937 rng(51);
  const int M = 5, K = 70, N = 20, block = 32, nb = 3, N1 = 12;
  std::vector<int8_t> x(M * K);
  for (auto &v : x)
    v = int8_t(int(rng() % 255) - 127);
  std::vector<uint8_t> w(N * K);
  for (auto &v : w)
    v = uint8_t(rng() % 16);
  auto xabs = rnd32(rng, M, 1, 1 << 18), ws = rnd32(rng, N * nb, 0, 65535);
  auto bias = rnd32(rng, N, -5000, 5000);

  Ddr ddr;
  uint32_t bx = ddr.add(x), babs = ddr.add(xabs), bw = ddr.add(w), bws = ddr.add(ws),
           bb = ddr.add(bias), by = ddr.addZeros(M * N * 4);
  Program p;
  using isa::Buf;
  using isa::DType;
  // Banking (docs/isa.md): activation rows at a pitch coprime to 6, weight row j at
  // j * bankPitch(K).
  const int P = int(isa::bankPitch(K));
  load(p, bx, Buf::act, DType::i8, 0, M, K, 0, 1, P);
  load(p, babs, Buf::vec, DType::i32, 0, 1, M);
  load(p, bw, Buf::wgt, DType::u8, 0, N, K, 0, 1, P);
  load(p, bws, Buf::vec, DType::i32, 64, 1, N * nb);
  load(p, bb, Buf::vec, DType::i32, 256, 1, N, bit(Module::linear));
  // Two output tiles of 12 and 8 columns (N need not be a multiple of the engine tile).
  for (int t = 0; t < 2; ++t) {
    const int n0 = t ? N1 : 0, n = t ? N - N1 : N1;
    p.add(Opcode::LINEAR, {{"wfmt", int64_t(isa::WFmt::apot4)},
                           {"bias", 1},
                           {"m", M},
                           {"k", K},
                           {"n", n},
                           {"block", block},
                           {"a_addr", 0},
                           {"a_pitch", P},
                           {"as_addr", 0},
                           {"w_addr", n0 * P},
                           {"ws_addr", 64 + n0 * nb},
                           {"b_addr", 256 + n0},
                           {"o_addr", 1024 + n0},
                           {"o_pitch", N},
                           {"shift", 28},
                           {"frac", 8},
                           {"pop", t ? 0 : bit(Module::load)},
                           {"push", bit(Module::store)}});
  }
  for (int t = 0; t < 2; ++t) {
    const int n0 = t ? N1 : 0, n = t ? N - N1 : N1;
    p.add(Opcode::STORE, {{"buf", e(Buf::vec)},
                          {"dtype", e(DType::i32)},
                          {"addr", 1024 + n0},
                          {"pitch", N},
                          {"rows", M},
                          {"cols", n},
                          {"ddr_buf", by},
                          {"ddr_off", n0 * 4},
                          {"ddr_stride", N * 4},
                          {"pop", bit(Module::linear)},
                          {"push", t ? bit(Module::load) : 0}});
  }
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
  Control ctl = ddr.run(p);
  expectOk(ctl);

  LinearParams lp;
  lp.m = M, lp.k = K, lp.n = N, lp.block = block, lp.shift = 28, lp.outFrac = 8;
  std::vector<uint16_t> ws16(ws.begin(), ws.end());
  std::vector<int32_t> expect(M * N);
  linearEngine(lp, x.data(), w.data(), ws16.data(), xabs.data(), bias.data(), expect.data());
  EXPECT_EQ(ddr.read<int32_t>(by), expect);

  // Cycle model (hw/src/LinearTile.h): per linear_rows x linear_cols tile, K k-loop iterations
  // (II=1), the epilogue's rows, and the pipeline depth; zcu102 is 16 x 16 with depth 8, so
  // each of the two instructions is one tile of 70 + 5 + 8.
  const UnitProfile &lin = ctl.profile[unsigned(Unit::Linear)];
  EXPECT_EQ(lin.instructions, 2u);
  EXPECT_EQ(lin.busyCycles, 2u * (K + M + 8));
  EXPECT_GT(lin.stallTokenCycles, 0u); // it had to wait for the loads
  EXPECT_EQ(ctl.profile[unsigned(Unit::Load)].ddrBytes,
            uint64_t(M * K + M * 4 + N * K + N * nb * 4 + N * 4));
  EXPECT_GE(ctl.cycles, lin.busyCycles);
  EXPECT_EQ(ctl.clockMhz, 350u);
  EXPECT_DOUBLE_EQ(modeledLatencyUs(ctl), double(ctl.cycles) / 350.0);
  // Every module's clock is accounted for: busy plus the three kinds of stall is the run.
  for (unsigned u = unsigned(Unit::Load); u < kNumUnits; ++u) {
    const UnitProfile &pr = ctl.profile[u];
    EXPECT_EQ(pr.busyCycles + pr.stallCmdCycles + pr.stallTokenCycles + pr.stallFullCycles +
                  pr.stallDdrCycles,
              ctl.cycles)
        << unitName(Unit(u));
  }
}

namespace {
struct ScanData {
  std::vector<int32_t> u, dt, bc, ad, z;
};
} // namespace

TEST(OverlayProgram, SelectiveScanTwoTilesCarryState) {
  std::mt19937 rng(52);
  const int L = 9, D = 6, N = 16, L1 = 4, frac = 12;
  ScanData s{rnd32(rng, L * D, -8000, 8000), rnd32(rng, L * D, 0, 3000),
             rnd32(rng, L * 2 * N, -6000, 6000), rnd32(rng, D * N + D, -20000, -100),
             rnd32(rng, L * D, -16000, 16000)};
  for (int d = 0; d < D; ++d) // D-skip is signed
    s.ad[D * N + d] = int32_t(rng() % 8193) - 4096;
  Ddr ddr;
  uint32_t bu = ddr.add(s.u), bdt = ddr.add(s.dt), bbc = ddr.add(s.bc), bad = ddr.add(s.ad),
           bz = ddr.add(s.z), by = ddr.addZeros(L * D * 4);
  Program p;
  using isa::Buf;
  using isa::DType;
  const int U = 0, DT = 1024, BC = 2048, AD = 4096, Z = 5120, Y = 6144;
  // delta and B/C rows share t_pitch in the ISA: delta sits in a [L][TP] region (LOAD's
  // on-chip pitch), B/C rows are [B | C] of 2N words.
  const int TP = 2 * N;
  load(p, bu, Buf::vec, DType::i32, U, L, D);
  p.add(Opcode::LOAD, {{"buf", e(Buf::vec)},
                       {"dtype", e(DType::i32)},
                       {"addr", DT},
                       {"pitch", TP},
                       {"rows", L},
                       {"cols", D},
                       {"ddr_buf", bdt},
                       {"ddr_stride", D * 4}});
  load(p, bbc, Buf::vec, DType::i32, BC, L, 2 * N);
  load(p, bad, Buf::vec, DType::i32, AD, 1, D * N + D);
  load(p, bz, Buf::vec, DType::i32, Z, L, D, bit(Module::ssm));
  for (int t = 0; t < 2; ++t) {
    const int t0 = t ? L1 : 0, len = t ? L - L1 : L1;
    p.add(Opcode::SSM, {{"mode", int64_t(isa::SsmMode::selective)},
                        {"gate", 1},
                        {"dskip", 1},
                        {"carry_in", t},
                        {"carry_out", 1},
                        {"approx", 1},
                        {"len", len},
                        {"ch", D},
                        {"heads", 1},
                        {"n", N},
                        {"groups", 1},
                        {"u_addr", U + t0 * D},
                        {"x_pitch", D},
                        {"dt_addr", DT + t0 * TP},
                        {"bc_addr", BC + t0 * TP},
                        {"t_pitch", TP},
                        {"a_addr", AD},
                        {"z_addr", Z + t0 * D},
                        {"y_addr", Y + t0 * D},
                        {"s_addr", 128},
                        {"frac", frac},
                        {"pop", t ? 0 : bit(Module::load)},
                        {"push", t ? bit(Module::store) : 0}});
  }
  p.add(Opcode::STORE, {{"buf", e(Buf::vec)},
                        {"dtype", e(DType::i32)},
                        {"addr", Y},
                        {"pitch", D},
                        {"rows", L},
                        {"cols", D},
                        {"ddr_buf", by},
                        {"ddr_stride", D * 4},
                        {"pop", bit(Module::ssm)},
                        {"push", bit(Module::load)}});
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
  Control ctl = ddr.run(p);
  expectOk(ctl);

  std::vector<int32_t> b(L * N), c(L * N);
  for (int t = 0; t < L; ++t)
    for (int n = 0; n < N; ++n) {
      b[t * N + n] = s.bc[t * 2 * N + n];
      c[t * N + n] = s.bc[t * 2 * N + N + n];
    }
  SelectiveScanParams sp;
  sp.l = L, sp.d = D, sp.n = N;
  sp.f.u = sp.f.delta = sp.f.a = sp.f.b = sp.f.c = sp.f.d = sp.f.z = sp.f.state = sp.f.out = frac;
  std::vector<int32_t> h(D * N, 0), expect(L * D);
  selectiveScan(sp, s.u.data(), s.dt.data(), s.ad.data(), b.data(), c.data(), s.ad.data() + D * N,
                s.z.data(), h.data(), expect.data());
  EXPECT_EQ(ddr.read<int32_t>(by), expect);
  // Two SSM instructions (hw/src/ScanTile.h): per token one beat staging B/C (n / 16 lanes)
  // and per channel a scalar beat plus ceil(n / 16) lane beats; pipeline depth 12 each.
  EXPECT_EQ(ctl.profile[unsigned(Unit::Ssm)].busyCycles, uint64_t(L * (1 + D * 2) + 2 * 12));
}

TEST(OverlayProgram, SsdScanStateCarriedAcrossTilesAndStored) {
  std::mt19937 rng(53);
  const int L = 7, H = 4, P = 3, N = 8, G = 2, CH = H * P, L1 = 3, frac = 12;
  const int TP = 2 * G * N; // shared pitch of dt rows ([L][TP], H used) and B/C rows
  auto x = rnd32(rng, L * CH, -8000, 8000), dt = rnd32(rng, L * H, 0, 3000);
  auto bc = rnd32(rng, L * TP, -6000, 6000), ad = rnd32(rng, 2 * H, -20000, -100);
  for (int h = 0; h < H; ++h)
    ad[H + h] = int32_t(rng() % 8193) - 4096;
  Ddr ddr;
  uint32_t bx = ddr.add(x), bdt = ddr.add(dt), bbc = ddr.add(bc), bad = ddr.add(ad),
           by = ddr.addZeros(L * CH * 4), bs = ddr.addZeros(CH * N * 4);
  Program p;
  using isa::Buf;
  using isa::DType;
  const int X = 0, DT = 512, BC = 1024, AD = 2048, Y = 3072;
  load(p, bx, Buf::vec, DType::i32, X, L, CH);
  p.add(Opcode::LOAD, {{"buf", e(Buf::vec)},
                       {"dtype", e(DType::i32)},
                       {"addr", DT},
                       {"pitch", TP},
                       {"rows", L},
                       {"cols", H},
                       {"ddr_buf", bdt},
                       {"ddr_stride", H * 4}});
  load(p, bbc, Buf::vec, DType::i32, BC, L, TP);
  load(p, bad, Buf::vec, DType::i32, AD, 1, 2 * H, bit(Module::ssm));
  for (int t = 0; t < 2; ++t) {
    const int t0 = t ? L1 : 0, len = t ? L - L1 : L1;
    p.add(Opcode::SSM, {{"mode", int64_t(isa::SsmMode::ssd)},
                        {"dskip", 1},
                        {"carry_in", t},
                        {"carry_out", 1},
                        {"approx", 1},
                        {"len", len},
                        {"ch", CH},
                        {"heads", H},
                        {"n", N},
                        {"groups", G},
                        {"u_addr", X + t0 * CH},
                        {"x_pitch", CH},
                        {"dt_addr", DT + t0 * TP},
                        {"bc_addr", BC + t0 * TP},
                        {"t_pitch", TP},
                        {"a_addr", AD},
                        {"y_addr", Y + t0 * CH},
                        {"s_addr", 0},
                        {"frac", frac},
                        {"pop", t ? 0 : bit(Module::load)},
                        {"push", t ? bit(Module::store) : 0}});
  }
  p.add(Opcode::STORE, {{"buf", e(Buf::vec)},
                        {"dtype", e(DType::i32)},
                        {"addr", Y},
                        {"pitch", CH},
                        {"rows", L},
                        {"cols", CH},
                        {"ddr_buf", by},
                        {"ddr_stride", CH * 4},
                        {"pop", bit(Module::ssm)}});
  // The decode path: the final state goes back to DDR.
  p.add(Opcode::STORE, {{"buf", e(Buf::state)},
                        {"dtype", e(DType::i32)},
                        {"addr", 0},
                        {"pitch", N},
                        {"rows", CH},
                        {"cols", N},
                        {"ddr_buf", bs},
                        {"ddr_stride", N * 4},
                        {"push", bit(Module::load)}});
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
  Control ctl = ddr.run(p);
  expectOk(ctl);

  std::vector<int32_t> b(L * G * N), c(L * G * N), dtDense(L * H);
  for (int t = 0; t < L; ++t) {
    for (int i = 0; i < G * N; ++i) {
      b[t * G * N + i] = bc[t * TP + i];
      c[t * G * N + i] = bc[t * TP + G * N + i];
    }
    for (int h = 0; h < H; ++h)
      dtDense[t * H + h] = dt[t * H + h];
  }
  SsdScanParams sp;
  sp.l = L, sp.h = H, sp.p = P, sp.n = N, sp.g = G;
  sp.f.u = sp.f.delta = sp.f.a = sp.f.b = sp.f.c = sp.f.d = sp.f.z = sp.f.state = sp.f.out = frac;
  std::vector<int32_t> state(CH * N, 0), expect(L * CH);
  ssdScan(sp, x.data(), dtDense.data(), ad.data(), b.data(), c.data(), ad.data() + H, nullptr,
          state.data(), expect.data());
  EXPECT_EQ(ddr.read<int32_t>(by), expect);
  EXPECT_EQ(ddr.read<int32_t>(bs), state);
}

TEST(OverlayProgram, HadamardThenInt8Linear) {
  std::mt19937 rng(54);
  const int M = 3, K = 32, N = 10, log2g = 3;
  auto x = rnd32(rng, M * K, -50000, 50000), ws = rnd32(rng, N, 0, 65535);
  std::vector<uint8_t> w(N * K);
  for (auto &v : w)
    v = uint8_t(rng());
  Ddr ddr;
  uint32_t bx = ddr.add(x), bw = ddr.add(w), bws = ddr.add(ws), by = ddr.addZeros(M * N * 4);
  Program p;
  using isa::Buf;
  using isa::DType;
  using isa::VOp;
  const int X = 0, XH = 256, AS = 512, WS = 600, O = 1024;
  const int P = int(isa::bankPitch(K)); // banking: LINEAR's act and weight row pitch
  load(p, bx, Buf::vec, DType::i32, X, M, K);
  load(p, bw, Buf::wgt, DType::u8, 0, N, K, 0, 1, P);
  load(p, bws, Buf::vec, DType::i32, WS, 1, N, bit(Module::vector));
  p.add(Opcode::VECTOR, {{"op", int64_t(VOp::fwht)},
                         {"rows", M},
                         {"cols", K},
                         {"log2g", log2g},
                         {"a_addr", X},
                         {"a_pitch", K},
                         {"o_addr", XH},
                         {"o_pitch", K},
                         {"imm", 1},
                         {"shift", 1},
                         {"pop", bit(Module::load)}});
  p.add(Opcode::VECTOR, {{"op", int64_t(VOp::quant)},
                         {"rows", M},
                         {"cols", K},
                         {"a_addr", XH},
                         {"a_pitch", K},
                         {"c_addr", AS},
                         {"o_addr", 0},
                         {"o_pitch", P},
                         {"push", bit(Module::linear)}});
  p.add(Opcode::LINEAR, {{"wfmt", int64_t(isa::WFmt::int8)},
                         {"m", M},
                         {"k", K},
                         {"n", N},
                         {"block", 0},
                         {"a_addr", 0},
                         {"a_pitch", P},
                         {"as_addr", AS},
                         {"w_addr", 0},
                         {"ws_addr", WS},
                         {"o_addr", O},
                         {"o_pitch", N},
                         {"shift", 24},
                         {"pop", bit(Module::vector)},
                         {"push", bit(Module::store)}});
  p.add(Opcode::STORE, {{"buf", e(Buf::vec)},
                        {"dtype", e(DType::i32)},
                        {"addr", O},
                        {"pitch", N},
                        {"rows", M},
                        {"cols", N},
                        {"ddr_buf", by},
                        {"ddr_stride", N * 4},
                        {"pop", bit(Module::linear)},
                        {"push", bit(Module::load)}});
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
  Control ctl = ddr.run(p);
  expectOk(ctl);

  std::vector<int32_t> xh(M * K), absmax(M), expect(M * N);
  std::vector<int8_t> q(M * K);
  vecFwht(M, K, log2g, 1, 1, x.data(), xh.data());
  vecAbsmaxQuantize(M, K, xh.data(), q.data(), absmax.data());
  LinearParams lp;
  lp.m = M, lp.k = K, lp.n = N, lp.kind = WeightKind::Int8, lp.block = K, lp.shift = 24;
  std::vector<uint16_t> ws16(ws.begin(), ws.end());
  linearEngine(lp, q.data(), w.data(), ws16.data(), absmax.data(), nullptr, expect.data());
  EXPECT_EQ(ddr.read<int32_t>(by), expect);
}

TEST(OverlayProgram, ConvTilesChainThroughHistory) {
  std::mt19937 rng(55);
  const int L = 11, C = 7, K = 4, L1 = 5, frac = 10;
  auto x = rnd32(rng, L * C, -127, 127), ws = rnd32(rng, C, 0, 65535);
  auto bias = rnd32(rng, C, -3000, 3000);
  std::vector<uint8_t> w(C * K);
  for (auto &v : w)
    v = uint8_t(rng() % 32); // APoT-5 codes
  Ddr ddr;
  uint32_t bx = ddr.add(x), bw = ddr.add(w), bws = ddr.add(ws), bb = ddr.add(bias),
           by = ddr.addZeros(L * C * 4);
  Program p;
  using isa::Buf;
  using isa::DType;
  const int X = 0, WS = 200, B = 300, H = 400, Y = 512;
  load(p, bx, Buf::vec, DType::i32, X, L, C);
  load(p, bw, Buf::wgt, DType::u8, 0, C, K, 0, 1);
  load(p, bws, Buf::vec, DType::i32, WS, 1, C);
  load(p, bb, Buf::vec, DType::i32, B, 1, C, bit(Module::conv));
  for (int t = 0; t < 2; ++t) {
    const int t0 = t ? L1 : 0, len = t ? L - L1 : L1;
    p.add(Opcode::CONV1D, {{"wfmt", int64_t(isa::WFmt::apot5)},
                           {"silu", 1},
                           {"bias", 1},
                           {"carry_in", t},
                           {"carry_out", 1},
                           {"ksize", K},
                           {"len", len},
                           {"ch", C},
                           {"x_addr", X + t0 * C},
                           {"x_pitch", C},
                           {"y_addr", Y + t0 * C},
                           {"y_pitch", C},
                           {"w_addr", 0},
                           {"ws_addr", WS},
                           {"b_addr", B},
                           {"h_addr", H},
                           {"shift", 12},
                           {"frac", frac},
                           {"pop", t ? 0 : bit(Module::load)},
                           {"push", t ? bit(Module::store) : 0}});
  }
  p.add(Opcode::STORE, {{"buf", e(Buf::vec)},
                        {"dtype", e(DType::i32)},
                        {"addr", Y},
                        {"pitch", C},
                        {"rows", L},
                        {"cols", C},
                        {"ddr_buf", by},
                        {"ddr_stride", C * 4},
                        {"pop", bit(Module::conv)},
                        {"push", bit(Module::load)}});
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
  Control ctl = ddr.run(p);
  expectOk(ctl);

  ConvParams cp;
  cp.l = L, cp.c = C, cp.kernel = K, cp.shift = 12, cp.outFrac = frac, cp.act = Activation::Silu;
  std::vector<int32_t> xin((K - 1) * C, 0);
  xin.insert(xin.end(), x.begin(), x.end());
  std::vector<uint16_t> ws16(ws.begin(), ws.end());
  std::vector<int32_t> expect(L * C);
  convEngine(cp, xin.data(), w.data(), ws16.data(), bias.data(), expect.data());
  EXPECT_EQ(ddr.read<int32_t>(by), expect);
}

TEST(OverlayProgram, VectorOpsDecodeTheirOperands) {
  std::mt19937 rng(56);
  const int R = 3, C = 16, frac = 12;
  auto a = rnd32(rng, R * C, -30000, 30000), b = rnd32(rng, R * C, -30000, 30000);
  auto w = rnd32(rng, C, -8192, 8192);
  Ddr ddr;
  uint32_t ba = ddr.add(a), bb = ddr.add(b), bw = ddr.add(w);
  uint32_t outs[4] = {ddr.addZeros(R * C * 4), ddr.addZeros(R * C * 4), ddr.addZeros(R * C * 4),
                      ddr.addZeros(R * C * 4)};
  Program p;
  using isa::Buf;
  using isa::DType;
  using isa::VOp;
  const int A = 0, B = 100, W = 200, O = 300;
  const float eps = 1e-3f;
  int32_t epsBits;
  std::memcpy(&epsBits, &eps, 4);
  load(p, ba, Buf::vec, DType::i32, A, R, C);
  load(p, bb, Buf::vec, DType::i32, B, R, C);
  load(p, bw, Buf::vec, DType::i32, W, 1, C, bit(Module::vector));
  struct Op {
    VOp op;
    int64_t imm, shift;
    bool reverse;
  } ops[4] = {{VOp::copy, 0, 0, true},
              {VOp::mul, 0, 13, false},
              {VOp::grmsnorm, epsBits, 0, false},
              {VOp::silu, 0, 0, false}};
  for (int i = 0; i < 4; ++i) {
    p.add(Opcode::VECTOR, {{"op", int64_t(ops[i].op)},
                           {"approx", 1},
                           {"reverse", ops[i].reverse},
                           {"rows", R},
                           {"cols", C},
                           {"a_addr", A},
                           {"a_pitch", C},
                           {"b_addr", B},
                           {"b_pitch", C},
                           {"c_addr", W},
                           {"o_addr", O + i * R * C},
                           {"o_pitch", C},
                           {"imm", ops[i].imm},
                           {"frac", frac},
                           {"shift", ops[i].shift},
                           {"pop", i ? 0 : bit(Module::load)},
                           {"push", i == 3 ? bit(Module::store) : 0}});
  }
  for (int i = 0; i < 4; ++i)
    p.add(Opcode::STORE, {{"buf", e(Buf::vec)},
                          {"dtype", e(DType::i32)},
                          {"addr", O + i * R * C},
                          {"pitch", C},
                          {"rows", R},
                          {"cols", C},
                          {"ddr_buf", outs[i]},
                          {"ddr_stride", C * 4},
                          {"pop", i ? 0 : bit(Module::vector)},
                          {"push", i == 3 ? bit(Module::load) : 0}});
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
  Control ctl = ddr.run(p);
  expectOk(ctl);

  std::vector<int32_t> flip(R * C), mul(R * C), norm(R * C), silu(R * C);
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c)
      flip[r * C + c] = a[(R - 1 - r) * C + c];
  vecMul(R * C, a.data(), b.data(), 13, mul.data());
  RmsNormParams rp;
  rp.rows = R, rp.cols = C, rp.inFrac = rp.weightFrac = rp.outFrac = rp.gateFrac = frac;
  rp.epsBits = uint32_t(epsBits);
  vecRmsNorm(rp, a.data(), w.data(), b.data(), norm.data());
  vecPwl(R * C, PwlFunc::Silu, frac, a.data(), silu.data());
  EXPECT_EQ(ddr.read<int32_t>(outs[0]), flip);
  EXPECT_EQ(ddr.read<int32_t>(outs[1]), mul);
  EXPECT_EQ(ddr.read<int32_t>(outs[2]), norm);
  EXPECT_EQ(ddr.read<int32_t>(outs[3]), silu);
}
