//===- ProgramTest.cpp - hand-assembled programs through the runtime on the sim ---------===//
//
// Each test writes a program in the assembler's text form, runs it through Session on the
// `sim` device and compares with a host computation on the whole problem. What is under test is
// the program path: tiling, pitches, on-chip addressing, DMA, tokens and state carry. The
// engines' arithmetic itself is tested against independent references in tests/hw.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/SsmEngine.h"
#include "vimq/hw/VectorEngine.h"
#include "vimq/isa/ProgramAsm.h"
#include "vimq/runtime/Session.h"

#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

#include <random>

using namespace vimq;
using llvm::formatv;

namespace {

struct Runner {
  std::unique_ptr<rt::Device> device;
  isa::Bundle bundle;

  /// Assembles for the sim's fingerprint; `weights` fills buffer 0.
  rt::TensorMap run(const std::string &program, llvm::ArrayRef<uint8_t> weights,
                    const rt::TensorMap &inputs) {
    device = std::move(*rt::Device::open("sim"));
    llvm::Expected<isa::Bundle> b = isa::assembleProgram(program, "test.s");
    EXPECT_TRUE(bool(b)) << llvm::toString(b.takeError()) << "\n" << program;
    if (!b)
      return {};
    bundle = std::move(*b);
    bundle.fingerprint = device->fingerprint();
    bundle.buffers[0].init.assign(weights.begin(), weights.end());
    llvm::Expected<rt::Session> s = rt::Session::create(bundle, *device);
    EXPECT_TRUE(bool(s)) << llvm::toString(s.takeError());
    if (!s)
      return {};
    llvm::Expected<rt::TensorMap> out = s->run(inputs);
    EXPECT_TRUE(bool(out)) << llvm::toString(out.takeError());
    return out ? std::move(*out) : rt::TensorMap();
  }
};

template <typename T> void append(std::vector<uint8_t> &bytes, llvm::ArrayRef<T> values) {
  const auto *p = reinterpret_cast<const uint8_t *>(values.data());
  bytes.insert(bytes.end(), p, p + values.size() * sizeof(T));
}

std::vector<int32_t> randomInts(std::mt19937 &rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int32_t> v(n);
  for (int32_t &x : v)
    x = dist(rng);
  return v;
}

//===-- tiled linear ---------------------------------------------------------------------===//

/// docs/isa.md LINEAR with act=none, written independently of the engine: APoT-4 levels are
/// multiplied, not shifted, and blocks are summed in a wide integer.
int32_t referenceLinear(bool apot, int i, int j, int K, int block, const std::vector<int8_t> &a,
                        const std::vector<uint8_t> &w, const std::vector<int32_t> &ws,
                        const std::vector<int32_t> &xabs, const std::vector<int32_t> &bias,
                        int shift) {
  static const int kLevels[8] = {0, 16, 32, 48, 64, 96, 128, 160};
  int nb = K / block;
  __int128 total = 0;
  for (int b = 0; b < nb; ++b) {
    int64_t acc = 0;
    for (int k = b * block; k < (b + 1) * block; ++k) {
      uint8_t code = w[j * K + k];
      int64_t wv = apot ? (code & 8 ? -1 : 1) * kLevels[code & 7] : int8_t(code);
      acc += a[i * K + k] * wv;
    }
    total += __int128(acc) * ws[j * nb + b];
  }
  total *= xabs[i];
  // Round half to even by 2^shift.
  __int128 q = total >> shift;
  if (shift > 0) {
    __int128 rem = total - (q << shift), half = __int128(1) << (shift - 1);
    if (rem > half || (rem == half && (q & 1)))
      ++q;
  }
  __int128 v = q + bias[j];
  return int32_t(std::min<__int128>(std::max<__int128>(v, INT32_MIN), INT32_MAX)); // sat32
}

void runTiledLinear(bool apot) {
  // M = 5 tokens, K = 48 in two K tiles (accumulated), N = 12 in two N tiles; block 8. shift 0
  // keeps the K-split exact (RNE of partial sums would otherwise differ from RNE of the total).
  const int M = 5, K = 48, N = 12, KT = 24, NT = 6, block = 8, nb = K / block;
  std::mt19937 rng(apot ? 11 : 12);
  std::vector<int8_t> a(M * K);
  for (int8_t &x : a)
    x = int8_t(randomInts(rng, 1, -127, 127)[0]);
  std::vector<uint8_t> w(N * K);
  for (uint8_t &x : w)
    x = uint8_t(apot ? randomInts(rng, 1, 0, 15)[0] : randomInts(rng, 1, -127, 127)[0]);
  std::vector<int32_t> ws = randomInts(rng, N * nb, 1, 7);
  std::vector<int32_t> xabs = randomInts(rng, M, 1, 9);
  std::vector<int32_t> bias = randomInts(rng, N, -1000, 1000);

  // DDR weights buffer 0: codes [N][K] | ws [N][nb] i32 | bias [N] i32.
  std::vector<uint8_t> weights(w);
  append<int32_t>(weights, ws);
  append<int32_t>(weights, bias);
  const int wsOff = N * K, biasOff = wsOff + N * nb * 4;

  // vec map: xabs @0, bias @16, ws tiles @64 + 32t, out @256 (pitch N). wgt: tile t @256t.
  // Banking (docs/isa.md): act rows at a pitch coprime to 6 (49), weight rows of a K tile at
  // bankPitch(KT) = 25.
  const int PA = int(isa::bankPitch(K)), PW = int(isa::bankPitch(KT));
  std::string p = formatv(R"(
.buffer 0 weights {0}
.buffer 1 input {1}
.buffer 2 input {2}
.buffer 3 output {3}
.input a buf=1 off=0 dtype=i8 shape={4}x{5}
.input xabs buf=2 off=0 dtype=i32 shape={4}
.output y buf=3 off=0 dtype=i32 shape={4}x{6}
LOAD buf=act, dtype=i8, pitch={8}, rows={4}, cols={5}, ddr_buf=1, ddr_stride={5}
LOAD buf=vec, dtype=i32, rows=1, cols={4}, ddr_buf=2
LOAD buf=vec, dtype=i32, addr=16, rows=1, cols={6}, ddr_buf=0, ddr_off={7}
)",
                          weights.size(), M * K, M * 4, M * N * 4, M, K, N, biasOff, PA)
                      .str();
  int tile = 0;
  for (int n0 = 0; n0 < N; n0 += NT)
    for (int k0 = 0; k0 < K; k0 += KT, ++tile) {
      p += formatv("LOAD buf=wgt, dtype=u8, addr={0}, pitch={5}, rows={2}, cols={1}, ddr_buf=0, "
                   "ddr_off={3}, ddr_stride={4}\n",
                   256 * tile, KT, NT, n0 * K + k0, K, PW);
      // LOAD runs its queue in order, so one token after the last LOAD covers all of them.
      bool lastLoad = n0 + NT >= N && k0 + KT >= K;
      p += formatv("LOAD buf=vec, dtype=i32, addr={0}, pitch={1}, rows={2}, cols={1}, ddr_buf=0, "
                   "ddr_off={3}, ddr_stride={4}{5}\n",
                   64 + 32 * tile, KT / block, NT, wsOff + (n0 * nb + k0 / block) * 4, nb * 4,
                   lastLoad ? " ; push=linear" : "");
    }
  tile = 0;
  for (int n0 = 0; n0 < N; n0 += NT)
    for (int k0 = 0; k0 < K; k0 += KT, ++tile) {
      bool first = tile == 0, last = tile == 3;
      p += formatv("LINEAR wfmt={0}, bias={1}, acc={2}, m={3}, k={4}, n={5}, block={6}, "
                   "a_addr={7}, a_pitch={8}, w_addr={9}, ws_addr={10}, b_addr={11}, "
                   "o_addr={12}, o_pitch={13}{14}{15}{16}\n",
                   apot ? "apot4" : "int8", k0 == 0 ? 1 : 0, k0 == 0 ? 0 : 1, M, KT, NT, block,
                   k0, PA, 256 * tile, 64 + 32 * tile, 16 + n0, 256 + n0, N,
                   first || last ? " ;" : "", first ? " pop=load" : "",
                   last ? " push=store" : "");
    }
  p += formatv("STORE buf=vec, dtype=i32, addr=256, pitch={0}, rows={1}, cols={0}, ddr_buf=3, "
               "ddr_stride={2} ; pop=linear\nFINISH\n",
               N, M, N * 4)
           .str();

  Runner r;
  rt::TensorMap out =
      r.run(p, weights,
            {{"a", Tensor::fromVector<int8_t>({M, K}, a)},
             {"xabs", Tensor::fromVector<int32_t>({M}, xabs)}});
  ASSERT_EQ(out.count("y"), 1u);
  llvm::ArrayRef<int32_t> y = out.at("y").values<int32_t>();
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      ASSERT_EQ(y[i * N + j], referenceLinear(apot, i, j, K, block, a, w, ws, xabs, bias, 0))
          << i << "," << j;
}

TEST(Program, TiledLinearApot4) { runTiledLinear(true); }
TEST(Program, TiledLinearInt8) { runTiledLinear(false); }

//===-- scans with the state carried across token tiles ----------------------------------===//

struct ScanShape {
  bool ssd;
  int L, split; ///< tokens; the first tile has `split` of them
  int H, P, N, G; ///< selective: H = G = 1, P = channels
  int ch() const { return H * P; }
  int dtCols() const { return ssd ? H : ch(); }
  int aLen() const { return ssd ? H : ch() * N; }
  int dLen() const { return ssd ? H : ch(); }
};

/// Runs the scan as two SSM instructions (carry_out, then carry_in + carry_out) and checks y
/// and the final state against one engine call over all tokens. Gate and D-skip are on.
void runScan(const ScanShape &sh) {
  const int frac = 12, L = sh.L, C = sh.ch(), GN = sh.G * sh.N;
  const int one = 1 << frac;
  std::mt19937 rng(sh.ssd ? 21 : 22);
  std::vector<int32_t> u = randomInts(rng, L * C, -one, one);
  std::vector<int32_t> z = randomInts(rng, L * C, -2 * one, 2 * one);
  std::vector<int32_t> dt = randomInts(rng, L * sh.dtCols(), 0, one / 2); // softplus output
  std::vector<int32_t> bc = randomInts(rng, L * 2 * GN, -one, one);        // [L][B | C]
  std::vector<int32_t> a = randomInts(rng, sh.aLen(), -one, -one / 10);    // A < 0
  std::vector<int32_t> d = randomInts(rng, sh.dLen(), -one, one);

  // vec map: one row per token of [dt | B | C] (t_pitch) at 0; u, z, y regions; A then D.
  const int tPitch = sh.dtCols() + 2 * GN;
  const int U = L * tPitch, Z = U + L * C, Y = Z + L * C, A = Y + L * C;
  std::vector<uint8_t> weights;
  append<int32_t>(weights, a);
  append<int32_t>(weights, d);

  std::string p = formatv(R"(
.buffer 0 weights {0}
.buffer 1 input {1}
.buffer 2 input {1}
.buffer 3 input {2}
.buffer 4 input {3}
.buffer 5 output {1}
.buffer 6 output {4}
.input u buf=1 off=0 dtype=i32 shape={5}x{6}
.input z buf=2 off=0 dtype=i32 shape={5}x{6}
.input dt buf=3 off=0 dtype=i32 shape={5}x{7}
.input bc buf=4 off=0 dtype=i32 shape={5}x{8}
.output y buf=5 off=0 dtype=i32 shape={5}x{6}
.output state buf=6 off=0 dtype=i32 shape={6}x{9}
LOAD buf=vec, dtype=i32, addr={10}, pitch={6}, rows={5}, cols={6}, ddr_buf=1, ddr_stride={11}
LOAD buf=vec, dtype=i32, addr={12}, pitch={6}, rows={5}, cols={6}, ddr_buf=2, ddr_stride={11}
LOAD buf=vec, dtype=i32, addr=0, pitch={13}, rows={5}, cols={7}, ddr_buf=3, ddr_stride={14}
LOAD buf=vec, dtype=i32, addr={7}, pitch={13}, rows={5}, cols={8}, ddr_buf=4, ddr_stride={15}
LOAD buf=vec, dtype=i32, addr={16}, rows=1, cols={17}, ddr_buf=0 ; push=ssm
)",
                          weights.size(), L * C * 4, L * sh.dtCols() * 4, L * 2 * GN * 4,
                          C * sh.N * 4, L, C, sh.dtCols(), 2 * GN, sh.N, U, C * 4, Z, tPitch,
                          sh.dtCols() * 4, 2 * GN * 4, A, sh.aLen() + sh.dLen())
                      .str();
  for (int tile = 0; tile < 2; ++tile) {
    int t0 = tile ? sh.split : 0, len = tile ? L - sh.split : sh.split;
    p += formatv("SSM mode={0}, gate=1, dskip=1, carry_in={1}, carry_out=1, approx=1, len={2}, "
                 "ch={3}, heads={4}, n={5}, groups={6}, u_addr={7}, x_pitch={3}, dt_addr={8}, "
                 "bc_addr={9}, t_pitch={10}, a_addr={11}, z_addr={12}, y_addr={13}, frac={14}"
                 "{15}\n",
                 sh.ssd ? "ssd" : "selective", tile, len, C, sh.H, sh.N, sh.G, U + t0 * C,
                 t0 * tPitch, t0 * tPitch + sh.dtCols(), tPitch, A, Z + t0 * C, Y + t0 * C, frac,
                 tile ? " ; pop=load push=store" : "");
  }
  p += formatv(R"(STORE buf=vec, dtype=i32, addr={0}, pitch={1}, rows={2}, cols={1}, ddr_buf=5, ddr_stride={3} ; pop=ssm
STORE buf=state, dtype=i32, pitch={4}, rows={1}, cols={4}, ddr_buf=6, ddr_stride={5}
FINISH
)",
               Y, C, L, C * 4, sh.N, sh.N * 4)
           .str();

  Runner r;
  rt::TensorMap out = r.run(p, weights,
                            {{"u", Tensor::fromVector<int32_t>({L, C}, u)},
                             {"z", Tensor::fromVector<int32_t>({L, C}, z)},
                             {"dt", Tensor::fromVector<int32_t>({L, sh.dtCols()}, dt)},
                             {"bc", Tensor::fromVector<int32_t>({L, 2 * GN}, bc)}});
  ASSERT_EQ(out.size(), 2u);

  std::vector<int32_t> b(L * GN), c(L * GN);
  for (int t = 0; t < L; ++t)
    for (int i = 0; i < GN; ++i) {
      b[t * GN + i] = bc[t * 2 * GN + i];
      c[t * GN + i] = bc[t * 2 * GN + GN + i];
    }
  hw::SsmFormats fm;
  fm.u = fm.delta = fm.a = fm.b = fm.c = fm.d = fm.z = fm.state = fm.out = frac;
  std::vector<int32_t> state(C * sh.N, 0), y(L * C);
  if (sh.ssd) {
    hw::SsdScanParams q;
    q.l = L, q.h = sh.H, q.p = sh.P, q.n = sh.N, q.g = sh.G, q.f = fm;
    hw::ssdScan(q, u.data(), dt.data(), a.data(), b.data(), c.data(), d.data(), z.data(),
                state.data(), y.data());
  } else {
    hw::SelectiveScanParams q;
    q.l = L, q.d = C, q.n = sh.N, q.f = fm;
    hw::selectiveScan(q, u.data(), dt.data(), a.data(), b.data(), c.data(), d.data(), z.data(),
                      state.data(), y.data());
  }
  EXPECT_EQ(out.at("y").values<int32_t>(), llvm::ArrayRef<int32_t>(y));
  EXPECT_EQ(out.at("state").values<int32_t>(), llvm::ArrayRef<int32_t>(state));
  // Not vacuous: the scan produced something other than zeros.
  EXPECT_TRUE(llvm::any_of(y, [](int32_t v) { return v != 0; }));
}

TEST(Program, SelectiveScanStateCarriedAcrossTiles) {
  runScan({/*ssd=*/false, /*L=*/7, /*split=*/4, /*H=*/1, /*P=*/6, /*N=*/5, /*G=*/1});
}

TEST(Program, SsdScanStateCarriedAcrossTiles) {
  runScan({/*ssd=*/true, /*L=*/5, /*split=*/2, /*H=*/4, /*P=*/3, /*N=*/4, /*G=*/2});
}

} // namespace

//===-- Hadamard + int8 linear (FastMamba's linear path) ----------------------------------===//

namespace {

TEST(Program, HadamardThenInt8Linear) {
  // x [M][K] -> FWHT on groups of 8 (times 3/2, RNE) -> per-token absmax quantize -> int8
  // LINEAR with block-16 scales -> y. The FWHT reference is a product with the Sylvester
  // matrix H[i][j] = (-1)^popcount(i & j); quantization is the engine's (tests/hw checks it).
  const int M = 3, K = 32, N = 5, G = 8, block = 16, nb = K / block, shift = 12;
  std::mt19937 rng(31);
  std::vector<int32_t> x = randomInts(rng, M * K, -500, 500);
  std::vector<uint8_t> w(N * K);
  for (uint8_t &v : w)
    v = uint8_t(randomInts(rng, 1, -127, 127)[0]);
  // Ranges keep every result inside int32 (|y| < 2^24 by the bounds of each factor).
  std::vector<int32_t> ws = randomInts(rng, N * nb, 1, 20);
  std::vector<uint8_t> weights(w);
  append<int32_t>(weights, ws);

  std::string p = formatv(R"(
.buffer 0 weights {0}
.buffer 1 input {1}
.buffer 2 output {2}
.input x buf=1 off=0 dtype=i32 shape={3}x{4}
.output y buf=2 off=0 dtype=i32 shape={3}x{5}
LOAD buf=wgt, dtype=u8, pitch={12}, rows={5}, cols={4}, ddr_buf=0, ddr_stride={4}
LOAD buf=vec, dtype=i32, addr=272, rows=1, cols={6}, ddr_buf=0, ddr_off={7}
LOAD buf=vec, dtype=i32, pitch={4}, rows={3}, cols={4}, ddr_buf=1, ddr_stride={8} ; push=vector
VECTOR op=fwht, rows={3}, cols={4}, log2g=3, a_pitch={4}, o_addr=128, o_pitch={4}, imm=3, shift=1 ; pop=load
VECTOR op=quant, rows={3}, cols={4}, a_addr=128, a_pitch={4}, c_addr=256, o_pitch={12} ; push=linear
LINEAR wfmt=int8, m={3}, k={4}, n={5}, block={9}, a_pitch={12}, as_addr=256, ws_addr=272, o_addr=320, o_pitch={5}, shift={10} ; pop=vector push=store
STORE buf=vec, dtype=i32, addr=320, pitch={5}, rows={3}, cols={5}, ddr_buf=2, ddr_stride={11} ; pop=linear
FINISH
)",
                          weights.size(), M * K * 4, M * N * 4, M, K, N, N * nb, N * K, K * 4,
                          block, shift, N * 4, isa::bankPitch(K))
                      .str();
  Runner r;
  rt::TensorMap out = r.run(p, weights, {{"x", Tensor::fromVector<int32_t>({M, K}, x)}});
  ASSERT_EQ(out.count("y"), 1u);

  std::vector<int32_t> h(M * K);
  for (int m = 0; m < M; ++m)
    for (int g0 = 0; g0 < K; g0 += G)
      for (int i = 0; i < G; ++i) {
        int64_t acc = 0;
        for (int j = 0; j < G; ++j)
          acc += (__builtin_popcount(i & j) % 2 ? -1 : 1) * int64_t(x[m * K + g0 + j]);
        int64_t t = 3 * acc, q = t >> 1; // RNE(3 * acc / 2): ties go to the even neighbour
        if ((t & 1) && (q & 1))
          ++q;
        h[m * K + g0 + i] = int32_t(q);
      }
  std::vector<int8_t> a(M * K);
  std::vector<int32_t> absmax(M);
  hw::vecAbsmaxQuantize(M, K, h.data(), a.data(), absmax.data());
  std::vector<int32_t> zeroBias(N, 0);
  llvm::ArrayRef<int32_t> y = out.at("y").values<int32_t>();
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      ASSERT_EQ(y[i * N + j],
                referenceLinear(false, i, j, K, block, a, w, ws, absmax, zeroBias, shift))
          << i << "," << j;
}

} // namespace
