//===- ProgramTest.cpp - hand-assembled programs through the runtime on the sim ---------===//
//
// Each test writes a program in the assembler's text form, runs it through Session on the
// `sim` device and compares with a host computation on the whole problem. What is under test is
// the program path: tiling, pitches, on-chip addressing, DMA, tokens and state carry. The
// engines' arithmetic itself is tested against independent references in tests/hw.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/SsmEngine.h"
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
  __int128 q = total >> shift, rem = total - (q << shift), half = __int128(1) << (shift - 1);
  if (shift > 0 && (rem > half || (rem == half && (q & 1))))
    ++q;
  return int32_t(q + bias[j]);
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
  std::string p = formatv(R"(
.buffer 0 weights {0}
.buffer 1 input {1}
.buffer 2 input {2}
.buffer 3 output {3}
.input a buf=1 off=0 dtype=i8 shape={4}x{5}
.input xabs buf=2 off=0 dtype=i32 shape={4}
.output y buf=3 off=0 dtype=i32 shape={4}x{6}
LOAD buf=act, dtype=i8, pitch={5}, rows={4}, cols={5}, ddr_buf=1, ddr_stride={5}
LOAD buf=vec, dtype=i32, rows=1, cols={4}, ddr_buf=2
LOAD buf=vec, dtype=i32, addr=16, rows=1, cols={6}, ddr_buf=0, ddr_off={7}
)",
                          weights.size(), M * K, M * 4, M * N * 4, M, K, N, biasOff)
                      .str();
  int tile = 0;
  for (int n0 = 0; n0 < N; n0 += NT)
    for (int k0 = 0; k0 < K; k0 += KT, ++tile) {
      p += formatv("LOAD buf=wgt, dtype=u8, addr={0}, pitch={1}, rows={2}, cols={1}, ddr_buf=0, "
                   "ddr_off={3}, ddr_stride={4}\n",
                   256 * tile, KT, NT, n0 * K + k0, K);
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
                   k0, K, 256 * tile, 64 + 32 * tile, 16 + n0, 256 + n0, N,
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

} // namespace
