//===- InterpreterTest.cpp - whole-graph runs: signature checks, errors, outputs ------------===//
#include "TestUtil.h"

using namespace vimq;
using namespace vimq::interp;
using namespace vimq::interp::test;

namespace {
/// y = Relu(x + c), z = x * 2 (two outputs, z declared second).
struct SmallGraph {
  ir::Graph g;
  SmallGraph() {
    ir::TensorType t{DType::F32, {2, 3}};
    ir::Value *x = g.addInput("x", t);
    ir::Value *c = g.addConstant("c", f32({3}, {1, -1, 0}));
    ir::Value *two = g.addConstant("two", Tensor::scalar<float>(2.f));
    ir::Op *add = g.createOp("onnx.Add", "add", {x, c}, {t});
    ir::Op *relu = g.createOp("onnx.Relu", "relu", {add->result()}, {t});
    ir::Op *mul = g.createOp("onnx.Mul", "mul", {x, two}, {t});
    g.addOutput(relu->result());
    g.addOutput(mul->result());
  }
};
} // namespace

TEST(Interpreter, RunsAndReturnsOutputsInOrder) {
  SmallGraph s;
  NamedTensors in;
  in["x"] = f32({2, 3}, {0, 0, 0, -2, 2, 1});
  Interpreter interp(s.g);
  unsigned seen = 0;
  interp.onOpDone = [&](const ir::Op &, llvm::ArrayRef<Tensor>) { ++seen; };
  auto out = interp.run(in);
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ(out->begin()->first, s.g.outputs()[0]->name());
  EXPECT_TRUE(allClose(out->begin()->second, f32({2, 3}, {1, 0, 0, 0, 1, 1}), 0, 0));
  EXPECT_TRUE(allClose((out->begin() + 1)->second, f32({2, 3}, {0, 0, 0, -4, 4, 2}), 0, 0));
  EXPECT_EQ(seen, 3u);
}

TEST(Interpreter, InputErrors) {
  SmallGraph s;
  Interpreter interp(s.g);
  NamedTensors bad;
  bad["x"] = Tensor(DType::F32, {2, 4});
  EXPECT_EQ(llvm::toString(interp.run(bad).takeError()),
            "input 'x': expected f32[2, 3], got f32[2, 4]");
  NamedTensors badType;
  badType["x"] = Tensor(DType::I64, {2, 3});
  EXPECT_EQ(llvm::toString(interp.run(badType).takeError()),
            "input 'x': expected f32[2, 3], got i64[2, 3]");
  NamedTensors unknown;
  unknown["x"] = Tensor(DType::F32, {2, 3});
  unknown["y"] = Tensor(DType::F32, {1});
  EXPECT_EQ(llvm::toString(interp.run(unknown).takeError()), "unknown input 'y'");
  EXPECT_EQ(llvm::toString(interp.run({}).takeError()), "missing input 'x' (f32[2, 3])");
}

TEST(Interpreter, OpErrorsNameTheNode) {
  ir::Graph g;
  ir::Value *ids = g.addInput("ids", {DType::I64, {1, 2}});
  ir::Value *table = g.addConstant("table", Tensor(DType::F32, {4, 3}));
  ir::Op *e = g.createOp("vimq.Embedding", "embed", {ids, table}, {{DType::F32, {1, 2, 3}}});
  g.addOutput(e->result());
  NamedTensors in;
  in["ids"] = i64({1, 2}, {1, 9});
  EXPECT_EQ(llvm::toString(Interpreter(g).run(in).takeError()),
            "node 'embed' (vimq.Embedding): id 9 at position 1 is out of range [0, 4)");
}

TEST(Interpreter, DeclaredResultTypeIsChecked) {
  ir::Graph g;
  ir::Value *x = g.addInput("x", {DType::F32, {2, 3}});
  ir::Op *t = g.createOp("onnx.Transpose", "tr", {x}, {{DType::F32, {2, 3}}});
  g.addOutput(t->result());
  NamedTensors in;
  in["x"] = Tensor(DType::F32, {2, 3});
  std::string err = llvm::toString(Interpreter(g).run(in).takeError());
  EXPECT_NE(err.find("node 'tr' (onnx.Transpose): result"), std::string::npos) << err;
  EXPECT_NE(err.find("is f32[3, 2] but the graph declares f32[2, 3]"), std::string::npos) << err;
}
