//===- QOpsTest.cpp - the q op table and verifier -------------------------------------------===//
#include "vimq/quant/QOps.h"

#include "gtest/gtest.h"

using namespace vimq;
using namespace vimq::quant;

namespace {

std::string errorOf(llvm::Error e) { return e ? llvm::toString(std::move(e)) : ""; }

TEST(QOps, TableNamesEveryOpOnce) {
  EXPECT_EQ(lookupQOp("q.Linear")->op, QOp::Linear);
  EXPECT_EQ(lookupQOp("vimq.Linear"), nullptr);
  EXPECT_EQ(lookupQOp("q.Nope"), nullptr);
  for (const QOpInfo &info : qOps())
    EXPECT_EQ(lookupQOp(info.kind), &info) << info.kind;
}

struct LinearGraph {
  ir::Graph g;
  ir::Op *op;
  explicit LinearGraph(int32_t mantissa, DType codes = DType::U8, int64_t k = 40) {
    ir::Value *q = g.addInput("q", {DType::I8, {2, 3, k}});
    ir::Value *a = g.addInput("a", {DType::I32, {2, 3}});
    ir::Value *w = g.addConstant("w", Tensor(codes, {5, k}));
    Tensor ws(DType::I32, {5, 2});
    ws.data<int32_t>()[0] = mantissa;
    op = g.createOp("q.Linear", "lin", {q, a, w, g.addConstant("ws", ws)},
                    {{DType::I32, {2, 3, 5}}});
    op->setAttr("wfmt", std::string(codes == DType::U8 ? "apot4" : "int8"));
    op->setAttr("block", int64_t(32));
    op->setAttr("frac", int64_t(16));
  }
};

TEST(QOps, LinearAcceptsAWellFormedOp) {
  LinearGraph l(65535);
  EXPECT_EQ(errorOf(verifyQuantizedGraph(l.g)), "");
}

TEST(QOps, LinearRejectsAMantissaOutsideSixteenBits) {
  LinearGraph l(65536);
  EXPECT_NE(errorOf(verifyQOp(*l.op)).find("node 'lin' (q.Linear): weight scale mantissa"),
            std::string::npos);
}

TEST(QOps, LinearRejectsMismatchedCodesAndScales) {
  LinearGraph l(1, DType::I8); // int8 codes declared as apot4 below
  l.op->setAttr("wfmt", std::string("apot4"));
  EXPECT_NE(errorOf(verifyQOp(*l.op)).find("must be u8"), std::string::npos);
  LinearGraph blocks(1, DType::U8, 70); // 3 blocks of 32, but ws has 2 columns
  EXPECT_NE(errorOf(verifyQOp(*blocks.op)).find("weight scales must be i32[5, 3]"),
            std::string::npos);
}

TEST(QOps, ScanChecksShapesAndTheOneFormat) {
  ir::Graph g;
  auto in = [&](const char *n, Shape s) { return g.addInput(n, {DType::I32, s}); };
  ir::Op *op = g.createOp("q.SelectiveScan", "scan",
                          {in("u", {1, 4, 6}), in("dt", {1, 4, 6}), in("A", {6, 3}),
                           in("B", {1, 4, 3}), in("C", {1, 4, 3}), in("D", {6}),
                           in("z", {1, 4, 6})},
                          {{DType::I32, {1, 4, 6}}});
  op->setAttr("frac", int64_t(14));
  EXPECT_EQ(errorOf(verifyQOp(*op)), "");
  op->setAttr("frac", int64_t(64));
  EXPECT_NE(errorOf(verifyQOp(*op)).find("frac = 64 is outside [0, 63]"), std::string::npos);
  op->setAttr("frac", int64_t(14));
  op->setOperand(2, in("A2", {5, 3}));
  EXPECT_NE(errorOf(verifyQOp(*op)).find("delta / A shapes"), std::string::npos);
}

/// input_ids [2, 5] (`idType`) -> q.FromIndex {limit} -> q.Embedding of an i16 table [V, 8].
struct EmbeddingGraph {
  ir::Graph g;
  ir::Op *from, *emb;
  EmbeddingGraph(int64_t limit, int64_t v, DType idType = DType::I64) {
    ir::Value *x = g.addInput("input_ids", {idType, {2, 5}});
    from = g.createOp("q.FromIndex", "ids", {x}, {{DType::I32, {2, 5}}});
    from->setAttr("limit", limit);
    emb = g.createOp("q.Embedding", "emb",
                     {from->result(), g.addConstant("wte", Tensor(DType::I16, {v, 8}))},
                     {{DType::I32, {2, 5, 8}}});
    emb->setAttr("frac", int64_t(10));
  }
};

TEST(QOps, EmbeddingOfTokenIds) {
  for (DType t : {DType::I64, DType::I32}) {
    EmbeddingGraph e(100, 100, t);
    EXPECT_EQ(errorOf(verifyQOp(*e.from)), "");
    EXPECT_EQ(errorOf(verifyQOp(*e.emb)), "");
  }
  EmbeddingGraph f32(100, 100, DType::F32);
  EXPECT_EQ(errorOf(verifyQOp(*f32.from)),
            "node 'ids' (q.FromIndex): operand #0 '%input_ids' must be i64 or i32 of rank 2 "
            "(token ids [B, L]), got f32[2, 5]");
  EmbeddingGraph zero(0, 100);
  EXPECT_EQ(errorOf(verifyQOp(*zero.from)),
            "node 'ids' (q.FromIndex): limit = 0 is outside [1, 2147483647] (what the overlay "
            "accepts)");
  // The host checks ids against FromIndex's limit: it must be the table's rows.
  EmbeddingGraph wrong(101, 100);
  EXPECT_EQ(errorOf(verifyQOp(*wrong.emb)),
            "node 'emb' (q.Embedding): the ids come from node 'ids' (q.FromIndex) with limit "
            "101, but the table has 100 rows");
  EmbeddingGraph fewer(99, 100);
  EXPECT_NE(errorOf(verifyQOp(*fewer.emb)), "");
}

TEST(QOps, EmbeddingChecksTypes) {
  EmbeddingGraph e(4, 4);
  // The table is a constant i16.
  e.emb->setOperand(1, e.g.addInput("t", {DType::I16, {4, 8}}));
  EXPECT_NE(errorOf(verifyQOp(*e.emb)).find("must be a constant"), std::string::npos);
  e.emb->setOperand(1, e.g.addConstant("t32", Tensor(DType::I32, {4, 8})));
  EXPECT_NE(errorOf(verifyQOp(*e.emb)).find("operand #1 '%t32' must be i16 of rank 2"),
            std::string::npos);
  // FromIndex converts graph inputs only.
  ir::Op *again = e.g.createOp("q.FromIndex", "again", {e.from->result()},
                               {{DType::I32, {2, 5}}});
  again->setAttr("limit", int64_t(4));
  EXPECT_NE(errorOf(verifyQOp(*again)).find("must be a graph input"), std::string::npos);
}

TEST(QOps, AQuantizedGraphHasOnlyQOps) {
  ir::Graph g;
  ir::Value *x = g.addInput("x", {DType::F32, {1, 2, 3}});
  ir::Op *op = g.createOp("onnx.Tanh", "t", {x}, {x->type()});
  g.addOutput(op->result());
  EXPECT_NE(errorOf(verifyQuantizedGraph(g)).find("node 't' (onnx.Tanh): not a q op"),
            std::string::npos);
}

TEST(QOps, SliceAndTokenRanges) {
  ir::Graph g;
  ir::Value *x = g.addInput("x", {DType::I32, {2, 5, 8}});
  ir::Op *s = g.createOp("q.Slice", "s", {x}, {{DType::I32, {2, 5, 4}}});
  s->setAttr("begin", int64_t(6));
  s->setAttr("end", int64_t(10));
  EXPECT_NE(errorOf(verifyQOp(*s)).find("[6, 10) is empty or outside [0, 8)"), std::string::npos);
  ir::Op *t = g.createOp("q.TakeToken", "t", {x}, {{DType::I32, {2, 1, 8}}});
  t->setAttr("index", int64_t(5));
  EXPECT_NE(errorOf(verifyQOp(*t)).find("index = 5 is outside [0, 4]"), std::string::npos);
}

} // namespace
