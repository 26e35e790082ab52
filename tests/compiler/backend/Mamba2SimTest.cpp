//===- Mamba2SimTest.cpp - q.SSDScan and grouped q.GatedRMSNorm: sim == golden, bit for bit --===//
//
// Mamba2's two q ops compiled for the target the sim was built for (this file is built twice:
// into backend_tests with the zcu102 sim and into backend_vc709_tests with the vc709 one), and
// for variants of that target with small vec/state buffers that force head tiles inside a
// group, tiles of whole groups and token tiles chained through the carried state. Each value is
// read back raw (debug mode's checkpoint outputs) and compared with the golden model
// (golden::Evaluator, the independent implementation of docs/numerics.md) in every bit.
//
//===----------------------------------------------------------------------------------------===//
#include "SimTestUtil.h"

#include "vimq/golden/Golden.h"
#include "vimq/hw/Overlay.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <random>

using namespace vimq;
using namespace vimq::backend;
using namespace vimq::backend::testing;

namespace {

/// The target the linked sim runs, as the compiler sees it.
TargetInfo simTarget() {
  auto t = TargetInfo::load(hw::simTargetName());
  EXPECT_TRUE(bool(t)) << llvm::toString(t.takeError());
  return std::move(*t);
}

/// The sim's target with smaller on-chip buffers (`overrides`: params key -> value). Programs
/// tiled for it run on the sim, whose buffers are larger.
TargetInfo variant(std::map<std::string, int64_t> overrides) {
  TargetInfo base = simTarget();
  std::string json = R"({"name": "variant", "part": "x", "resources": {"lut": 1, "ff": 1,
    "dsp": 1, "bram36": 1}, "params": {)";
  llvm::ListSeparator sep(", ");
  for (auto &[k, v] : base.hw().params()) {
    auto it = overrides.find(k);
    json += (llvm::Twine(llvm::StringRef(sep)) + "\"" + k +
             "\": " + std::to_string(it == overrides.end() ? v : it->second))
                .str();
  }
  json += "}}";
  auto t = hw::Target::parse(json, "variant");
  EXPECT_TRUE(bool(t)) << llvm::toString(t.takeError());
  return TargetInfo(std::move(*t));
}

/// A q graph whose inputs are int32 tensors in Q(frac), fed as exact f32 values through
/// q.FromFloat (|v| < 2^24).
struct IntGraph {
  ir::Graph g;
  int64_t frac;
  rt::TensorMap feeds;
  std::mt19937 rng;

  IntGraph(int64_t f, unsigned seed) : frac(f), rng(seed) { g.name = "mamba2"; }

  Tensor random(Shape shape, int32_t lo, int32_t hi) {
    Tensor t(DType::I32, shape);
    std::uniform_int_distribution<int32_t> d(lo, hi);
    for (int64_t i = 0; i < t.numel(); ++i)
      t.data<int32_t>()[i] = d(rng);
    return t;
  }
  ir::Value *input(const std::string &name, Shape shape, int32_t lo, int32_t hi) {
    Tensor ints = random(shape, lo, hi);
    Tensor f(DType::F32, shape);
    for (int64_t i = 0; i < f.numel(); ++i)
      f.data<float>()[i] = toHost(ints.data<int32_t>()[i], frac);
    feeds[name] = std::move(f);
    ir::Op *ff = g.createOp("q.FromFloat", "ff_" + name, {g.addInput(name, {DType::F32, shape})},
                            {{DType::I32, shape}});
    ff->setAttr("frac", frac);
    return ff->result();
  }
  ir::Value *constant(const std::string &name, Shape shape, int32_t lo, int32_t hi) {
    return g.addConstant(name, random(shape, lo, hi));
  }
  void output(ir::Value *v, const std::string &name) {
    const Shape shape(v->shape().begin(), v->shape().end());
    ir::Op *tf = g.createOp("q.ToFloat", name, {v}, {{DType::F32, shape}});
    tf->setAttr("frac", frac);
    g.addOutput(tf->result());
  }
};

/// `v` as the golden model computes it (the whole graph, in order).
std::vector<int32_t> goldenValue(IntGraph &ig, const ir::Value *v) {
  std::vector<int32_t> got;
  golden::Evaluator ev(ig.g);
  ev.onOpDone = [&](const ir::Op &op, llvm::ArrayRef<Tensor> results) {
    for (unsigned i = 0; i < op.numResults(); ++i)
      if (op.result(i) == v)
        got.assign(results[i].data<int32_t>(), results[i].data<int32_t>() + results[i].numel());
  };
  interp::NamedTensors in;
  for (const auto &[name, t] : ig.feeds)
    in[name] = t;
  auto out = ev.run(in);
  EXPECT_TRUE(bool(out)) << llvm::toString(out.takeError());
  return got;
}

/// `v` computed by the sim from the program compiled for `target` (read back raw through its
/// debug-mode checkpoint), and the tiling of `v`'s op.
struct SimResult {
  std::vector<int32_t> value;
  TileInfo tiles;
  bool ok = false;
};
SimResult simValue(IntGraph &ig, const TargetInfo &target, const ir::Value *v) {
  SimResult r;
  LowerOptions debug;
  debug.checkpointOutputs = true;
  auto compiled = compileGraph(ig.g, target, {ig.g.name, "vimq", {}, debug});
  EXPECT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  if (!compiled)
    return r;
  std::string name;
  for (const Checkpoint &cp : compiled->lowered.checkpoints)
    if (cp.value == v->name())
      name = cp.output;
  for (const TileInfo &t : compiled->lowered.tiles)
    if (t.origin == v->definingOp()->describe())
      r.tiles = t;
  EXPECT_FALSE(name.empty()) << "no checkpoint output for " << v->name();
  // A variant's program fits the sim's larger buffers.
  compiled->bundle.fingerprint = hw::simFingerprint();
  compiled->bundle.target = hw::simTargetName();
  auto dev = rt::Device::open("sim");
  EXPECT_TRUE(bool(dev));
  auto session = rt::Session::create(compiled->bundle, **dev);
  EXPECT_TRUE(bool(session)) << llvm::toString(session.takeError());
  if (!session || name.empty())
    return r;
  auto out = session->run(ig.feeds);
  EXPECT_TRUE(bool(out)) << llvm::toString(out.takeError());
  if (!out)
    return r;
  const Tensor &t = out->at(name);
  r.value.assign(t.data<int32_t>(), t.data<int32_t>() + t.numel());
  r.ok = true;
  return r;
}

/// sim == golden for `v`, and some of it is not zero (a lowering that writes nothing would
/// otherwise pass against an all-zero golden value). Returns the sim's tiling of `v`.
TileInfo expectSimEqualsGolden(IntGraph &ig, const TargetInfo &target, const ir::Value *v,
                               const std::string &what) {
  SCOPED_TRACE(what + " on " + target.name());
  const std::vector<int32_t> want = goldenValue(ig, v);
  SimResult got = simValue(ig, target, v);
  if (!got.ok)
    return got.tiles;
  EXPECT_EQ(want.size(), size_t(v->type().numel()));
  EXPECT_EQ(got.value.size(), want.size());
  size_t nonZero = 0;
  bool reported = false;
  for (size_t i = 0; i < want.size() && i < got.value.size(); ++i) {
    nonZero += want[i] != 0;
    if (got.value[i] != want[i] && !reported) {
      reported = true;
      const int64_t C = v->shape()[2], L = v->shape()[1];
      ADD_FAILURE() << "element " << i << " (batch " << int64_t(i) / (L * C) << ", token "
                    << int64_t(i) / C % L << ", column " << int64_t(i) % C << "): sim "
                    << got.value[i] << ", golden " << want[i];
    }
  }
  EXPECT_GT(nonZero, want.size() / 2);
  return got.tiles;
}

#ifdef VIMQ_EXPECT_SIM_TARGET
TEST(Mamba2Sim, LinkedWithTheIntendedSim) {
  EXPECT_STREQ(hw::simTargetName(), VIMQ_EXPECT_SIM_TARGET);
}
#endif

// ---- q.SSDScan --------------------------------------------------------------------------

struct SsdCase {
  int64_t B, L, H, P, G, N;
  bool d, z;
  std::string str() const {
    return llvm::formatv("B={0} L={1} heads={2} headdim={3} groups={4} d_state={5}{6}{7}", B, L, H,
                         P, G, N, d ? " +D" : "", z ? " +z" : "")
        .str();
  }
};

/// x [B, L, H·P], dt [B, L, H], A [H], B/C [B, L, G·N], D [H]?, z? -> q.SSDScan.
struct SsdGraph : IntGraph {
  ir::Op *scan = nullptr;
  explicit SsdGraph(const SsdCase &k) : IntGraph(12, unsigned(k.H * 977 + k.P * 31 + k.N)) {
    const int64_t C = k.H * k.P, GN = k.G * k.N;
    llvm::SmallVector<ir::Value *, 7> ops = {
        input("x", {k.B, k.L, C}, -8000, 8000),
        input("dt", {k.B, k.L, k.H}, 0, 2000), // Δ in [0, 0.5)
        constant("A", {k.H}, -16000, -100),    // A < 0: a decaying state
        input("bm", {k.B, k.L, GN}, -4096, 4096), input("cm", {k.B, k.L, GN}, -4096, 4096)};
    if (k.d || k.z)
      ops.push_back(k.d ? constant("D", {k.H}, -4096, 4096) : nullptr);
    if (k.z)
      ops.push_back(input("z", {k.B, k.L, C}, -8000, 8000));
    scan = g.createOp("q.SSDScan", "ssd", ops, {{DType::I32, {k.B, k.L, C}}});
    scan->setAttr("frac", frac);
    scan->setAttr("n", k.N);
    output(scan->result(), "y");
  }
};

TileInfo checkSsd(const SsdCase &k, const TargetInfo &target) {
  SsdGraph sg(k);
  return expectSimEqualsGolden(sg, target, sg.scan->result(), k.str());
}

/// Every shape the brief names, each with and without D and the gate, on the sim's target.
TEST(SsdSim, ShapesOnTheSimTarget) {
  const SsdCase shapes[] = {
      {2, 37, 4, 16, 1, 16, false, false},  // small heads, one group
      {2, 37, 3, 32, 1, 64, false, false},  // heads not a power of two
      {2, 37, 4, 64, 2, 128, false, false}, // Mamba2 head size, 2 heads per group
      {1, 37, 6, 16, 3, 128, false, false}, // 3 groups of 2 heads
      {2, 37, 5, 64, 1, 16, false, false},
  };
  for (SsdCase k : shapes)
    for (int dz = 0; dz < 4; ++dz) {
      k.d = dz & 1, k.z = dz & 2;
      checkSsd(k, simTarget());
    }
}

TEST(SsdSim, Mamba2HeadsFitTheTargetInFewTiles) {
  // headdim 64, d_state 128: one head's state is 8192 words. zcu102's state half (32768 words)
  // holds 4 heads, vc709's (131072) 16: 6 heads in one group run as 2 tiles of 3 on zcu102
  // (balanced, not 4 + 2) and as one tile of 6 on vc709.
  TileInfo t = checkSsd({2, 37, 6, 64, 1, 128, true, true}, simTarget());
  EXPECT_EQ(t.channelTile, 64 * (std::string(hw::simTargetName()) == "zcu102" ? 3 : 6));
}

TEST(SsdSim, Mamba2_130MTilingOnBothTargets) {
  // Mamba2-130M's scan (24 heads of 64 channels, d_state 128, one group, D, no gate): lowered
  // only. zcu102 holds 4 heads' state per half: 6 tiles of 4 heads, 42 tokens each (vec half
  // 32768 = 8 + 42 x 772 + rest); vc709 holds 16: 2 tiles of 12 heads, 36 tokens each.
  struct Want {
    const char *target;
    int64_t heads, tokens;
  };
  for (Want w : {Want{"zcu102", 4, 42}, Want{"vc709", 12, 36}}) {
    auto t = TargetInfo::load(w.target);
    ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
    SsdGraph sg({1, 100, 24, 64, 1, 128, true, false});
    auto l = lowerGraph(sg.g, *t, {});
    ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
    const TileInfo *ti = nullptr;
    for (const TileInfo &x : l->tiles)
      if (x.origin == sg.scan->describe())
        ti = &x;
    ASSERT_NE(ti, nullptr);
    EXPECT_EQ(ti->channelTile, w.heads * 64) << w.target;
    EXPECT_EQ(ti->tokenTile, w.tokens) << w.target;
    EXPECT_EQ(ti->tiles, unsigned(24 / w.heads * ((100 + w.tokens - 1) / w.tokens))) << w.target;
  }
}

TEST(SsdSim, HeadTilesInsideAGroupAndTokenTiles) {
  // 3 heads per group, state for 2 heads per half: tiles of 2 + 1 heads inside each group, each
  // reading its group's B/C columns; token tiles of what fits the 2048-word vec half (state
  // carried between them).
  const TargetInfo t = variant({{"state_buf_words", 2 * 2 * 16 * 16}, {"vec_buf_words", 4096}});
  for (bool dz : {false, true}) {
    TileInfo ti = checkSsd({2, 37, 6, 16, 2, 16, dz, dz}, t);
    const int64_t lt = (2048 - 2 * 2) / (2 + 2 * 16 + (dz ? 3 : 2) * 2 * 16);
    EXPECT_EQ(ti.channelTile, 2 * 16);
    EXPECT_EQ(ti.tokenTile, lt);
    EXPECT_EQ(ti.tiles, unsigned(2 * 4 * ((37 + lt - 1) / lt))); // batch x head x token tiles
  }
}

TEST(SsdSim, TilesOfWholeGroups) {
  // 2 heads per group of d_state 64, state for 4 heads (2 groups) per half: 4 groups run as 2
  // tiles of 2 whole groups (groups = 2 in the instruction); 3 groups as 2 + 1 (the last
  // tile's C columns start after 1 group's B, not 2).
  const TargetInfo t = variant({{"state_buf_words", 2 * 4 * 16 * 64}, {"vec_buf_words", 8192}});
  for (int64_t G : {4, 3})
    for (bool dz : {false, true}) {
      TileInfo ti = checkSsd({2, 37, 2 * G, 16, G, 64, dz, !dz}, t);
      const int64_t lt = (4096 - 2 * 4) / (4 + 2 * 2 * 64 + (dz ? 2 : 3) * 4 * 16);
      EXPECT_EQ(ti.channelTile, 4 * 16);
      EXPECT_EQ(ti.tokenTile, lt);
      EXPECT_EQ(ti.tiles, unsigned(2 * 2 * ((37 + lt - 1) / lt)));
    }
}

TEST(SsdSim, FewTokensPerTileWhenOneTokenIsLarge) {
  // headdim 64, d_state 128 on a 4096-word vec: not even 8 tokens of one head fit a half, so
  // the largest head tile that takes one token does (all 3 heads, 2 tokens per tile: 19
  // token tiles chained through the state).
  const TargetInfo t = variant({{"vec_buf_words", 4096}});
  TileInfo ti = checkSsd({2, 37, 3, 64, 1, 128, true, true}, t);
  EXPECT_EQ(ti.channelTile, 3 * 64);
  EXPECT_EQ(ti.tokenTile, (2048 - 2 * 3) / (3 + 2 * 128 + 3 * 3 * 64));
}

TEST(SsdSim, HeadWhoseStateDoesNotFitIsAnErrorNamingTheOp) {
  SsdGraph sg({1, 4, 2, 64, 1, 128, false, false});
  auto l = lowerGraph(sg.g, variant({{"state_buf_words", 8192}}), {});
  ASSERT_FALSE(bool(l));
  std::string err = llvm::toString(l.takeError());
  EXPECT_NE(err.find(sg.scan->describe()), std::string::npos) << err;
  EXPECT_NE(err.find("64 x 128 = 8192 words"), std::string::npos) << err;
  EXPECT_NE(err.find("state buffer (4096 words)"), std::string::npos) << err;
}

// ---- q.GatedRMSNorm per group ------------------------------------------------------------

/// x, z [B, L, C], w [C] -> q.GatedRMSNorm {group} (or {log2g} when `log2g` >= 0).
struct NormGraph : IntGraph {
  ir::Op *norm = nullptr;
  NormGraph(int64_t B, int64_t L, int64_t C, int64_t group, int64_t log2g = -1)
      : IntGraph(12, unsigned(C * 7)) {
    norm = g.createOp("q.GatedRMSNorm", "gnorm",
                      {input("x", {B, L, C}, -8000, 8000), input("z", {B, L, C}, -8000, 8000),
                       constant("w", {C}, 100, 8000)},
                      {{DType::I32, {B, L, C}}});
    norm->setAttr("frac", frac);
    norm->setAttr("eps", 1e-5);
    if (log2g >= 0)
      norm->setAttr("log2g", log2g);
    else if (group > 0)
      norm->setAttr("group", group);
    output(norm->result(), "y");
  }
};

TEST(GatedNormSim, GroupsOfAnySize) {
  // d_inner 192 normalised as a whole row, per 64 columns (a power of two: one VECTOR), per 96
  // and per 48 (Mamba2 with 2 and 4 groups: one VECTOR per group over a column window).
  const TargetInfo sim = simTarget(),
                   small = variant(
                       {{"vec_buf_words", 4096}, {"act_buf_bytes", 2048}, {"wgt_buf_bytes", 2048}});
  for (const TargetInfo *t : {&sim, &small})
    for (int64_t group : {0, 64, 96, 48, 192}) {
      NormGraph ng(2, 37, 192, group);
      expectSimEqualsGolden(ng, *t, ng.norm->result(), "group " + std::to_string(group));
    }
}

TEST(GatedNormSim, Log2gStillSpellsAPowerOfTwoGroup) {
  NormGraph a(2, 9, 128, 0, /*log2g=*/5), b(2, 9, 128, 32);
  const std::vector<int32_t> ga = goldenValue(a, a.norm->result());
  EXPECT_EQ(ga, goldenValue(b, b.norm->result()));
  expectSimEqualsGolden(a, simTarget(), a.norm->result(), "log2g 5");
}

TEST(GatedNormSim, GroupThatDoesNotDivideTheRowIsRefused) {
  NormGraph ng(1, 2, 100, 48);
  auto l = lowerGraph(ng.g, simTarget(), {});
  ASSERT_FALSE(bool(l));
  std::string err = llvm::toString(l.takeError());
  EXPECT_NE(err.find(ng.norm->describe()), std::string::npos) << err;
  EXPECT_NE(err.find("group"), std::string::npos) << err;
}

} // namespace
