//===- TargetTest.cpp - target JSON loader ---------------------------------------------------===//

#include "vimq/hw/Target.h"
#include "vimq/hw/Fingerprint.h"

#include <gtest/gtest.h>

using namespace vimq::hw;

TEST(Target, BothBoardsLoad) {
  for (const char *name : {"zcu102", "vc709"}) {
    auto t = Target::loadByName(name);
    ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
    EXPECT_EQ(t->name(), name);
    EXPECT_GT(t->budget().dsp, 0);
    EXPECT_GT(t->linearRows() * t->linearCols(), 0);
  }
  auto z = Target::loadByName("zcu102");
  auto v = Target::loadByName("vc709");
  ASSERT_TRUE(z && v);
  EXPECT_EQ(z->clockMhz(), 350);
  EXPECT_EQ(v->clockMhz(), 250);
  EXPECT_NE(z->fingerprint(1), v->fingerprint(1));
}

TEST(Target, FingerprintDefinition) {
  // FNV-1a 64 over "isa=1;a=2;b=10;" computed by hand from the definition in Fingerprint.h.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : std::string("isa=1;a=2;b=10;")) {
    h ^= uint8_t(c);
    h *= 0x100000001b3ULL;
  }
  auto t = Target::parse(R"({"name":"x","part":"p","resources":{"lut":1,"ff":1,"dsp":1,
      "bram36":1},"params":{"b":10,"a":2,"clock_mhz":1}})",
                         "inline");
  // Missing required parameters: rejected, naming the key.
  ASSERT_FALSE(bool(t));
  EXPECT_NE(llvm::toString(t.takeError()).find("missing params."), std::string::npos);
  FingerprintBuilder fp;
  fp.addIsaVersion(1);
  fp.addParam("a", 2);
  fp.addParam("b", 10);
  EXPECT_EQ(fp.value(), h);
}

TEST(Target, MalformedFilesAreClearErrors) {
  auto expectError = [](llvm::StringRef json, llvm::StringRef needle) {
    auto t = Target::parse(json, "t.json");
    ASSERT_FALSE(bool(t));
    std::string msg = llvm::toString(t.takeError());
    EXPECT_NE(msg.find("t.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle.str()), std::string::npos) << msg;
  };
  expectError("{", "not a JSON object");
  expectError("[]", "not a JSON object");
  expectError(R"({"name":"x"})", "part");
  expectError(R"({"name":"x","part":"p"})", "resources");
  expectError(R"({"name":"x","part":"p","resources":{"lut":-1,"ff":1,"dsp":1,"bram36":1}})",
              "resources.lut");
  expectError(R"({"name":"x","part":"p","resources":{"lut":1,"ff":1,"dsp":1,"bram36":1},
                  "params":{"clock_mhz":1.5}})",
              "params.clock_mhz");
  expectError(R"({"name":"x","part":"p","resources":{"lut":1,"ff":1,"dsp":1,"bram36":1},
                  "params":{"clock_mhz":18446744073709551615}})",
              "params.clock_mhz");
  // A lane count that is not 2^a * 3^b breaks the banking rule (docs/overlay.md, "Banking").
  {
    auto zcu = Target::loadByName("zcu102");
    ASSERT_TRUE(bool(zcu)) << llvm::toString(zcu.takeError());
    std::string text = R"({"name":"x","part":"p","resources":{"lut":1,"ff":1,"dsp":1,"bram36":1},
                           "params":{)";
    bool first = true;
    for (const auto &[key, value] : zcu->params()) {
      text += (first ? "" : ",") + ("\"" + key + "\":") +
              std::to_string(key == "linear_cols" ? 20 : value);
      first = false;
    }
    expectError(text + "}}", "params.linear_cols = 20 must be of the form 2^a * 3^b");
  }
  auto missing = Target::loadFile("/nonexistent/dir/none.json");
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("/nonexistent/dir/none.json"),
            std::string::npos);
  auto bad = Target::loadByName("../etc/passwd");
  EXPECT_FALSE(bool(bad));
  llvm::consumeError(bad.takeError());
}
