//===- ModuleFastPaths.cpp - the sim's fast paths behind the modules' SimHooks.h --------------===//
//
// Each hook gathers the module's strided on-chip operands into dense arrays, runs the dense
// engine's simulation-only fast path (the same integers as the module's loops; tests compare
// them) and scatters the results back. The DMA hooks move a row with one memcpy when the DDR
// element's bytes are the on-chip element's bytes.
//
//===----------------------------------------------------------------------------------------===//
#include "SimHooks.h"

#include "vimq/hw/ConvEngine.h"
#include "vimq/hw/LinearEngine.h"
#include "vimq/hw/SsmEngine.h"
#include "vimq/hw/VectorEngine.h"

#include <bit>
#include <cstring>
#include <vector>

namespace vimq::hw::sim {
VIMQ_HW_TARGET_NS_BEGIN

namespace {

/// memcpy that accepts empty ranges (an empty std::vector's data() may be null).
void copyBytes(void *dst, const void *src, size_t bytes) {
  if (bytes)
    std::memcpy(dst, src, bytes);
}

/// The on-chip element a DMA row moves through when the DDR element's bytes *are* the on-chip
/// element's bytes (same width, identity conversion, little-endian host); null otherwise.
/// Load: act<-i8, wgt<-u8/i8 (the byte is kept), vec/state<-i32. Store: act->i8 (an int8 never
/// clamps), wgt->u8, vec/state->i32 (wgt->i8 clamps, so it is not raw).
uint8_t *rawElem(const OnChipRefs &m, isa::Buf b, isa::DType t, bool store) {
  if constexpr (std::endian::native != std::endian::little)
    return nullptr;
  if (b == isa::Buf::act && t == isa::DType::i8)
    return reinterpret_cast<uint8_t *>(m.act);
  if (b == isa::Buf::wgt && (t == isa::DType::u8 || (!store && t == isa::DType::i8)))
    return m.wgt;
  if (b == isa::Buf::vec && t == isa::DType::i32)
    return reinterpret_cast<uint8_t *>(m.vec);
  if (b == isa::Buf::state && t == isa::DType::i32)
    return reinterpret_cast<uint8_t *>(m.state);
  return nullptr;
}

size_t elemBytes(isa::Buf b) { return b == isa::Buf::act || b == isa::Buf::wgt ? 1 : 4; }

std::vector<int32_t> gather(const int32_t *base, uint64_t pitch, uint64_t rows, uint64_t cols) {
  std::vector<int32_t> out(rows * cols);
  for (uint64_t r = 0; r < rows; ++r)
    copyBytes(out.data() + r * cols, base + r * pitch, cols * sizeof(int32_t));
  return out;
}

void scatter(int32_t *base, uint64_t pitch, uint64_t rows, uint64_t cols, const int32_t *src) {
  for (uint64_t r = 0; r < rows; ++r)
    copyBytes(base + r * pitch, src + r * cols, cols * sizeof(int32_t));
}

} // namespace

bool loadRaw(const OnChipRefs &mem, isa::Buf buf, isa::DType dt, uint64_t addr, uint64_t pitch,
             uint64_t rows, uint64_t cols, uint64_t padRows, uint64_t padCols, bool reverse,
             const uint8_t *src, uint64_t stride, const int32_t *idx, uint64_t limit) {
  uint8_t *raw = rawElem(mem, buf, dt, /*store=*/false);
  if (!raw)
    return false;
  // The indices never change under the copy (the overlay refuses a gather whose destination
  // meets them), so checking them all first is checking each before its row.
  if (idx)
    for (uint64_t i = 0; i < rows; ++i)
      if (idx[i] < 0 || uint64_t(idx[i]) >= limit)
        return false;
  const size_t eb = elemBytes(buf);
  for (uint64_t r = 0; r < padRows; ++r)
    std::memset(raw + (addr + r * pitch) * eb, 0, (cols + padCols) * eb);
  for (uint64_t i = 0; i < rows; ++i) {
    uint8_t *row = raw + (addr + (padRows + (reverse ? rows - 1 - i : i)) * pitch) * eb;
    copyBytes(row, src + (idx ? uint64_t(idx[i]) : i) * stride, cols * eb);
    if (padCols)
      std::memset(row + cols * eb, 0, padCols * eb);
  }
  return true;
}

bool storeRaw(const OnChipRefs &mem, isa::Buf buf, isa::DType dt, uint64_t addr, uint64_t pitch,
              uint64_t rows, uint64_t cols, bool reverse, uint8_t *dst, uint64_t stride) {
  const uint8_t *raw = rawElem(mem, buf, dt, /*store=*/true);
  if (!raw)
    return false;
  const size_t eb = elemBytes(buf);
  for (uint64_t i = 0; i < rows; ++i)
    copyBytes(dst + i * stride, raw + (addr + (reverse ? rows - 1 - i : i) * pitch) * eb,
              cols * eb);
  return true;
}

bool linearFast(const LinearParams &p, const LinearOperands<int32_t> &op) {
  if (timingOnly())
    return true; // setSimTimingOnly: cycles only
  const uint64_t nb = (uint64_t(p.k) + p.block - 1) / p.block;
  std::vector<int8_t> a(uint64_t(p.m) * p.k);
  for (int i = 0; i < p.m; ++i)
    copyBytes(a.data() + uint64_t(i) * p.k, op.a + i * op.aPitch, p.k);
  std::vector<uint8_t> w(uint64_t(p.n) * p.k);
  for (int j = 0; j < p.n; ++j)
    copyBytes(w.data() + uint64_t(j) * p.k, op.w + j * op.wPitch, p.k);
  // Scale mantissas are the low 16 bits of their vec words.
  std::vector<uint16_t> ws(p.n * nb);
  for (uint64_t i = 0; i < ws.size(); ++i)
    ws[i] = static_cast<uint16_t>(op.ws[i]);
  std::vector<int32_t> y(uint64_t(p.m) * p.n);
  if (!linearEngineSim(p, a.data(), w.data(), ws.data(), op.as, op.bias, y.data(), SimPath::Auto))
    return false;
  for (int i = 0; i < p.m; ++i)
    for (int j = 0; j < p.n; ++j) {
      int32_t &o = op.o[i * op.oPitch + j];
      const int32_t v = y[uint64_t(i) * p.n + j];
      o = op.accumulate ? sat32From64(int64_t(o) + v) : v;
    }
  return true;
}

bool convFast(const ConvParams &p, const ConvOperands<int32_t> &op) {
  if (timingOnly())
    return true; // setSimTimingOnly: cycles only
  // History rows first, then the tile: the engine sees one causal window.
  const uint64_t hist = uint64_t(p.kernel) - 1;
  std::vector<int32_t> x((hist + p.l) * p.c, 0);
  if (op.histIn)
    copyBytes(x.data(), op.hist, hist * p.c * sizeof(int32_t));
  for (int t = 0; t < p.l; ++t)
    copyBytes(x.data() + (hist + t) * p.c, op.x + t * op.xPitch, p.c * sizeof(int32_t));
  std::vector<uint16_t> ws(p.c);
  for (int c = 0; c < p.c; ++c)
    ws[c] = static_cast<uint16_t>(op.ws[c]);
  std::vector<int32_t> y(uint64_t(p.l) * p.c);
  if (!convEngineSim(p, x.data(), op.w, ws.data(), op.bias, y.data()))
    return false;
  scatter(op.y, op.yPitch, p.l, p.c, y.data());
  if (op.histOut) // the last kernel-1 input rows of the window (history included if l is short)
    copyBytes(op.hist, x.data() + uint64_t(p.l) * p.c, hist * p.c * sizeof(int32_t));
  return true;
}

/// The SSD scan, channel by channel in parallel: the same per-element functions as
/// scanTileEngine (ssmDecay, ssmXdt, ssmLaneUpdate, ssmFinishOutput) in the same order per
/// channel, so the results are the loops' bit for bit. The decay is one per (token, head), so
/// it is computed once per tile here; the exact sum of h·C is kept as two 64-bit halves (high
/// and low 32 bits of each product, n ≤ 1023 terms) and widened once per output.
bool ssdFast(const ScanShape &p, const ScanOperands &op) {
  const uint64_t len = uint64_t(p.len), ch = uint64_t(p.ch), n = uint64_t(p.n);
  const int heads = p.heads, perHead = p.ch / heads, headsPerGroup = heads / p.groups;
  const uint64_t gn = uint64_t(p.groups) * n;
  // Operands staged dense first and the output scattered last, as ssmFast's selective form.
  std::vector<int32_t> u = gather(op.u, op.xPitch, len, ch);
  std::vector<int32_t> z = op.z ? gather(op.z, op.xPitch, len, ch) : std::vector<int32_t>();
  std::vector<int32_t> dt(len * heads), decay(len * heads), bc(len * 2 * gn), y(len * ch);
  for (uint64_t t = 0; t < len; ++t) {
    for (int hd = 0; hd < heads; ++hd) {
      dt[t * heads + hd] = op.delta[t * op.tPitch + hd];
      decay[t * heads + hd] = ssmDecay(dt[t * heads + hd], op.a[hd], p.f);
    }
    copyBytes(bc.data() + t * 2 * gn, op.bc + t * op.tPitch, 2 * gn * sizeof(int32_t));
  }
  const int64_t perChannel = int64_t(len * n);
  const int64_t minChannels = perChannel >= 16384 ? 1 : 16384 / perChannel;
  SimPool::get().parallelFor(int64_t(ch), minChannels, [&](int64_t d0, int64_t d1) {
    for (int64_t d = d0; d < d1; ++d) {
      const int hd = int(d) / perHead, grp = hd / headsPerGroup;
      int32_t *h = op.s + uint64_t(d) * n;
      if (!op.carryIn)
        std::fill(h, h + n, 0);
      for (uint64_t t = 0; t < len; ++t) {
        const uint64_t xi = t * ch + uint64_t(d);
        const int32_t uv = u[xi], dec = decay[t * heads + hd];
        const int32_t xdt = ssmXdt(dt[t * heads + hd], uv, p.f);
        const int32_t *bt = bc.data() + t * 2 * gn + uint64_t(grp) * n, *ct = bt + gn;
        int64_t hi = 0, lo = 0;
        for (uint64_t j = 0; j < n; ++j) {
          h[j] = ssmLaneUpdate(h[j], dec, xdt, bt[j], p.f.b);
          const int64_t prod = int64_t(h[j]) * ct[j]; // exact; hi, lo exact for n <= 1023
          hi += prod >> 32;
          lo += prod & 0xffffffff;
        }
        SsmAcc yacc = hi;
        yacc <<= 32;
        yacc += SsmAcc(lo);
        y[xi] = ssmFinishOutput(yacc, uv, op.d != nullptr, op.d ? op.d[hd] : 0,
                                op.z != nullptr, op.z ? z[xi] : 0, p.f);
      }
    }
  });
  scatter(op.y, op.xPitch, len, ch, y.data());
  return true;
}

bool ssmFast(const ScanShape &p, const ScanOperands &op) {
  if (timingOnly())
    return true; // setSimTimingOnly: cycles only
  if (p.ssd)
    return ssdFast(p, op);
  const uint64_t len = p.len, ch = p.ch, n = p.n;
  std::vector<int32_t> u = gather(op.u, op.xPitch, len, ch);
  std::vector<int32_t> z = op.z ? gather(op.z, op.xPitch, len, ch) : std::vector<int32_t>();
  std::vector<int32_t> dt = gather(op.delta, op.tPitch, len, ch);
  std::vector<int32_t> b(len * n), c(len * n);
  for (uint64_t t = 0; t < len; ++t) {
    copyBytes(b.data() + t * n, op.bc + t * op.tPitch, n * 4);
    copyBytes(c.data() + t * n, op.bc + t * op.tPitch + n, n * 4);
  }
  std::vector<int32_t> s(ch * n, 0);
  if (op.carryIn)
    copyBytes(s.data(), op.s, s.size() * 4);
  std::vector<int32_t> y(len * ch);
  SelectiveScanParams sp;
  sp.l = p.len, sp.d = p.ch, sp.n = p.n, sp.f = p.f;
  if (!selectiveScanSim(sp, u.data(), dt.data(), op.a, b.data(), c.data(), op.d,
                        op.z ? z.data() : nullptr, s.data(), y.data(), SimPath::Auto))
    return false;
  scatter(op.y, op.xPitch, len, ch, y.data());
  copyBytes(op.s, s.data(), s.size() * 4); // the state is updated in place (docs/overlay.md)
  return true;
}

namespace {

/// The words a strided [rows][cols] region touches, as a half-open address range.
struct Span {
  const int32_t *lo, *hi;
};
Span spanOf(const int32_t *base, uint64_t pitch, int rows, int cols) {
  return Span{base, base + uint64_t(rows - 1) * pitch + uint64_t(cols)};
}
bool disjoint(Span x, Span y) { return x.hi <= y.lo || y.hi <= x.lo; }

} // namespace

bool vectorQuantFast(int rows, int cols, const VecOperands &op) {
  if (timingOnly())
    return true; // setSimTimingOnly: cycles only
  // The loops write absmax[r] after row r: the same results only if no row of a is there.
  if (!disjoint(spanOf(op.a, op.aPitch, rows, cols), spanOf(op.absmax, 1, 1, rows)))
    return false;
  // Dense rows in the order the loops visit them (a reversed when `reverse`), codes staged when
  // their rows are not dense in act.
  std::vector<int32_t> x;
  const int32_t *xs = op.a;
  if (op.reverse || op.aPitch != uint64_t(cols)) {
    x.resize(size_t(rows) * cols);
    for (int r = 0; r < rows; ++r)
      copyBytes(x.data() + size_t(r) * cols, vecRowA(op, r, rows), size_t(cols) * 4);
    xs = x.data();
  }
  std::vector<int8_t> q;
  int8_t *qs = op.q;
  if (op.qPitch != uint64_t(cols)) {
    q.resize(size_t(rows) * cols);
    qs = q.data();
  }
  std::vector<int32_t> absmax(rows);
  vecAbsmaxQuantizeSim(rows, cols, xs, qs, absmax.data(), SimPath::Auto);
  if (qs != op.q)
    for (int r = 0; r < rows; ++r)
      copyBytes(op.q + r * op.qPitch, q.data() + size_t(r) * cols, cols);
  copyBytes(op.absmax, absmax.data(), size_t(rows) * 4);
  return true;
}

namespace {

/// One row of an element-wise op with the lane function fixed (the compiler folds vecLane's
/// switch and vectorises the loop). For 0 < shift <= 62 a product's rounding is shiftRne64
/// (sat32ShiftRne's own result there, without its range branches).
template <VecFn F>
void eltRow(int cols, const int32_t *a, const int32_t *b, int32_t imm, int shift, int frac,
            int32_t *o) {
  constexpr bool kProduct = F == VecFn::Mul || F == VecFn::Scale || F == VecFn::MulImm;
  if (kProduct && shift > 0 && shift <= 62) {
    if (b)
      for (int c = 0; c < cols; ++c)
        o[c] = sat32From64(shiftRne64(int64_t(a[c]) * b[c], shift));
    else
      for (int c = 0; c < cols; ++c)
        o[c] = sat32From64(shiftRne64(int64_t(a[c]) * imm, shift));
    return;
  }
  if (b)
    for (int c = 0; c < cols; ++c)
      o[c] = vecLane(F, a[c], b[c], shift, frac);
  else
    for (int c = 0; c < cols; ++c)
      o[c] = vecLane(F, a[c], imm, shift, frac);
}

using EltRowFn = void (*)(int, const int32_t *, const int32_t *, int32_t, int, int, int32_t *);

EltRowFn eltRowFor(VecFn fn) {
  switch (fn) {
  case VecFn::Copy:
    return eltRow<VecFn::Copy>;
  case VecFn::Add:
    return eltRow<VecFn::Add>;
  case VecFn::Mul:
    return eltRow<VecFn::Mul>;
  case VecFn::Scale:
    return eltRow<VecFn::Scale>;
  case VecFn::MulImm:
    return eltRow<VecFn::MulImm>;
  case VecFn::Exp:
    return eltRow<VecFn::Exp>;
  case VecFn::Softplus:
    return eltRow<VecFn::Softplus>;
  case VecFn::Silu:
    return eltRow<VecFn::Silu>;
  }
  return nullptr;
}

} // namespace

bool vectorEltFast(VecFn fn, int rows, int cols, int32_t imm, int shift, int frac,
                   const VecOperands &op) {
  if (timingOnly())
    return true; // setSimTimingOnly: cycles only
  // Small ops run the loops; a reversed operand could overlap o across rows, which only the
  // loops' row order defines.
  if (int64_t(rows) * cols < 4096 || op.reverse)
    return false;
  // Rows in parallel compute what the loops do when no row reads what another row wrote: o is
  // each operand itself (same rows) or disjoint from it.
  const Span o = spanOf(op.o, op.oPitch, rows, cols);
  auto independent = [&](const int32_t *base, uint64_t pitch, int n) {
    return (base == op.o && pitch == op.oPitch) || disjoint(o, spanOf(base, pitch, n, cols));
  };
  if (!independent(op.a, op.aPitch, rows) ||
      (fn == VecFn::Scale && !disjoint(o, spanOf(op.c, 0, 1, cols))) ||
      ((fn == VecFn::Add || fn == VecFn::Mul) && !independent(op.b, op.bPitch, rows)))
    return false;
  const EltRowFn row = eltRowFor(fn);
  const int64_t minRows = cols >= 8192 ? 1 : 8192 / cols;
  SimPool::get().parallelFor(rows, minRows, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int32_t *b = fn == VecFn::Scale ? op.c
                         : vecFnBinary(fn)  ? op.b + uint64_t(r) * op.bPitch
                                            : nullptr;
      row(cols, op.a + uint64_t(r) * op.aPitch, b, imm, shift, frac, op.o + uint64_t(r) * op.oPitch);
    }
  });
  return true;
}

bool vectorNormFast(const VecNormShape &p, const VecOperands &op) {
  if (timingOnly())
    return true; // setSimTimingOnly: cycles only
  if (op.reverse || p.outShift < 0 || p.outShift > 120)
    return false;
  const Span o = spanOf(op.o, op.oPitch, p.rows, p.cols);
  auto independent = [&](const int32_t *base, uint64_t pitch) {
    return (base == op.o && pitch == op.oPitch) || disjoint(o, spanOf(base, pitch, p.rows, p.cols));
  };
  if (!independent(op.a, op.aPitch) || (p.gated && !independent(op.b, op.bPitch)) ||
      !disjoint(o, spanOf(op.c, 0, 1, p.cols)))
    return false;
  const int g = p.group > 0 && p.group < p.cols ? p.group : p.cols;
  // vecNormTile's integers row by row, rows over the SimPool: the lanes in 64/128-bit
  // arithmetic, the factor from the same normFactor.
  SimPool::get().parallelFor(p.rows, 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int32_t *ar = op.a + uint64_t(r) * op.aPitch;
      const int32_t *br = p.gated ? op.b + uint64_t(r) * op.bPitch : nullptr;
      int32_t *orow = op.o + uint64_t(r) * op.oPitch;
      for (int g0 = 0; g0 < p.cols; g0 += g) {
        const int gl = p.cols - g0 < g ? p.cols - g0 : g;
        unsigned __int128 sum = 0;
        if (br) {
          for (int c = g0; c < g0 + gl; ++c) {
            const int32_t t =
                sat32ShiftRne(int64_t(ar[c]) * siluPwl(br[c], p.gateFrac), p.gateFrac);
            orow[c] = t;
            sum += uint64_t(int64_t(t) * t);
          }
        } else {
          for (int c = g0; c < g0 + gl; ++c)
            sum += uint64_t(int64_t(ar[c]) * ar[c]);
        }
        const int64_t rq = normFactor(apFromWide<kNormSumBits>(i128(sum)),
                                      normEpsTerm(p.epsBits, gl, p.inFrac), gl, p.inFrac);
        const int32_t *tr = br ? orow : ar;
        for (int c = g0; c < g0 + gl; ++c)
          orow[c] = sat32(shiftRne(i128(tr[c]) * rq * op.c[c], p.outShift));
      }
    }
  });
  return true;
}

VIMQ_HW_TARGET_NS_END
} // namespace vimq::hw::sim
