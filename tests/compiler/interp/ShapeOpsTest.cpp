//===- ShapeOpsTest.cpp - shape arithmetic and data movement ops ----------------------------===//
#include "TestUtil.h"

using namespace vimq;
using namespace vimq::interp::test;
using V = std::vector<int64_t>;

TEST(ShapeOps, ReshapeZeroAndMinusOne) {
  Tensor x = randomF32({2, 3, 4}, 1);
  Tensor y = OpCase("onnx.Reshape", {x, i64v({0, -1})}).run0();
  EXPECT_EQ(shapeVec(y), V({2, 12}));
  EXPECT_TRUE(allClose(y.reshaped({2, 3, 4}), x, 0, 0));
  // allowzero: a literal 0 is a zero-sized dim, so only an empty input can match.
  Tensor e(DType::F32, {0, 3});
  EXPECT_EQ(
      shapeVec(OpCase("onnx.Reshape", {e, i64v({3, 0})}).attr("allowzero", int64_t(1)).run0()),
      V({3, 0}));
  EXPECT_NE(OpCase("onnx.Reshape", {x, i64v({-1, -1})}).error().find("more than one -1"),
            std::string::npos);
  EXPECT_NE(OpCase("onnx.Reshape", {x, i64v({5, -1})}).error().find("cannot reshape"),
            std::string::npos);
}

TEST(ShapeOps, SliceNegativeStepFlips) {
  Tensor x = f32({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7});
  // Full reverse along axis 1, the form torch emits for flip().
  Tensor y = OpCase("onnx.Slice", {x, i64v({-1}), i64v({INT64_MIN}), i64v({1}), i64v({-1})}).run0();
  EXPECT_TRUE(allClose(y, f32({2, 4}, {3, 2, 1, 0, 7, 6, 5, 4}), 0, 0));
  // Step -2 from index 3 down to (excluding) 0.
  Tensor z = OpCase("onnx.Slice", {x, i64v({3}), i64v({0}), i64v({1}), i64v({-2})}).run0();
  EXPECT_TRUE(allClose(z, f32({2, 2}, {3, 1, 7, 5}), 0, 0));
  // Clamped ends and default axes.
  Tensor w = OpCase("onnx.Slice", {x, i64v({1, 1}), i64v({100, 3})}).run0();
  EXPECT_TRUE(allClose(w, f32({1, 2}, {5, 6}), 0, 0));
  EXPECT_NE(OpCase("onnx.Slice", {x, i64v({0}), i64v({1}), i64v({0}), i64v({0})})
                .error()
                .find("step is zero"),
            std::string::npos);
}

TEST(ShapeOps, GatherNegativeIndicesAndRange) {
  Tensor x = f32({3, 2}, {0, 1, 2, 3, 4, 5});
  Tensor y = OpCase("onnx.Gather", {x, i64({2}, {-1, 0})}).run0();
  EXPECT_TRUE(allClose(y, f32({2, 2}, {4, 5, 0, 1}), 0, 0));
  Tensor s = OpCase("onnx.Gather", {x, Tensor::scalar<int64_t>(1)}).attr("axis", int64_t(1)).run0();
  EXPECT_TRUE(allClose(s, f32({3}, {1, 3, 5}), 0, 0));
  std::string err = OpCase("onnx.Gather", {x, i64({1}, {3})}).error();
  EXPECT_EQ(err, "node 'n0' (onnx.Gather): index 3 is out of range for axis 0 of size 3");
}

TEST(ShapeOps, ShapeGatherUnsqueezeConcat) {
  // The Shape -> Gather -> Unsqueeze -> Concat chain torch emits around Reshape.
  Tensor x(DType::F32, {2, 5, 7});
  Tensor shp = OpCase("onnx.Shape", {x}).run0();
  EXPECT_EQ(shp.toInts(), V({2, 5, 7}));
  EXPECT_EQ(OpCase("onnx.Shape", {x}).attr("start", int64_t(-2)).run0().toInts(), V({5, 7}));
  Tensor d0 = OpCase("onnx.Gather", {shp, Tensor::scalar<int64_t>(0)}).run0();
  Tensor u = OpCase("onnx.Unsqueeze", {d0, i64v({0})}).run0();
  EXPECT_EQ(shapeVec(u), V({1}));
  Tensor c = OpCase("onnx.Concat", {u, i64v({-1})}).attr("axis", int64_t(0)).run0();
  EXPECT_EQ(c.toInts(), V({2, -1}));
  Tensor sq = OpCase("onnx.Squeeze", {u, i64v({0})}).run0();
  EXPECT_EQ(sq.rank(), 0);
  EXPECT_NE(OpCase("onnx.Squeeze", {x, i64v({1})}).error().find("cannot squeeze"),
            std::string::npos);
}

TEST(ShapeOps, IntArithmeticCastAndCompare) {
  Tensor a = i64v({6, -7}), b = i64v({4, 2});
  EXPECT_EQ(OpCase("onnx.Add", {a, b}).run0().toInts(), V({10, -5}));
  EXPECT_EQ(OpCase("onnx.Sub", {a, b}).run0().toInts(), V({2, -9}));
  EXPECT_EQ(OpCase("onnx.Mul", {a, Tensor::scalar<int64_t>(3)}).run0().toInts(), V({18, -21}));
  // Integer division truncates toward zero (C semantics, as ONNX specifies).
  EXPECT_EQ(OpCase("onnx.Div", {a, b}).run0().toInts(), V({1, -3}));
  EXPECT_NE(OpCase("onnx.Div", {a, i64v({1, 0})}).error().find("division by zero"),
            std::string::npos);
  Tensor f = OpCase("onnx.Cast", {f32({2}, {-2.7f, 3.9f})}).attr("to", int64_t(7)).run0();
  EXPECT_EQ(f.dtype(), DType::I64);
  EXPECT_EQ(f.toInts(), V({-2, 3}));
  Tensor eq = OpCase("onnx.Equal", {a, i64v({6, 0})}).run0();
  EXPECT_EQ(eq.dtype(), DType::Bool);
  EXPECT_EQ(eq.toInts(), V({1, 0}));
  Tensor w = OpCase("onnx.Where", {eq, a, Tensor::scalar<int64_t>(1)}).run0();
  EXPECT_EQ(w.toInts(), V({6, 1}));
  EXPECT_NE(OpCase("onnx.Add", {a, f32({2}, {1, 2})}).error().find("operand types differ"),
            std::string::npos);
}

TEST(ShapeOps, ConstantOfShapeRangeExpandTile) {
  Tensor fill = Tensor::fromVector<int64_t>({1}, {7});
  Tensor c = OpCase("onnx.ConstantOfShape", {i64v({2, 3})}).attr("value", fill).run0();
  EXPECT_EQ(c.toInts(), V(6, 7));
  Tensor z = OpCase("onnx.ConstantOfShape", {i64v({2})}).run0();
  EXPECT_EQ(z.dtype(), DType::F32);
  EXPECT_NE(OpCase("onnx.ConstantOfShape", {i64v({-1})}).error().find("negative"),
            std::string::npos);
  EXPECT_NE(OpCase("onnx.ConstantOfShape", {i64v({1 << 20, 1 << 20})}).error().find("too large"),
            std::string::npos);
  Tensor r = OpCase("onnx.Range", {Tensor::scalar<int64_t>(5), Tensor::scalar<int64_t>(-2),
                                   Tensor::scalar<int64_t>(-3)})
                 .run0();
  EXPECT_EQ(r.toInts(), V({5, 2, -1}));
  Tensor e = OpCase("onnx.Expand", {i64({2, 1}, {1, 2}), i64v({2, 3})}).run0();
  EXPECT_EQ(e.toInts(), V({1, 1, 1, 2, 2, 2}));
  Tensor t = OpCase("onnx.Tile", {i64({1, 2}, {1, 2}), i64v({2, 2})}).run0();
  EXPECT_EQ(shapeVec(t), V({2, 4}));
  EXPECT_EQ(t.toInts(), V({1, 2, 1, 2, 1, 2, 1, 2}));
}

TEST(ShapeOps, TransposeSplitFlatten) {
  Tensor x = f32({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor t = OpCase("onnx.Transpose", {x}).run0();
  EXPECT_TRUE(allClose(t, f32({3, 2}, {0, 3, 1, 4, 2, 5}), 0, 0));
  auto parts = OpCase("onnx.Split", {x, i64v({1, 2})}, 2).attr("axis", int64_t(1)).run();
  ASSERT_TRUE(bool(parts));
  EXPECT_TRUE(allClose((*parts)[0], f32({2, 1}, {0, 3}), 0, 0));
  EXPECT_TRUE(allClose((*parts)[1], f32({2, 2}, {1, 2, 4, 5}), 0, 0));
  EXPECT_NE(
      OpCase("onnx.Split", {x, i64v({1, 1})}, 2).attr("axis", int64_t(1)).error().find("sum to 2"),
      std::string::npos);
  EXPECT_EQ(
      shapeVec(
          OpCase("onnx.Flatten", {Tensor(DType::F32, {2, 3, 4})}).attr("axis", int64_t(-1)).run0()),
      V({6, 4}));
}

TEST(ShapeOps, UnknownKindAndArity) {
  EXPECT_FALSE(interp::canEvaluate("onnx.NoSuchOp"));
  EXPECT_TRUE(interp::canEvaluate("onnx.Reshape"));
  auto kinds = interp::supportedKinds();
  EXPECT_TRUE(std::is_sorted(kinds.begin(), kinds.end()));
  EXPECT_EQ(OpCase("onnx.NoSuchOp", {}).error(),
            "node 'n0' (onnx.NoSuchOp): the interpreter does not implement 'onnx.NoSuchOp'");
}

TEST(ShapeOps, HostileShapesAreErrorsNotCrashes) {
  // Each would otherwise allocate petabytes, overflow int64 or divide by zero.
  Tensor col(DType::F32, {1 << 20, 1}), row(DType::F32, {1, 1 << 20});
  EXPECT_NE(OpCase("onnx.Add", {col, row}).error().find("too large"), std::string::npos);
  EXPECT_NE(OpCase("onnx.MatMul", {col, row}).error().find("too large"), std::string::npos);
  EXPECT_NE(OpCase("onnx.Range", {Tensor::scalar<float>(0), Tensor::scalar<float>(1e30f),
                                  Tensor::scalar<float>(1)})
                .error()
                .find("too large"),
            std::string::npos);
  EXPECT_NE(OpCase("onnx.Reshape", {Tensor(DType::F32, {0}), i64v({INT64_MAX, 4, 0})})
                .attr("allowzero", int64_t(1))
                .error()
                .find("overflows"),
            std::string::npos);
  EXPECT_NE(
      OpCase("onnx.Tile", {Tensor(DType::F32, {2}), i64v({INT64_MAX})}).error().find("too large"),
      std::string::npos);
  // Extreme steps: one element, no overflow.
  Tensor x = f32({4}, {0, 1, 2, 3});
  EXPECT_EQ(
      OpCase("onnx.Slice", {x, i64v({0}), i64v({4}), i64v({0}), i64v({INT64_MAX})}).run0().numel(),
      1);
  EXPECT_EQ(OpCase("onnx.Slice", {x, i64v({3}), i64v({INT64_MIN}), i64v({0}), i64v({INT64_MIN})})
                .run0()
                .numel(),
            1);
  Tensor imin = i64v({INT64_MIN});
  EXPECT_NE(OpCase("onnx.Div", {imin, i64v({-1})}).error().find("overflows"), std::string::npos);
  EXPECT_EQ(OpCase("onnx.Mod", {imin, i64v({-1})}).run0().toInts(), V({0}));
}

TEST(ShapeOps, ConstantForms) {
  // The conformance data cannot reach onnx.Constant: the importer turns it into a constant.
  Tensor t = i64({2}, {3, 4});
  EXPECT_TRUE(OpCase("onnx.Constant", {}).attr("value", t).run0().sameAs(t));
  Tensor f = OpCase("onnx.Constant", {}).attr("value_float", 1.5).run0();
  EXPECT_EQ(f.dtype(), DType::F32);
  EXPECT_EQ(f.rank(), 0);
  EXPECT_EQ(f.data<float>()[0], 1.5f);
  EXPECT_EQ(OpCase("onnx.Constant", {}).attr("value_ints", V{1, 2}).run0().toInts(), V({1, 2}));
  EXPECT_NE(OpCase("onnx.Constant", {}).error().find("no supported value attribute"),
            std::string::npos);
}
