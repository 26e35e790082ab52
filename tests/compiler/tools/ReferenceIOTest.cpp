//===- ReferenceIOTest.cpp - vimq-ref's input validation and output writing -------------------===//
#include "ReferenceIO.h"
#include "TempDir.h"

#include "vimq/support/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace vimq;
using namespace vimq::tools;
namespace fs = llvm::sys::fs;
using vimq::testing::TempDir;

namespace {

ir::TensorType f32(std::initializer_list<int64_t> s) { return {DType::F32, Shape(s)}; }

/// Two inputs with a batch of 2 and a non-square image, as DESIGN §3 requires of everything.
std::unique_ptr<ir::Graph> twoInputGraph() {
  auto g = std::make_unique<ir::Graph>();
  ir::Value *img = g->addInput("image", f32({2, 3, 8, 12}));
  ir::Value *mask = g->addInput("mask", f32({2, 3, 8, 12}));
  ir::Op *add = g->createOp("onnx.Add", "add", {img, mask}, {f32({2, 3, 8, 12})});
  g->addOutput(add->result());
  return g;
}

std::string writeTensor(const TempDir &dir, llvm::StringRef name, DType dt, Shape shape) {
  std::string path = dir.file(name);
  EXPECT_FALSE(bool(writeNpy(path, Tensor(dt, shape))));
  return path;
}

std::string errorOf(llvm::Expected<NamedTensors> r) {
  EXPECT_FALSE(bool(r)) << "expected an error";
  return r ? std::string() : llvm::toString(r.takeError());
}

} // namespace

TEST(ReferenceIO, ParseInputSpec) {
  std::vector<std::string> names = {"image", "a=b"};
  InputSpec s = parseInputSpec("image=x.npy", names);
  EXPECT_EQ(s.name, "image");
  EXPECT_EQ(s.file, "x.npy");
  s = parseInputSpec("x.npy", names);
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.file, "x.npy");
  // An input name containing '=' is matched against the model.
  s = parseInputSpec("a=b=dir/f.npy", names);
  EXPECT_EQ(s.name, "a=b");
  EXPECT_EQ(s.file, "dir/f.npy");
  // A file name containing '=' after a known name.
  s = parseInputSpec("image=run=3.npy", names);
  EXPECT_EQ(s.name, "image");
  EXPECT_EQ(s.file, "run=3.npy");
}

TEST(ReferenceIO, LoadsInputsInModelOrder) {
  TempDir tmp;
  auto g = twoInputGraph();
  std::string img = writeTensor(tmp, "img.npy", DType::F32, {2, 3, 8, 12});
  std::string mask = writeTensor(tmp, "mask.npy", DType::F32, {2, 3, 8, 12});
  auto r = loadInputs(*g, {"mask=" + mask, "image=" + img});
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r->begin()->first, "image");
  EXPECT_EQ(r->back().first, "mask");
}

TEST(ReferenceIO, BareFileOnlyForOneInputModels) {
  TempDir tmp;
  auto g = twoInputGraph();
  std::string img = writeTensor(tmp, "img.npy", DType::F32, {2, 3, 8, 12});
  std::string msg = errorOf(loadInputs(*g, {img}));
  EXPECT_NE(msg.find("a bare FILE is only accepted for a one-input model; use NAME=FILE with "
                     "NAME one of 'image', 'mask'"),
            std::string::npos)
      << msg;

  ir::Graph one;
  ir::Value *x = one.addInput("x", f32({2, 3, 8, 12}));
  one.addOutput(one.createOp("onnx.Neg", "n", {x}, {f32({2, 3, 8, 12})})->result());
  auto r = loadInputs(one, {img});
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_EQ(r->begin()->first, "x");
}

TEST(ReferenceIO, NameErrorsListTheModelInputs) {
  TempDir tmp;
  auto g = twoInputGraph();
  std::string img = writeTensor(tmp, "img.npy", DType::F32, {2, 3, 8, 12});
  EXPECT_EQ(errorOf(loadInputs(*g, {"imgae=" + img})),
            "--input imgae=" + img + ": the model has no input 'imgae'; its inputs are 'image', "
                                     "'mask'");
  EXPECT_EQ(errorOf(loadInputs(*g, {"image=" + img, "image=" + img, "mask=" + img})),
            "--input image=" + img + ": input 'image' is given more than once");
  EXPECT_EQ(errorOf(loadInputs(*g, {"image=" + img})),
            "missing --input for 'mask' (the model's inputs are 'image', 'mask')");
  EXPECT_EQ(errorOf(loadInputs(*g, {"image=", "mask=" + img})),
            "--input image=: no file after '='");
}

TEST(ReferenceIO, NamesAreCheckedBeforeFilesAreRead) {
  // A missing file and an unknown name: the name is reported (no file is touched first).
  auto g = twoInputGraph();
  std::string msg = errorOf(loadInputs(*g, {"image=/nonexistent/a.npy", "nope=b.npy"}));
  EXPECT_NE(msg.find("no input 'nope'"), std::string::npos) << msg;
}

TEST(ReferenceIO, DtypeAndShapeMismatch) {
  TempDir tmp;
  auto g = twoInputGraph();
  std::string good = writeTensor(tmp, "good.npy", DType::F32, {2, 3, 8, 12});
  std::string wide = writeTensor(tmp, "wide.npy", DType::F32, {2, 3, 8, 13});
  std::string f64 = writeTensor(tmp, "f64.npy", DType::F64, {2, 3, 8, 12});
  EXPECT_EQ(errorOf(loadInputs(*g, {"image=" + wide, "mask=" + good})),
            "input 'image': expected f32[2, 3, 8, 12], got f32[2, 3, 8, 13] from " + wide);
  EXPECT_EQ(errorOf(loadInputs(*g, {"image=" + good, "mask=" + f64})),
            "input 'mask': expected f32[2, 3, 8, 12], got f64[2, 3, 8, 12] from " + f64);
}

TEST(ReferenceIO, UnreadableFilesNameTheInput) {
  TempDir tmp;
  auto g = twoInputGraph();
  std::string good = writeTensor(tmp, "good.npy", DType::F32, {2, 3, 8, 12});
  std::string missing = tmp.file("missing.npy");
  std::string msg = errorOf(loadInputs(*g, {"image=" + good, "mask=" + missing}));
  EXPECT_EQ(msg.find("input 'mask': " + missing), 0u) << msg;
}

TEST(ReferenceIO, OutputFileStems) {
  EXPECT_EQ(outputFileStems({"logits", "a/b", "../x", "", "Out", "out", "a_b", "a:b"}),
            (std::vector<std::string>{"logits", "a_b", "_._x", "output", "Out", "out_2",
                                      "a_b_2", "a_b_3"}));
  std::vector<std::string> longName = outputFileStems({std::string(300, 'y')});
  EXPECT_EQ(longName[0].size(), 200u);
}

TEST(ReferenceIO, WriteOutputsCreatesFolder) {
  TempDir tmp;
  NamedTensors outs;
  outs.insert({"logits", Tensor(DType::F32, {2, 5})});
  outs.insert({"hidden/state", Tensor(DType::F32, {2, 3})});
  auto written = writeOutputs(tmp.file("out/deep"), outs);
  ASSERT_TRUE(bool(written)) << llvm::toString(written.takeError());
  EXPECT_EQ(written->size(), 2u);
  EXPECT_EQ(tmp.list("out/deep"), (std::vector<std::string>{"hidden_state.npy", "logits.npy"}));
  auto back = readNpy(tmp.file("out/deep/logits.npy"));
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_TRUE(back->sameAs(outs.begin()->second));
}

TEST(ReferenceIO, WriteOutputsFailureLeavesNothing) {
  TempDir tmp;
  NamedTensors outs;
  outs.insert({"first", Tensor(DType::F32, {2})});
  outs.insert({"second", Tensor(DType::F32, {2})});
  // A folder where the second output's file should go makes its rename fail.
  ASSERT_FALSE(fs::create_directories(tmp.file("out/second.npy/blocker")));
  auto written = writeOutputs(tmp.file("out"), outs);
  ASSERT_FALSE(bool(written));
  std::string msg = llvm::toString(written.takeError());
  EXPECT_NE(msg.find("output 'second'"), std::string::npos) << msg;
  // first.npy was removed again; only the blocker remains.
  EXPECT_EQ(tmp.list("out"), std::vector<std::string>{"second.npy"});

}

TEST(ReferenceIO, TensorSummary) {
  Tensor logits = Tensor::fromVector<float>({2, 6}, {0, 5, 1, 4, 2, 3, -1, -2, 9, 9, 0, 1});
  std::string text;
  llvm::raw_string_ostream os(text);
  printTensorSummary(os, "logits", logits);
  EXPECT_EQ(os.str(), "logits: f32[2, 6]  min -2  max 9  mean 2.58333\n"
                      "  row 0 top-5: 1 (5) 3 (4) 5 (3) 4 (2) 2 (1)\n"
                      "  row 1 top-5: 2 (9) 3 (9) 5 (1) 4 (0) 0 (-1)\n");

  text.clear();
  printTensorSummary(os, "ids", Tensor::fromVector<int64_t>({3}, {4, 5, 6}));
  EXPECT_EQ(os.str(), "ids: i64[3]  min 4  max 6  mean 5\n");
  text.clear();
  printTensorSummary(os, "none", Tensor(DType::F32, {0, 4}));
  EXPECT_EQ(os.str(), "none: f32[0, 4] (empty)\n");
}
