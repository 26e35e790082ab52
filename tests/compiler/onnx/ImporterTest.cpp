//===- ImporterTest.cpp - importOnnxFile / readTensorProtoFile --------------------------------===//
//
// Models are built here with the ONNX protobuf API and written to a fresh temporary folder, so
// every test states exactly the file it feeds the importer.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/onnx/Importer.h"
#include "vimq/support/Error.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>

using namespace vimq;

namespace {

using onnx::TensorProto;

class ImporterTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> d;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vimq-importer-test", d));
    dir = std::string(d);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string file(llvm::StringRef name) const {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  std::string write(llvm::StringRef name, const std::string &bytes) const {
    std::string p = file(name);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::string write(llvm::StringRef name, const onnx::ModelProto &m) const {
    return write(name, m.SerializeAsString());
  }

  static onnx::ModelProto model() {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.set_producer_name("importer-test");
    auto *o = m.add_opset_import();
    o->set_domain("");
    o->set_version(17);
    m.mutable_graph()->set_name("g");
    return m;
  }
  static void valueInfo(onnx::ValueInfoProto *v, const std::string &name,
                        std::vector<int64_t> dims, int elem = TensorProto::FLOAT) {
    v->set_name(name);
    auto *tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem);
    auto *shape = tt->mutable_shape();
    for (int64_t d : dims)
      shape->add_dim()->set_dim_value(d);
  }
  static void input(onnx::ModelProto &m, const std::string &n, std::vector<int64_t> dims,
                    int elem = TensorProto::FLOAT) {
    valueInfo(m.mutable_graph()->add_input(), n, std::move(dims), elem);
  }
  static void output(onnx::ModelProto &m, const std::string &n, std::vector<int64_t> dims,
                     int elem = TensorProto::FLOAT) {
    valueInfo(m.mutable_graph()->add_output(), n, std::move(dims), elem);
  }
  static onnx::NodeProto *node(onnx::ModelProto &m, const std::string &op,
                               std::vector<std::string> ins, std::vector<std::string> outs,
                               const std::string &name = "") {
    auto *n = m.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + outs[0] : name);
    for (auto &i : ins)
      n->add_input(i);
    for (auto &o : outs)
      n->add_output(o);
    return n;
  }
  static TensorProto *floatInit(onnx::ModelProto &m, const std::string &n,
                                std::vector<int64_t> dims, std::vector<float> vals,
                                bool raw = true) {
    auto *t = m.mutable_graph()->add_initializer();
    t->set_name(n);
    t->set_data_type(TensorProto::FLOAT);
    for (int64_t d : dims)
      t->add_dims(d);
    if (raw)
      t->set_raw_data(std::string(reinterpret_cast<const char *>(vals.data()),
                                  vals.size() * sizeof(float)));
    else
      for (float v : vals)
        t->add_float_data(v);
    return t;
  }

  /// x[2,3] . w[3,4] + b[4] -> y[2,4]
  static onnx::ModelProto linearModel() {
    onnx::ModelProto m = model();
    input(m, "x", {2, 3});
    floatInit(m, "w", {3, 4}, std::vector<float>(12, 0.5f));
    floatInit(m, "b", {4}, {1, 2, 3, 4}, /*raw=*/false);
    node(m, "MatMul", {"x", "w"}, {"h"}, "mm");
    node(m, "Add", {"h", "b"}, {"y"}, "add");
    output(m, "y", {2, 4});
    return m;
  }

  std::string errorOf(const std::string &path) {
    auto g = importOnnxFile(path);
    if (g)
      return "<no error>";
    return llvm::toString(g.takeError());
  }

  std::string dir;
};

TEST_F(ImporterTest, ImportsOpsConstantsAndTypes) {
  auto g = importOnnxFile(write("m.onnx", linearModel()));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  ir::Graph &G = **g;
  ASSERT_EQ(G.numOps(), 2u);
  EXPECT_EQ(G.ops().front()->kind(), "onnx.MatMul");
  EXPECT_EQ(G.ops().front()->name(), "mm");
  EXPECT_EQ(G.ops().back()->kind(), "onnx.Add");
  ASSERT_EQ(G.inputs().size(), 1u);
  EXPECT_EQ(G.inputs()[0]->type().str(), "f32[2, 3]");
  ir::Value *h = G.lookup("h");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->type().str(), "f32[2, 4]"); // from shape inference
  ir::Value *b = G.lookup("b");
  ASSERT_TRUE(b && b->isConstant());
  EXPECT_EQ(b->constant()->toFloats(), (std::vector<float>{1, 2, 3, 4}));
  ASSERT_EQ(G.outputs().size(), 1u);
  EXPECT_EQ(G.outputs()[0]->name(), "y");
  EXPECT_FALSE(bool(ir::verify(G)));
}

TEST_F(ImporterTest, AllTensorStorageForms) {
  onnx::ModelProto m = model();
  struct Case {
    std::string name;
    int type;
    std::vector<double> expect;
  };
  std::vector<Case> cases = {{"f16", TensorProto::FLOAT16, {1.5, -2}},
                             {"f64", TensorProto::DOUBLE, {0.25, 3}},
                             {"i64", TensorProto::INT64, {-7, 1LL << 40}},
                             {"i32", TensorProto::INT32, {-5, 6}},
                             {"i8", TensorProto::INT8, {-128, 127}},
                             {"u8", TensorProto::UINT8, {0, 255}},
                             {"bool", TensorProto::BOOL, {1, 0}},
                             {"f32", TensorProto::FLOAT, {0.5, -1}}};
  for (const Case &c : cases) {
    auto *t = m.mutable_graph()->add_initializer();
    t->set_name(c.name);
    t->set_data_type(c.type);
    t->add_dims(2);
    for (double v : c.expect) {
      switch (c.type) {
      case TensorProto::FLOAT16: t->add_int32_data(floatToHalf(float(v))); break;
      case TensorProto::DOUBLE: t->add_double_data(v); break;
      case TensorProto::INT64: t->add_int64_data(int64_t(v)); break;
      case TensorProto::FLOAT: t->add_float_data(float(v)); break;
      default: t->add_int32_data(int32_t(v)); break;
      }
    }
    node(m, "Identity", {c.name}, {c.name + "_out"});
    output(m, c.name + "_out", {2}, c.type);
  }
  // The raw_data form of a narrow type.
  auto *raw = m.mutable_graph()->add_initializer();
  raw->set_name("i16raw");
  raw->set_data_type(TensorProto::INT16);
  raw->add_dims(2);
  int16_t rv[2] = {-300, 300};
  raw->set_raw_data(std::string(reinterpret_cast<char *>(rv), sizeof rv));
  node(m, "Identity", {"i16raw"}, {"i16raw_out"});
  output(m, "i16raw_out", {2}, TensorProto::INT16);
  cases.push_back({"i16raw", TensorProto::INT16, {-300, 300}});

  auto g = importOnnxFile(write("m.onnx", m));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  for (const Case &c : cases) {
    ir::Value *v = (*g)->lookup(c.name);
    ASSERT_TRUE(v && v->isConstant()) << c.name;
    for (size_t i = 0; i < c.expect.size(); ++i)
      EXPECT_EQ(v->constant()->getDouble(int64_t(i)), c.expect[i]) << c.name << "[" << i << "]";
  }
}

TEST_F(ImporterTest, ConstantNodesBecomeConstants) {
  onnx::ModelProto m = model();
  input(m, "x", {2});
  auto *c = node(m, "Constant", {}, {"k"});
  auto *a = c->add_attribute();
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  a->add_floats(2);
  a->add_floats(3);
  node(m, "Mul", {"x", "k"}, {"y"});
  output(m, "y", {2});
  auto g = importOnnxFile(write("m.onnx", m));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  EXPECT_EQ((*g)->numOps(), 1u);
  ir::Value *k = (*g)->lookup("k");
  ASSERT_TRUE(k && k->isConstant());
  EXPECT_EQ(k->constant()->toFloats(), (std::vector<float>{2, 3}));
}

TEST_F(ImporterTest, AttributesAreConverted) {
  onnx::ModelProto m = model();
  input(m, "x", {2, 3, 4});
  auto *t = node(m, "Transpose", {"x"}, {"y"}, "tr");
  auto *a = t->add_attribute();
  a->set_name("perm");
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t p : {2, 0, 1})
    a->add_ints(p);
  output(m, "y", {4, 2, 3});
  auto g = importOnnxFile(write("m.onnx", m));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  EXPECT_EQ((*g)->ops().front()->getInts("perm"), (std::vector<int64_t>{2, 0, 1}));
  EXPECT_EQ((*g)->outputs()[0]->type().str(), "f32[4, 2, 3]");
}

TEST_F(ImporterTest, UnsortedNodesAreSorted) {
  onnx::ModelProto m = linearModel();
  m.mutable_graph()->mutable_node()->SwapElements(0, 1);
  auto g = importOnnxFile(write("m.onnx", m));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  EXPECT_EQ((*g)->ops().front()->name(), "mm");
}

TEST_F(ImporterTest, CycleIsAnError) {
  onnx::ModelProto m = model();
  input(m, "x", {2});
  node(m, "Add", {"x", "b"}, {"a"}, "first");
  node(m, "Relu", {"a"}, {"b"}, "second");
  output(m, "b", {2});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("cycle"), std::string::npos) << err;
  EXPECT_NE(err.find("node 'first'"), std::string::npos) << err;
}

TEST_F(ImporterTest, MissingFile) {
  std::string err = errorOf(file("absent.onnx"));
  EXPECT_NE(err.find("absent.onnx"), std::string::npos) << err;
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
}

TEST_F(ImporterTest, NotAnOnnxFile) {
  std::string p = write("text.onnx", "this is not a protobuf, just some text\n");
  std::string err = errorOf(p);
  EXPECT_NE(err.find("text.onnx"), std::string::npos) << err;
  EXPECT_NE(err.find("not an ONNX model"), std::string::npos) << err;
}

TEST_F(ImporterTest, TruncatedFileIsAnErrorAtEveryLength) {
  // Whatever the cut, the importer must fail cleanly and name the file (some prefixes are
  // valid protobufs; the model-level checks must catch those).
  std::string bytes = linearModel().SerializeAsString();
  std::string p = file("cut.onnx");
  for (size_t len = 0; len < bytes.size(); len += 7) {
    write("cut.onnx", bytes.substr(0, len));
    std::string err = errorOf(p);
    EXPECT_NE(err.find("cut.onnx"), std::string::npos) << "length " << len << ": " << err;
  }
}

TEST_F(ImporterTest, CorruptedBytesNeverCrash) {
  // Deterministic single-byte corruptions all over the file: each import must either succeed
  // (a harmless byte, e.g. inside a weight) or fail naming the file; a crash fails the test.
  std::string bytes = linearModel().SerializeAsString();
  std::string p = file("bad.onnx");
  for (size_t pos = 0; pos < bytes.size(); pos += 3) {
    std::string b = bytes;
    b[pos] = char(uint8_t(b[pos]) ^ 0xA5);
    write("bad.onnx", b);
    auto g = importOnnxFile(p);
    if (!g) {
      std::string err = llvm::toString(g.takeError());
      EXPECT_NE(err.find("bad.onnx"), std::string::npos) << "byte " << pos << ": " << err;
    }
  }
}

TEST_F(ImporterTest, UnsupportedDomainNamesNodeOpTypeAndDomain) {
  onnx::ModelProto m = model();
  auto *o = m.add_opset_import();
  o->set_domain("com.example");
  o->set_version(1);
  input(m, "x", {2});
  auto *n = node(m, "Frobnicate", {"x"}, {"y"}, "frob");
  n->set_domain("com.example");
  output(m, "y", {2});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("'frob'"), std::string::npos) << err;
  EXPECT_NE(err.find("'Frobnicate'"), std::string::npos) << err;
  EXPECT_NE(err.find("'com.example'"), std::string::npos) << err;
  EXPECT_NE(err.find("node #0"), std::string::npos) << err;
}

TEST_F(ImporterTest, UndefinedInputNamesNodeAndValue) {
  onnx::ModelProto m = linearModel();
  m.mutable_graph()->mutable_initializer()->RemoveLast(); // drop "b"
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("node 'add'"), std::string::npos) << err;
  EXPECT_NE(err.find("'b'"), std::string::npos) << err;
}

TEST_F(ImporterTest, ShapeMismatchNamesNode) {
  onnx::ModelProto m = model();
  input(m, "x", {2, 3});
  floatInit(m, "w", {5, 4}, std::vector<float>(20, 0.f));
  node(m, "MatMul", {"x", "w"}, {"y"}, "bad_matmul");
  output(m, "y", {2, 4});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("bad_matmul"), std::string::npos) << err;
  EXPECT_NE(err.find("m.onnx"), std::string::npos) << err;
}

TEST_F(ImporterTest, DynamicDimensionIsAnError) {
  onnx::ModelProto m = model();
  auto *in = m.mutable_graph()->add_input();
  valueInfo(in, "x", {});
  in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("batch");
  node(m, "Relu", {"x"}, {"y"});
  output(m, "y", {});
  m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()
      ->mutable_shape()->add_dim()->set_dim_param("batch");
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("'x'"), std::string::npos) << err;
  EXPECT_NE(err.find("dynamic dimension"), std::string::npos) << err;
  EXPECT_NE(err.find("batch"), std::string::npos) << err;
}

// Found by fuzzing (issue 13): element counts of crafted shapes overflowed int64 (UB) while the
// importer decided which nodes to fold.
TEST_F(ImporterTest, OverflowingElementCountNamesTheNode) {
  onnx::ModelProto m = model();
  input(m, "x", {int64_t(1) << 32, int64_t(1) << 32});
  node(m, "Relu", {"x"}, {"y"}, "big_relu");
  output(m, "y", {int64_t(1) << 32, int64_t(1) << 32});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("node 'big_relu'"), std::string::npos) << err;
  EXPECT_NE(err.find("output 'y' of shape [4294967296, 4294967296] has more elements than int64 "
                     "holds"),
            std::string::npos)
      << err;
}

TEST_F(ImporterTest, OverflowingInitializerIsAnError) {
  onnx::ModelProto m = model();
  input(m, "x", {2});
  floatInit(m, "w", {int64_t(1) << 32, int64_t(1) << 32, 4}, {});
  floatInit(m, "b", {2}, {1, 2});
  node(m, "Add", {"x", "b"}, {"y"}, "add");
  output(m, "y", {2});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("m.onnx"), std::string::npos) << err;
  EXPECT_NE(err.find("'w'"), std::string::npos) << err;
}

// --input-shape: pinning one input binds its symbols in the other inputs and the outputs, so
// one size per symbol reaches shape inference.
TEST_F(ImporterTest, InputShapePinsSymbolsEverywhere) {
  onnx::ModelProto m = model();
  auto dynamic = [](onnx::ValueInfoProto *v, const std::string &name) {
    valueInfo(v, name, {});
    auto *shape = v->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->add_dim()->set_dim_param("batch");
    shape->add_dim()->set_dim_value(4);
  };
  dynamic(m.mutable_graph()->add_input(), "x");
  dynamic(m.mutable_graph()->add_input(), "y");
  node(m, "Add", {"x", "y"}, {"z"});
  dynamic(m.mutable_graph()->add_output(), "z");
  std::string path = write("m.onnx", m);
  ImportOptions opts;
  opts.inputShapes.push_back({"x", {3, 4}});
  auto g = importOnnxFile(path, opts);
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  EXPECT_EQ((*g)->lookup("y")->type().str(), "f32[3, 4]");
  EXPECT_EQ((*g)->lookup("z")->type().str(), "f32[3, 4]");

  opts.inputShapes.push_back({"y", {2, 4}}); // 'batch' cannot be 3 and 2
  auto bad = importOnnxFile(path, opts);
  ASSERT_FALSE(bool(bad));
  std::string err = llvm::toString(bad.takeError());
  EXPECT_NE(err.find("symbol 'batch' is pinned to both 3 and 2"), std::string::npos) << err;
}

TEST(InputShapeSyntax, ParsesAndRejects) {
  auto s = parseInputShape("image=2x3x224x224");
  ASSERT_TRUE(bool(s)) << llvm::toString(s.takeError());
  EXPECT_EQ(s->name, "image");
  EXPECT_EQ(s->dims, (std::vector<int64_t>{2, 3, 224, 224}));
  auto scalar = parseInputShape("t=");
  ASSERT_TRUE(bool(scalar));
  EXPECT_TRUE(scalar->dims.empty());
  for (const char *bad : {"image", "=2x3", "image=2x-3", "image=2x0", "image=2xx3", "image=2x3x"}) {
    auto r = parseInputShape(bad);
    EXPECT_FALSE(bool(r)) << bad;
    if (!r)
      llvm::consumeError(r.takeError());
  }
}

TEST_F(ImporterTest, VimqScanWithoutFunctionGetsShapeOfInput) {
  onnx::ModelProto m = model();
  auto *o = m.add_opset_import();
  o->set_domain("ai.vimq");
  o->set_version(1);
  input(m, "u", {2, 5, 3});
  input(m, "delta", {2, 5, 3});
  input(m, "B", {2, 5, 4});
  input(m, "C", {2, 5, 4});
  floatInit(m, "A", {3, 4}, std::vector<float>(12, -1.f));
  auto *ss = node(m, "SelectiveScan", {"u", "delta", "A", "B", "C", ""}, {"y"}, "scan");
  ss->set_domain("ai.vimq");
  node(m, "Relu", {"y"}, {"z"});
  output(m, "z", {2, 5, 3});
  auto g = importOnnxFile(write("m.onnx", m));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  ir::Op *scan = (*g)->ops().front().get();
  EXPECT_EQ(scan->kind(), "vimq.SelectiveScan");
  EXPECT_EQ(scan->numOperands(), 6u);
  EXPECT_EQ(scan->operand(5), nullptr);
  EXPECT_EQ(scan->result(0)->type().str(), "f32[2, 5, 3]");
  EXPECT_FALSE(bool(ir::verify(**g)));
}

TEST_F(ImporterTest, UnknownVimqOpIsAnError) {
  onnx::ModelProto m = model();
  auto *o = m.add_opset_import();
  o->set_domain("ai.vimq");
  o->set_version(1);
  input(m, "x", {2});
  node(m, "Mystery", {"x"}, {"y"}, "myst")->set_domain("ai.vimq");
  output(m, "y", {2});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("'myst'"), std::string::npos) << err;
  EXPECT_NE(err.find("'Mystery'"), std::string::npos) << err;
  EXPECT_NE(err.find("'ai.vimq'"), std::string::npos) << err;
}

TEST_F(ImporterTest, TorchShapeArithmeticIsFoldedToStaticTypes) {
  // torch's class-token expand: Expand(tok, Where(Equal(s, ConstantOfShape(3) * -1), 1, s))
  // with s = [2, -1, -1]; ONNX data propagation cannot follow Where, so the importer folds it.
  onnx::ModelProto m = model();
  input(m, "x", {2, 5, 4});
  floatInit(m, "tok", {1, 1, 4}, {1, 2, 3, 4});
  auto ints = [&](const std::string &n, std::vector<int64_t> v) {
    auto *t = m.mutable_graph()->add_initializer();
    t->set_name(n);
    t->set_data_type(TensorProto::INT64);
    t->add_dims(int64_t(v.size()));
    for (int64_t e : v)
      t->add_int64_data(e);
  };
  ints("three", {3});
  ints("s", {2, -1, -1});
  ints("minus1", {-1});
  auto *cos = node(m, "ConstantOfShape", {"three"}, {"ones"}, "/ConstantOfShape");
  auto *val = cos->add_attribute();
  val->set_name("value");
  val->set_type(onnx::AttributeProto::TENSOR);
  val->mutable_t()->set_data_type(TensorProto::INT64);
  val->mutable_t()->add_dims(1);
  val->mutable_t()->add_int64_data(1);
  node(m, "Mul", {"ones", "minus1"}, {"neg"}, "/Mul");
  node(m, "Equal", {"s", "neg"}, {"eq"}, "/Equal");
  node(m, "Where", {"eq", "ones", "s"}, {"shape"}, "/Where");
  node(m, "Expand", {"tok", "shape"}, {"toks"}, "/Expand");
  auto *cat = node(m, "Concat", {"toks", "x"}, {"y"}, "/Concat");
  auto *axis = cat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  output(m, "y", {2, 6, 4});
  auto g = importOnnxFile(write("m.onnx", m));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  ir::Value *toks = (*g)->lookup("toks");
  ASSERT_TRUE(toks);
  EXPECT_EQ(toks->type().str(), "f32[2, 1, 4]");
  EXPECT_TRUE(toks->isConstant()); // folded at import: its inputs were all constants
  EXPECT_FALSE(bool(ir::verify(**g)));
}

TEST_F(ImporterTest, OlderOpsetWithChangedOpIsRejected) {
  onnx::ModelProto m = model();
  m.mutable_opset_import(0)->set_version(11);
  input(m, "x", {2, 6});
  auto *sp = node(m, "Split", {"x"}, {"a", "b"}, "/Split");
  auto *a = sp->add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(1);
  output(m, "a", {2, 3});
  output(m, "b", {2, 3});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("node '/Split'"), std::string::npos) << err;
  EXPECT_NE(err.find("opset 11"), std::string::npos) << err;
  EXPECT_NE(err.find("re-export"), std::string::npos) << err;
}

// torch 1.13 exports opset 14 by default: ops whose later definitions only widened types or
// added attributes with backward-compatible defaults (Identity 14/16, Reshape 14's allowzero,
// Add 14) are read with opset 17's meaning.
TEST_F(ImporterTest, OlderOpsetWithCompatibleChangesIsAccepted) {
  for (int64_t opset : {13, 14, 15, 16}) {
    onnx::ModelProto m = model();
    m.mutable_opset_import(0)->set_version(opset);
    input(m, "x", {2, 6});
    auto *shape = m.mutable_graph()->add_initializer();
    shape->set_name("shape");
    shape->set_data_type(TensorProto::INT64);
    shape->add_dims(2);
    shape->add_int64_data(3);
    shape->add_int64_data(4);
    node(m, "Identity", {"x"}, {"i"}, "/Identity");
    node(m, "Add", {"i", "i"}, {"a"}, "/Add");
    node(m, "Reshape", {"a", "shape"}, {"y"}, "/Reshape");
    output(m, "y", {3, 4});
    auto g = importOnnxFile(write("m" + std::to_string(opset) + ".onnx", m));
    ASSERT_TRUE(bool(g)) << "opset " << opset << ": " << llvm::toString(g.takeError());
    EXPECT_EQ((*g)->lookup("y")->type().str(), "f32[3, 4]");
  }
}

// An op changed in a way that is not backward compatible between the model's opset and 17
// (RoiAlign's default coordinate_transformation_mode became half_pixel in 16) is refused even
// when other ops are fine; the message names the node and the opset of the change.
TEST_F(ImporterTest, OlderOpsetWithIncompatibleChangeNamesTheVersion) {
  onnx::ModelProto m = model();
  m.mutable_opset_import(0)->set_version(15);
  input(m, "x", {1, 1, 4, 4});
  input(m, "rois", {1, 4});
  input(m, "idx", {1}, TensorProto::INT64);
  node(m, "RoiAlign", {"x", "rois", "idx"}, {"y"}, "/RoiAlign");
  output(m, "y", {1, 1, 1, 1});
  std::string err = errorOf(write("m.onnx", m));
  EXPECT_NE(err.find("node '/RoiAlign'"), std::string::npos) << err;
  EXPECT_NE(err.find("changed in opset 16"), std::string::npos) << err;
}

// ---- external data --------------------------------------------------------------------------

class ExternalDataTest : public ImporterTest {
protected:
  /// linearModel() with "w" (48 bytes) moved to `location` at `offset`.
  onnx::ModelProto externalModel(const std::string &location, int64_t offset = 0,
                                 int64_t length = -1) {
    onnx::ModelProto m = linearModel();
    TensorProto *w = m.mutable_graph()->mutable_initializer(0);
    w->clear_raw_data();
    w->set_data_location(TensorProto::EXTERNAL);
    auto kv = [&](const std::string &k, const std::string &v) {
      auto *e = w->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    kv("location", location);
    kv("offset", std::to_string(offset));
    if (length >= 0)
      kv("length", std::to_string(length));
    return m;
  }
  std::string weightBytes(size_t pad = 0) {
    std::vector<float> w(12, 0.5f);
    return std::string(pad, '\0') +
           std::string(reinterpret_cast<const char *>(w.data()), w.size() * sizeof(float));
  }
};

TEST_F(ExternalDataTest, RelativeFileWithOffset) {
  llvm::sys::fs::create_directory(file("weights"));
  write("weights/w.bin", weightBytes(16));
  auto g = importOnnxFile(write("m.onnx", externalModel("weights/w.bin", 16, 48)));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  ir::Value *w = (*g)->lookup("w");
  ASSERT_TRUE(w && w->isConstant());
  EXPECT_EQ(w->constant()->toFloats(), std::vector<float>(12, 0.5f));
}

TEST_F(ExternalDataTest, DotDotEscapeIsRejected) {
  std::string err = errorOf(write("m.onnx", externalModel("../w.bin")));
  EXPECT_NE(err.find("tensor 'w'"), std::string::npos) << err;
  EXPECT_NE(err.find("../w.bin"), std::string::npos) << err;
  EXPECT_NE(err.find("leaves the model's folder"), std::string::npos) << err;
}

TEST_F(ExternalDataTest, AbsolutePathIsRejected) {
  std::string err = errorOf(write("m.onnx", externalModel("/etc/passwd")));
  EXPECT_NE(err.find("tensor 'w'"), std::string::npos) << err;
  EXPECT_NE(err.find("absolute"), std::string::npos) << err;
}

TEST_F(ExternalDataTest, SymlinkOutsideIsRejected) {
  // The target exists outside the model folder; the link inside points to it.
  std::string outside = dir + "-outside.bin";
  std::ofstream(outside, std::ios::binary) << weightBytes();
  ASSERT_FALSE(llvm::sys::fs::create_link(outside, file("link.bin")));
  std::string err = errorOf(write("m.onnx", externalModel("link.bin")));
  llvm::sys::fs::remove(outside);
  EXPECT_NE(err.find("tensor 'w'"), std::string::npos) << err;
  EXPECT_NE(err.find("outside the model's folder"), std::string::npos) << err;
}

TEST_F(ExternalDataTest, RangeBeyondFileIsRejected) {
  write("w.bin", weightBytes());
  std::string err = errorOf(write("m.onnx", externalModel("w.bin", 8)));
  EXPECT_NE(err.find("tensor 'w'"), std::string::npos) << err;
  EXPECT_NE(err.find("exceeds"), std::string::npos) << err;
}

TEST_F(ExternalDataTest, WrongLengthIsRejected) {
  write("w.bin", weightBytes());
  std::string err = errorOf(write("m.onnx", externalModel("w.bin", 0, 40)));
  EXPECT_NE(err.find("length 40"), std::string::npos) << err;
}

TEST_F(ExternalDataTest, MissingFileIsRejected) {
  std::string err = errorOf(write("m.onnx", externalModel("nothere.bin")));
  EXPECT_NE(err.find("tensor 'w'"), std::string::npos) << err;
  EXPECT_NE(err.find("nothere.bin"), std::string::npos) << err;
}

// ---- readTensorProtoFile --------------------------------------------------------------------

TEST_F(ImporterTest, ReadTensorProtoFile) {
  TensorProto t;
  t.set_data_type(TensorProto::INT64);
  t.add_dims(3);
  for (int64_t v : {4, -5, 6})
    t.add_int64_data(v);
  auto r = readTensorProtoFile(write("t.pb", t.SerializeAsString()));
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_EQ(r->toInts(), (std::vector<int64_t>{4, -5, 6}));

  t.clear_int64_data();
  t.add_int64_data(1); // 1 element for 3 dims
  std::string err = llvm::toString(readTensorProtoFile(write("bad.pb", t.SerializeAsString()))
                                       .takeError());
  EXPECT_NE(err.find("bad.pb"), std::string::npos) << err;
}

TEST(ImporterTestData, ReadsLibonnxTestdata) {
  const char *p = "/usr/share/libonnx-testdata/data/node/test_abs/test_data_set_0/input_0.pb";
  if (!llvm::sys::fs::exists(p))
    GTEST_SKIP() << "libonnx-testdata not installed";
  auto r = readTensorProtoFile(p);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_EQ(r->dtype(), DType::F32);
  EXPECT_EQ(r->shape(), (llvm::ArrayRef<int64_t>{3, 4, 5}));
}

} // namespace
