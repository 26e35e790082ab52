#include "vimq/support/Npy.h"

#include <gtest/gtest.h>

using namespace vimq;

TEST(Npy, RoundTripAllTypes) {
  for (DType dt : {DType::F32, DType::F16, DType::F64, DType::I64, DType::I32, DType::I8,
                   DType::U8, DType::Bool}) {
    Tensor t = Tensor::fromVector<float>({2, 3}, {1, 0, 3, 4, 5, 6}).cast(dt);
    auto back = parseNpy(serializeNpy(t), "mem");
    ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
    EXPECT_TRUE(back->sameAs(t)) << dtypeName(dt).str();
  }
  Tensor s = Tensor::scalar<float>(2.0f);
  auto back = parseNpy(serializeNpy(s), "mem");
  ASSERT_TRUE(bool(back));
  EXPECT_EQ(back->rank(), 0);
  Tensor v = Tensor::fromVector<int32_t>({3}, {1, 2, 3});
  std::string bytes = serializeNpy(v);
  EXPECT_NE(bytes.find("(3,)"), std::string::npos);
  EXPECT_EQ((bytes.size() - v.nbytes()) % 64, 0u);
}

TEST(Npy, Errors) {
  auto notNpy = parseNpy("hello world, this is not npy", "x.npy");
  ASSERT_FALSE(bool(notNpy));
  EXPECT_NE(llvm::toString(notNpy.takeError()).find("x.npy"), std::string::npos);

  Tensor t = Tensor::fromVector<float>({4}, {1, 2, 3, 4});
  std::string b = serializeNpy(t);
  auto trunc = parseNpy(llvm::StringRef(b).drop_back(3), "t.npy");
  ASSERT_FALSE(bool(trunc));
  EXPECT_NE(llvm::toString(trunc.takeError()).find("truncated"), std::string::npos);

  std::string fortran = b;
  fortran.replace(fortran.find("False"), 5, "True ");
  auto f = parseNpy(fortran, "f.npy");
  ASSERT_FALSE(bool(f));
  llvm::consumeError(f.takeError());

  std::string obj = b;
  obj.replace(obj.find("<f4"), 3, "|O8");
  auto o = parseNpy(obj, "o.npy");
  ASSERT_FALSE(bool(o));
  EXPECT_NE(llvm::toString(o.takeError()).find("unsupported .npy dtype"), std::string::npos);
}

/// A v1 .npy file with `header` as its dict and `data` after it (no padding: the reader does
/// not require the 64-byte alignment).
static std::string npyWithHeader(const std::string &header, const std::string &data = "") {
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  return out + header + data;
}

static std::string npyError(const std::string &bytes, const char *name) {
  auto t = parseNpy(bytes, name);
  if (t)
    return "<parsed>";
  return llvm::toString(t.takeError());
}

// Found by fuzzing (issue 13): an empty value used to hit StringRef::drop_front's assert.
TEST(Npy, EmptyDescrOrShapeIsAnError) {
  std::string e = npyError(npyWithHeader("{'descr':"), "d.npy");
  EXPECT_NE(e.find("d.npy"), std::string::npos) << e;
  EXPECT_NE(e.find("malformed"), std::string::npos) << e;
  e = npyError(npyWithHeader("{'fortran_order': False, 'shape': (1,), 'descr':"), "d.npy");
  EXPECT_NE(e.find("no quoted 'descr'"), std::string::npos) << e;
  e = npyError(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape':"), "s.npy");
  EXPECT_NE(e.find("s.npy: .npy header has no 'shape' tuple"), std::string::npos) << e;
}

// Found by fuzzing (issue 13): the element count overflowed int64 (UB in numElements).
TEST(Npy, OverflowingShapeIsAnError) {
  std::string e = npyError(
      npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, "
                    "4294967296, 4), }"),
      "o.npy");
  EXPECT_NE(e.find("o.npy: .npy shape [4294967296, 4294967296, 4] has too many elements"),
            std::string::npos)
      << e;
  // The element count fits int64 but the byte count does not.
  e = npyError(npyWithHeader("{'descr': '<f8', 'fortran_order': False, "
                             "'shape': (4611686018427387904,), }"),
               "b.npy");
  EXPECT_NE(e.find("too many elements"), std::string::npos) << e;
}

// Found by fuzzing (issue 13): a small file asking for 2^40 elements made the reader allocate
// 4 TiB (bad_alloc) before it noticed the data was missing.
TEST(Npy, HugeShapeInSmallFileIsTruncatedNotAllocated) {
  std::string bytes = npyWithHeader(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", "0123456789");
  std::string e = npyError(bytes, "big.npy");
  EXPECT_NE(e.find("big.npy: truncated .npy data: expected 4398046511104 bytes"),
            std::string::npos)
      << e;
}
