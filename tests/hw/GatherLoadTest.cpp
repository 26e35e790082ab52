//===- GatherLoadTest.cpp - the gathering LOAD (embedding lookup) through the top function ----===//
//
// LOAD gather=1 (docs/isa.md): on-chip row pad_rows+i holds table row idx[i], idx the int32 at
// vec[idx_addr + i]. Each program runs with the fast paths, through vimq_seq and with the loops
// as synthesised (ProgramBuilder.h: same bytes, cycles and loop iterations == the cycle model,
// which charges one extra beat per row for the index read).
//
//===----------------------------------------------------------------------------------------===//

#include "ProgramBuilder.h"

#include <random>

using namespace vimq;
using namespace vimq::hw;
using namespace vimq::hw::test;
using isa::Buf;
using isa::DType;
using isa::Module;
using isa::Opcode;

namespace {

int64_t e(Buf b) { return int64_t(b); }
int64_t e(DType d) { return int64_t(d); }

/// The vec address the ids are loaded to, clear of every destination below.
constexpr int64_t kIdx = 20000;

/// LOAD of `n` int32 ids from DDR buffer `ids` to vec[at, at + n).
void loadIds(Program &p, uint32_t ids, int64_t at, int64_t n, int64_t push = 0) {
  p.add(Opcode::LOAD, {{"buf", e(Buf::vec)},
                       {"dtype", e(DType::i32)},
                       {"addr", at},
                       {"pitch", n},
                       {"rows", 1},
                       {"cols", n},
                       {"ddr_buf", ids},
                       {"ddr_stride", n * 4},
                       {"push", push}});
}

struct Gather {
  uint32_t table;
  DType dt;
  int64_t rows, cols, limit, addr, pitch, padRows = 0, padCols = 0;
  bool reverse = false;
  int64_t idxAddr = kIdx, pop = 0, push = 0;
};

size_t gather(Program &p, const Gather &g) {
  return p.add(Opcode::LOAD, {{"buf", e(Buf::vec)},
                              {"dtype", e(g.dt)},
                              {"gather", 1},
                              {"reverse", g.reverse},
                              {"addr", g.addr},
                              {"pitch", g.pitch},
                              {"rows", g.rows},
                              {"cols", g.cols},
                              {"pad_rows", g.padRows},
                              {"pad_cols", g.padCols},
                              {"ddr_buf", g.table},
                              {"ddr_stride", g.cols * int64_t(isa::dtypeBytes(g.dt))},
                              {"idx_addr", g.idxAddr},
                              {"limit", g.limit},
                              {"pop", g.pop},
                              {"push", g.push}});
}

/// STORE of vec rows [addr, + rows*pitch) (cols each) to DDR buffer `out`, then FINISH.
void storeAndFinish(Program &p, uint32_t out, int64_t addr, int64_t pitch, int64_t rows,
                    int64_t cols, int64_t pop) {
  p.add(Opcode::STORE, {{"buf", e(Buf::vec)},
                        {"dtype", e(DType::i32)},
                        {"addr", addr},
                        {"pitch", pitch},
                        {"rows", rows},
                        {"cols", cols},
                        {"ddr_buf", out},
                        {"ddr_stride", cols * 4},
                        {"pop", pop},
                        {"push", bit(Module::load)}});
  p.add(Opcode::FINISH, {{"pop", bit(Module::store)}});
}

std::vector<int32_t> randomIds(std::mt19937 &rng, int n, int v) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (auto &i : ids)
    i = int32_t(rng() % unsigned(v));
  ids[0] = 0; // both ends of the table
  ids[size_t(n - 1)] = v - 1;
  ids[size_t(n / 2)] = ids[1]; // a repeated id
  return ids;
}

OverlayError err(const Control &c) { return OverlayError(c.error); }

} // namespace

TEST(GatherLoad, SignExtendsInt16RowsWithPadding) {
  std::mt19937 rng(7);
  const int V = 37, D = 21, N = 29, padRows = 2, padCols = 3, W = D + padCols;
  std::vector<int16_t> table(size_t(V * D));
  for (auto &t : table)
    t = int16_t(rng());
  table[0] = INT16_MIN;
  table[size_t(V * D - 1)] = INT16_MAX;
  const std::vector<int32_t> ids = randomIds(rng, N, V);
  Ddr ddr;
  const uint32_t bt = ddr.add(table), bi = ddr.add(ids);
  const uint32_t out = ddr.addZeros(size_t((padRows + N) * W * 4));
  // Stale values in the destination: padding and rows must overwrite them.
  Program p;
  loadIds(p, bi, kIdx, N);
  gather(p, {bt, DType::i16, N, D, V, 0, W, padRows, padCols, false, kIdx, 0,
             bit(Module::store)});
  storeAndFinish(p, out, 0, W, padRows + N, W, bit(Module::load));
  Control ctl = ddr.run(p);
  ASSERT_EQ(ctl.error, 0u) << overlayErrorName(err(ctl)) << " at " << ctl.errorInsn;

  std::vector<int32_t> want(size_t((padRows + N) * W), 0);
  for (int i = 0; i < N; ++i)
    for (int c = 0; c < D; ++c)
      want[size_t((padRows + i) * W + c)] = table[size_t(ids[size_t(i)] * D + c)];
  EXPECT_EQ(ddr.read<int32_t>(out), want);
  // One beat per row for its index on top of the row beats (cycle model == the loops).
  EXPECT_GT(ctl.profile[unsigned(Unit::Load)].loopIterations, uint64_t(N));
}

TEST(GatherLoad, Int32TableReversedAndIndicesFromVector) {
  // The ids reach the index region through VECTOR copy, so the gather pops VECTOR's token; the
  // int32 table takes the sim's memcpy fast path, reversed rows included.
  std::mt19937 rng(11);
  const int V = 100, D = 64, N = 37;
  std::vector<int32_t> table(size_t(V * D));
  for (auto &t : table)
    t = int32_t(rng());
  const std::vector<int32_t> ids = randomIds(rng, N, V);
  Ddr ddr;
  const uint32_t bt = ddr.add(table), bi = ddr.add(ids);
  const uint32_t out = ddr.addZeros(size_t(N * D * 4));
  Program p;
  loadIds(p, bi, kIdx + 1000, N, bit(Module::vector));
  p.add(Opcode::VECTOR, {{"op", int64_t(isa::VOp::copy)},
                         {"rows", 1},
                         {"cols", N},
                         {"a_addr", kIdx + 1000},
                         {"a_pitch", N},
                         {"o_addr", kIdx},
                         {"o_pitch", N},
                         {"pop", bit(Module::load)},
                         {"push", bit(Module::load)}});
  Gather g{bt, DType::i32, N, D, V, 0, D};
  g.reverse = true;
  g.pop = bit(Module::vector);
  g.push = bit(Module::store);
  gather(p, g);
  storeAndFinish(p, out, 0, D, N, D, bit(Module::load));
  Control ctl = ddr.run(p);
  ASSERT_EQ(ctl.error, 0u) << overlayErrorName(err(ctl)) << " at " << ctl.errorInsn;

  std::vector<int32_t> want(size_t(N * D));
  for (int i = 0; i < N; ++i)
    for (int c = 0; c < D; ++c)
      want[size_t((N - 1 - i) * D + c)] = table[size_t(ids[size_t(i)] * D + c)];
  EXPECT_EQ(ddr.read<int32_t>(out), want);
}

TEST(GatherLoad, IndexOutsideTheTableStopsTheOverlay) {
  const int V = 10, D = 8, N = 6;
  std::vector<int16_t> table(size_t(V * D), 1);
  for (int32_t bad : {V, -1, INT32_MAX, INT32_MIN}) {
    std::vector<int32_t> ids = {0, 1, 2, bad, 4, 5};
    Ddr ddr;
    const uint32_t bt = ddr.add(table), bi = ddr.add(ids);
    const uint32_t out = ddr.addZeros(size_t(N * D * 4));
    Program p;
    loadIds(p, bi, kIdx, N);
    const size_t g = gather(p, {bt, DType::i16, N, D, V, 0, D, 0, 0, false, kIdx, 0,
                                bit(Module::store)});
    storeAndFinish(p, out, 0, D, N, D, bit(Module::load));
    Control ctl = ddr.run(p);
    EXPECT_EQ(err(ctl), OverlayError::IndexOutOfRange) << "id " << bad;
    EXPECT_EQ(ctl.errorInsn, g);
    EXPECT_STREQ(overlayErrorName(err(ctl)), "gather row index outside [0, limit)");
    // Nothing reached DDR: the STORE never ran.
    EXPECT_EQ(ddr.read<int32_t>(out), std::vector<int32_t>(size_t(N * D), 0));
  }
}

TEST(GatherLoad, StaticChecksUseTheTableRows) {
  const int V = 10, D = 8, N = 4;
  std::vector<int16_t> table(size_t(V * D), 1);
  std::vector<int32_t> ids = {0, 1, 2, 3};
  auto runWith = [&](const Gather &g) {
    Ddr ddr;
    const uint32_t bt = ddr.add(table), bi = ddr.add(ids);
    (void)bt;
    Program p;
    loadIds(p, bi, kIdx, N);
    gather(p, g);
    p.add(Opcode::FINISH, {});
    return err(ddr.run(p));
  };
  // Every id is valid, but a table of limit = V + 1 rows extends past its buffer.
  EXPECT_EQ(runWith({0, DType::i16, N, D, V + 1, 0, D}), OverlayError::DmaOutOfRange);
  // An empty table.
  EXPECT_EQ(runWith({0, DType::i16, N, D, 0, 0, D}), OverlayError::BadField);
  // Indices the gather's own rows would overwrite.
  Gather overlap{0, DType::i16, N, D, V, kIdx - D, D};
  EXPECT_EQ(runWith(overlap), OverlayError::BadField);
  // Indices beyond vec.
  Gather beyond{0, DType::i16, N, D, V, 0, D};
  beyond.idxAddr = (1 << 16) - 2; // zcu102: 64 Ki vec words
  EXPECT_EQ(runWith(beyond), OverlayError::OnChipOutOfRange);
}
