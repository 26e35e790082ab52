//===- SimSpeed.cpp - simulator speed: linear-engine MAC/s and SSM state updates/s ----------===//
//
// Not a test (it measures this machine). Prints the rates and what they imply for one ViM-tiny
// 224x224 inference on the sim (1.25 GMAC of linears, 58 M state updates; counted below).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/SsmEngine.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

using namespace vimq::hw;

namespace {

template <typename F> double secondsOf(F &&f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double linearMacsPerSecond(WeightKind kind) {
  const int m = 197, k = 192, n = 768; // ViM-tiny in_proj shape
  std::mt19937 rng(1);
  std::vector<int8_t> x(m * k);
  std::vector<uint8_t> w(n * k);
  for (auto &v : x)
    v = int8_t(rng());
  for (auto &v : w)
    v = kind == WeightKind::Apot4 ? uint8_t(rng() % 16) : uint8_t(rng());
  std::vector<uint16_t> ws(n * ((k + 31) / 32), 1000);
  std::vector<int32_t> xabs(m, 1 << 16), y(m * n);
  LinearParams p;
  p.m = m, p.k = k, p.n = n, p.kind = kind, p.block = 32, p.shift = 20;
  const int reps = 3;
  double s = secondsOf([&] {
    for (int r = 0; r < reps; ++r)
      linearEngine(p, x.data(), w.data(), ws.data(), xabs.data(), nullptr, y.data());
  });
  return double(m) * k * n * reps / s;
}

double selectiveUpdatesPerSecond() {
  const int l = 197, d = 384, n = 16; // one ViM-tiny direction
  std::mt19937 rng(2);
  auto r = [&](size_t cnt, int lo, int hi) {
    std::vector<int32_t> v(cnt);
    for (auto &e : v)
      e = lo + int(rng() % unsigned(hi - lo + 1));
    return v;
  };
  auto u = r(l * d, -8000, 8000), dt = r(l * d, 0, 3000), a = r(d * n, -20000, -100);
  auto b = r(l * n, -6000, 6000), c = r(l * n, -6000, 6000), dsk = r(d, -4096, 4096);
  std::vector<int32_t> h(d * n, 0), y(l * d);
  SelectiveScanParams p;
  p.l = l, p.d = d, p.n = n;
  double s = secondsOf([&] {
    selectiveScan(p, u.data(), dt.data(), a.data(), b.data(), c.data(), dsk.data(), nullptr,
                  h.data(), y.data());
  });
  return double(l) * d * n / s;
}

double ssdUpdatesPerSecond() {
  const int l = 32, heads = 24, hp = 64, n = 128; // Mamba2-130M layer, 32 tokens
  std::mt19937 rng(3);
  auto r = [&](size_t cnt, int lo, int hi) {
    std::vector<int32_t> v(cnt);
    for (auto &e : v)
      e = lo + int(rng() % unsigned(hi - lo + 1));
    return v;
  };
  auto x = r(l * heads * hp, -8000, 8000), dt = r(l * heads, 0, 3000), a = r(heads, -20000, -100);
  auto b = r(l * n, -6000, 6000), c = r(l * n, -6000, 6000);
  std::vector<int32_t> st(heads * hp * n, 0), y(l * heads * hp);
  SsdScanParams p;
  p.l = l, p.h = heads, p.p = hp, p.n = n, p.g = 1;
  double s = secondsOf([&] {
    ssdScan(p, x.data(), dt.data(), a.data(), b.data(), c.data(), nullptr, nullptr, st.data(),
            y.data());
  });
  return double(l) * heads * hp * n / s;
}

} // namespace

int main() {
  // ViM-tiny 224^2: 197 tokens, d 192, d_inner 384, dt_rank 12, d_state 16, 24 layers, two
  // directions sharing in_proj/out_proj.
  const double tokens = 197, layers = 24;
  const double macs =
      layers * tokens * (192.0 * 768 + 2 * (384.0 * (12 + 32) + 12.0 * 384) + 384.0 * 192);
  const double updates = layers * 2 * tokens * 384 * 16;

  double apot = linearMacsPerSecond(WeightKind::Apot4);
  double int8 = linearMacsPerSecond(WeightKind::Int8);
  double sel = selectiveUpdatesPerSecond();
  double ssd = ssdUpdatesPerSecond();
  llvm::outs() << llvm::format("linear apot4 : %8.1f M MAC/s\n", apot / 1e6)
               << llvm::format("linear int8  : %8.1f M MAC/s\n", int8 / 1e6)
               << llvm::format("ssm selective: %8.1f M state updates/s\n", sel / 1e6)
               << llvm::format("ssm ssd      : %8.1f M state updates/s\n", ssd / 1e6)
               << llvm::format("ViM-tiny 224: %.2f GMAC + %.1f M updates -> ~%.1f s on the sim\n",
                               macs / 1e9, updates / 1e6, macs / apot + updates / sel);
  return 0;
}
