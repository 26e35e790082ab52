//===- SimTestUtil.h - helpers of the backend's sim tests -------------------------*- C++ -*-===//
#pragma once

#include "vimq/backend/Compile.h"
#include "vimq/runtime/Session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace vimq::backend::testing {

inline TargetInfo zcu102() {
  auto t = TargetInfo::load("zcu102");
  EXPECT_TRUE(bool(t));
  return std::move(*t);
}

/// zcu102 with small on-chip buffers, so that small graphs need many tiles and edge tiles.
/// Programs tiled for it also run on the zcu102 sim (its buffers are larger).
inline TargetInfo smallBuffers() {
  auto base = zcu102();
  std::string json = R"({"name": "small", "part": "x", "resources": {"lut": 1, "ff": 1,
    "dsp": 1, "bram36": 1}, "params": {)";
  bool first = true;
  for (auto &[k, v] : base.hw().params()) {
    int64_t val = v;
    if (k == "vec_buf_words")
      val = 4096;
    else if (k == "act_buf_bytes" || k == "wgt_buf_bytes")
      val = 2048;
    json += (first ? "" : ", ") + ("\"" + k + "\": " + std::to_string(val));
    first = false;
  }
  json += "}}";
  auto t = hw::Target::parse(json, "small");
  EXPECT_TRUE(bool(t));
  return TargetInfo(std::move(*t));
}

inline float toHost(int32_t v, int64_t frac) { return float(std::ldexp(double(v), -int(frac))); }

/// Compiles `g` for `target`, runs it on the zcu102 sim and returns the outputs.
inline rt::TensorMap compileAndRun(const ir::Graph &g, const TargetInfo &target,
                                   const rt::TensorMap &inputs, LowerOptions lower = {}) {
  auto compiled = compileGraph(g, target, {g.name, "vimq", {}, lower});
  EXPECT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  if (!compiled)
    return {};
  compiled->bundle.fingerprint = zcu102().fingerprint();
  compiled->bundle.target = "zcu102";
  auto dev = rt::Device::open("sim");
  EXPECT_TRUE(bool(dev));
  auto session = rt::Session::create(compiled->bundle, **dev);
  EXPECT_TRUE(bool(session)) << llvm::toString(session.takeError());
  if (!session)
    return {};
  auto out = session->run(inputs);
  EXPECT_TRUE(bool(out)) << llvm::toString(out.takeError());
  return out ? std::move(*out) : rt::TensorMap{};
}

} // namespace vimq::backend::testing
