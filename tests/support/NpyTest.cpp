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
