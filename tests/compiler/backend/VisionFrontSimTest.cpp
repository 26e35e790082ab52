//===- VisionFrontSimTest.cpp - patches, broadcast add, token ops, norm, flip/slice/concat ----===//
//
// The data-movement and VECTOR lowerings on a ViM-like front end with odd sizes: a 12x20 image
// (3 channels) in 4x4 patches (15 tokens of 48 values, 2 batch elements), + position embedding
// broadcast over the batch, class token inserted in the middle, RMSNorm, SiLU, flip, slice,
// concat, class-token gather. Reference: plain loops and the hw vector engine functions.
//
//===----------------------------------------------------------------------------------------===//
#include "SimTestUtil.h"

#include "vimq/hw/VectorEngine.h"

#include <bit>
#include <random>

using namespace vimq;
using namespace vimq::backend;
using namespace vimq::backend::testing;

namespace {

TEST(VisionFrontSim, PatchesTokensNormFlipSliceConcat) {
  const int64_t B = 2, Ci = 3, H = 13, W = 20, P = 4, Hp = H / P, Wp = W / P, L = Hp * Wp,
                D = Ci * P * P, idx = 7, frac = 10, s0 = 5, s1 = 29;
  std::mt19937 rng(5);
  auto rnd = [&](int lo, int hi) { return int32_t(lo + int(rng() % unsigned(hi - lo + 1))); };
  ir::Graph g;
  g.name = "front";
  ir::Value *img = g.addInput("img", {DType::F32, {B, Ci, H, W}});
  ir::Op *ff = g.createOp("q.FromFloat", "patchify", {img}, {{DType::I32, {B, L, D}}});
  ff->setAttr("frac", frac);
  ff->setAttr("layout", std::string("patches"));
  ff->setAttr("patch", std::vector<int64_t>{P, P});
  std::vector<int32_t> pos(static_cast<size_t>(L * D)), cls(static_cast<size_t>(D)),
      w(static_cast<size_t>(D));
  for (auto &v : pos)
    v = rnd(-500, 500);
  for (auto &v : cls)
    v = rnd(-900, 900);
  for (auto &v : w)
    v = rnd(100, 2000);
  ir::Op *add = g.createOp("q.Add", "pos", {ff->result(),
                           g.addConstant("pos_embed", Tensor::fromVector<int32_t>({1, L, D}, pos))},
                           {{DType::I32, {B, L, D}}});
  add->setAttr("frac", frac);
  ir::Op *ins = g.createOp("q.InsertToken", "cls",
                           {add->result(),
                            g.addConstant("cls_tok", Tensor::fromVector<int32_t>({1, 1, D}, cls))},
                           {{DType::I32, {B, L + 1, D}}});
  ins->setAttr("index", idx);
  ir::Op *norm = g.createOp("q.RMSNorm", "norm",
                            {ins->result(), g.addConstant("nw", Tensor::fromVector<int32_t>({D}, w))},
                            {{DType::I32, {B, L + 1, D}}});
  norm->setAttr("frac", frac);
  norm->setAttr("eps", 1e-5);
  ir::Op *act = g.createOp("q.SiLU", "act", {norm->result()}, {{DType::I32, {B, L + 1, D}}});
  act->setAttr("frac", frac);
  ir::Op *flip = g.createOp("q.Flip", "flip", {act->result()}, {{DType::I32, {B, L + 1, D}}});
  ir::Op *slice = g.createOp("q.Slice", "slice", {flip->result()},
                             {{DType::I32, {B, L + 1, s1 - s0}}});
  slice->setAttr("begin", s0);
  slice->setAttr("end", s1);
  ir::Op *cat = g.createOp("q.Concat", "cat", {slice->result(), norm->result()},
                           {{DType::I32, {B, L + 1, s1 - s0 + D}}});
  const int64_t Dc = s1 - s0 + D;
  ir::Op *take = g.createOp("q.TakeToken", "take", {cat->result()}, {{DType::I32, {B, 1, Dc}}});
  take->setAttr("index", idx);
  ir::Op *o1 = g.createOp("q.ToFloat", "all", {cat->result()}, {{DType::F32, {B, L + 1, Dc}}});
  o1->setAttr("frac", frac);
  ir::Op *o2 = g.createOp("q.ToFloat", "cls_out", {take->result()}, {{DType::F32, {B, Dc}}});
  o2->setAttr("frac", frac);
  g.addOutput(o1->result());
  g.addOutput(o2->result());

  std::vector<int32_t> im(size_t(B * Ci * H * W));
  Tensor imt(DType::F32, {B, Ci, H, W});
  for (size_t i = 0; i < im.size(); ++i) {
    im[i] = rnd(-3000, 3000);
    imt.data<float>()[i] = toHost(im[i], frac);
  }
  rt::TensorMap out = compileAndRun(g, smallBuffers(), {{"img", imt}});
  ASSERT_EQ(out.count("all"), 1u);

  for (int64_t b = 0; b < B; ++b) {
    // patches + pos, class token inserted
    std::vector<int32_t> tok(size_t((L + 1) * D));
    for (int64_t t = 0; t < L + 1; ++t)
      for (int64_t d = 0; d < D; ++d) {
        int32_t v;
        if (t == idx) {
          v = cls[size_t(d)];
        } else {
          int64_t p = t < idx ? t : t - 1, i = p / Wp, j = p % Wp;
          int64_t c = d / (P * P), u = (d / P) % P, q = d % P;
          v = im[size_t(((b * Ci + c) * H + i * P + u) * W + j * P + q)] + pos[size_t(p * D + d)];
        }
        tok[size_t(t * D + d)] = v;
      }
    std::vector<int32_t> nrm(tok.size()), sl(tok.size());
    hw::RmsNormParams rp;
    rp.rows = int(L + 1), rp.cols = int(D), rp.inFrac = rp.weightFrac = rp.outFrac = int(frac);
    rp.gateFrac = int(frac), rp.epsBits = std::bit_cast<uint32_t>(1e-5f);
    hw::vecRmsNorm(rp, tok.data(), w.data(), nullptr, nrm.data());
    hw::vecPwl(int(nrm.size()), hw::PwlFunc::Silu, int(frac), nrm.data(), sl.data());
    for (int64_t t = 0; t < L + 1; ++t)
      for (int64_t d = 0; d < Dc; ++d) {
        int32_t want = d < s1 - s0 ? sl[size_t((L - t) * D + s0 + d)]
                                   : nrm[size_t(t * D + d - (s1 - s0))];
        ASSERT_EQ(out["all"].data<float>()[size_t((b * (L + 1) + t) * Dc + d)],
                  toHost(want, frac))
            << "batch " << b << " token " << t << " column " << d;
        if (t == idx) {
          ASSERT_EQ(out["cls_out"].data<float>()[size_t(b * Dc + d)], toHost(want, frac));
        }
      }
  }
}

} // namespace
