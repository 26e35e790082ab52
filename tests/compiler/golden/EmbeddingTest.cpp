//===- EmbeddingTest.cpp - q.FromIndex and q.Embedding on the golden model -------------------===//
//
// docs/numerics.md: q.FromIndex takes token ids (i64 or i32) to int32, refusing an id outside
// [0, limit); q.Embedding sign-extends the selected rows of an i16 table.
//
//===----------------------------------------------------------------------------------------===//
#include "QOpBuilder.h"

#include "vimq/quant/QOps.h"

using namespace vimq;
using namespace vimq::testing;

namespace {

std::string errorOf(llvm::Error e) { return e ? llvm::toString(std::move(e)) : ""; }

Tensor table16(int64_t v, int64_t d) {
  Tensor t(DType::I16, {v, d});
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<int16_t>()[i] = int16_t(i * 977 - 31000); // wraps: both signs, both extremes near
  t.data<int16_t>()[0] = INT16_MIN;
  t.data<int16_t>()[t.numel() - 1] = INT16_MAX;
  return t;
}

TEST(GoldenEmbedding, RowsAreSignExtended) {
  const int64_t V = 7, D = 5;
  Tensor ids = Tensor::fromVector<int32_t>({2, 3}, {6, 0, 3, 3, 1, 6});
  Tensor table = table16(V, D);
  QOpCase c("q.Embedding", {ids, table}, 0b10, {ty(DType::I32, {2, 3, D})});
  c.op->setAttr("frac", int64_t(12));
  std::vector<Tensor> y = c.eval();
  ASSERT_EQ(y.size(), 1u);
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t j = 0; j < D; ++j)
      EXPECT_EQ(y[0].data<int32_t>()[r * D + j],
                int32_t(table.data<int16_t>()[ids.data<int32_t>()[r] * D + j]))
          << r << "," << j;
  EXPECT_EQ(y[0].data<int32_t>()[1 * D], INT16_MIN); // row 0, column 0 of token 1
}

TEST(GoldenEmbedding, IdOutsideTheTableIsAnError) {
  Tensor ids = Tensor::fromVector<int32_t>({1, 3}, {0, 7, 1});
  QOpCase c("q.Embedding", {ids, table16(7, 2)}, 0b10, {ty(DType::I32, {1, 3, 2})});
  llvm::SmallVector<const Tensor *, 2> ptrs = {&c.operands[0], &c.operands[1]};
  auto r = golden::evaluateQOp(*c.op, ptrs);
  ASSERT_FALSE(bool(r));
  EXPECT_EQ(errorOf(r.takeError()),
            "node 't' (q.Embedding): id 7 at position [0, 1] is outside the table's 7 rows");
}

TEST(GoldenEmbedding, FromIndexChecksTheLimit) {
  for (DType dt : {DType::I64, DType::I32}) {
    Tensor ids(dt, {2, 2});
    const int64_t vals[4] = {0, 4, 2, 5};
    for (int i = 0; i < 4; ++i)
      if (dt == DType::I64)
        ids.data<int64_t>()[i] = vals[i];
      else
        ids.data<int32_t>()[i] = int32_t(vals[i]);
    QOpCase c("q.FromIndex", {ids}, 0, {ty(DType::I32, {2, 2})});
    c.op->setAttr("limit", int64_t(6));
    std::vector<Tensor> y = c.eval();
    ASSERT_EQ(y.size(), 1u);
    EXPECT_EQ(y[0].values<int32_t>(), llvm::ArrayRef<int32_t>({0, 4, 2, 5}));
    c.op->setAttr("limit", int64_t(5));
    llvm::SmallVector<const Tensor *, 1> ptrs = {&c.operands[0]};
    auto r = golden::evaluateQOp(*c.op, ptrs);
    ASSERT_FALSE(bool(r));
    EXPECT_EQ(errorOf(r.takeError()),
              "node 't' (q.FromIndex): id 5 at position [1, 1] of input 'x0' is outside [0, 5)");
  }
}

/// input_ids (i64) -> FromIndex -> Embedding -> ToFloat through the whole-graph evaluator.
TEST(GoldenEmbedding, GraphFromInt64Ids) {
  const int64_t V = 9, D = 4, frac = 8;
  ir::Graph g;
  ir::Value *x = g.addInput("input_ids", {DType::I64, {1, 3}});
  ir::Op *fi = g.createOp("q.FromIndex", "ids", {x}, {{DType::I32, {1, 3}}});
  fi->setAttr("limit", V);
  Tensor table = table16(V, D);
  ir::Op *emb = g.createOp("q.Embedding", "emb", {fi->result(), g.addConstant("wte", table)},
                           {{DType::I32, {1, 3, D}}});
  emb->setAttr("frac", frac);
  ir::Op *tf = g.createOp("q.ToFloat", "out", {emb->result()}, {{DType::F32, {1, 3, D}}});
  tf->setAttr("frac", frac);
  g.addOutput(tf->result());
  ASSERT_EQ(errorOf(quant::verifyQuantizedGraph(g)), "");
  interp::NamedTensors in;
  in["input_ids"] = Tensor::fromVector<int64_t>({1, 3}, {8, 0, 8});
  auto out = golden::evaluate(g, in);
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  const Tensor y = out->lookup(tf->result()->name());
  EXPECT_EQ(y.data<float>()[0], float(table.data<int16_t>()[8 * D]) / 256);
  EXPECT_EQ(y.data<float>()[D], float(INT16_MIN) / 256);
}

} // namespace
