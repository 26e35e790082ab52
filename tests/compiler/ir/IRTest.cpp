#include "vimq/ir/IR.h"
#include "vimq/ir/OpDefs.h"

#include <gtest/gtest.h>

using namespace vimq;
using namespace vimq::ir;

namespace {
TensorType f32(std::initializer_list<int64_t> s) { return {DType::F32, Shape(s)}; }
} // namespace

TEST(IR, BuildPrintVerify) {
  Graph g;
  g.name = "t";
  Value *x = g.addInput("x", f32({2, 5, 8}));
  Value *w = g.addConstant("w", Tensor(DType::F32, {4, 8}));
  Op *lin = g.createOp("vimq.Linear", "lin", {x, w}, {f32({2, 5, 4})});
  Op *act = g.createOp("vimq.SiLU", "act", {lin->result()}, {f32({2, 5, 4})});
  g.addOutput(act->result());
  ASSERT_FALSE(bool(verify(g)));
  std::string text = toString(g);
  EXPECT_NE(text.find("%lin: f32[2, 5, 4] = vimq.Linear(%x, %w)"), std::string::npos) << text;
  EXPECT_EQ(text, toString(g)); // deterministic

  // Bad shape is reported with the node name.
  Op *bad = g.createOp("vimq.Linear", "bad", {x, w}, {f32({2, 5, 5})});
  g.addOutput(bad->result());
  llvm::Error e = verify(g);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("node 'bad' (vimq.Linear)"), std::string::npos);
}

TEST(IR, RAUWAndDeadCode) {
  Graph g;
  Value *x = g.addInput("x", f32({3}));
  Op *a = g.createOp("onnx.Neg", "a", {x}, {f32({3})});
  Op *b = g.createOp("onnx.Neg", "b", {a->result()}, {f32({3})});
  g.addOutput(b->result());
  g.replaceAllUsesWith(b->result(), x);
  EXPECT_EQ(g.removeDeadCode(), 2u);
  EXPECT_EQ(g.numOps(), 0u);
  EXPECT_EQ(g.outputs()[0], x);
}

TEST(IR, TopoSortStableAndCycle) {
  Graph g;
  Value *x = g.addInput("x", f32({3}));
  Op *a = g.createOp("onnx.Neg", "a", {x}, {f32({3})});
  Op *b = g.createOp("onnx.Neg", "b", {x}, {f32({3})}, a); // before a, independent
  Op *c = g.createOp("onnx.Add", "c", {a->result(), b->result()}, {f32({3})}, b); // misplaced
  g.addOutput(c->result());
  ASSERT_FALSE(bool(g.topoSort()));
  auto ops = g.opSnapshot();
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0], b);
  EXPECT_EQ(ops[1], a);
  EXPECT_EQ(ops[2], c);
  a->setOperand(0, c->result());
  llvm::Error e = g.topoSort();
  EXPECT_TRUE(bool(e));
  llvm::consumeError(std::move(e));
}

TEST(IR, SnapshotSkipsOpsErasedDuringTheWalk) {
  // A rewrite that fuses a later op (e.g. MatMul + Add) erases it while the walk is at an
  // earlier op; the snapshot must not hand the erased op out afterwards.
  Graph g;
  Value *x = g.addInput("x", f32({3}));
  Op *a = g.createOp("onnx.Neg", "a", {x}, {f32({3})});
  Op *b = g.createOp("onnx.Neg", "b", {a->result()}, {f32({3})});
  g.addOutput(a->result());
  std::vector<std::string> seen;
  for (Op *op : g.opSnapshot()) {
    seen.push_back(op->name());
    if (op == a)
      g.eraseOp(b);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a"}));
  EXPECT_TRUE(b->isErased()); // still allocated until purgeErased()
  g.purgeErased();
  EXPECT_EQ(g.numOps(), 1u);
}
