//===- PipelineTest.cpp - the import-and-lower path the three tools share ---------------------===//
#include "Pipeline.h"
#include "ToolOptions.h"

#include "vimq/quant/QOps.h"

#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

using namespace vimq;
using namespace vimq::tools;

namespace {

const std::string kModel = VIMQ_SOURCE_DIR "/models/fixtures/vim-small/model.onnx";
const std::string kImage = VIMQ_SOURCE_DIR "/models/fixtures/vim-small/inputs/image.npy";

/// Each test parses its own command line; the options are global, so they are reset after it.
class ToolPipeline : public ::testing::Test {
protected:
  static void parse(std::vector<const char *> args) {
    args.insert(args.begin(), "tool");
    parseToolCommandLine(int(args.size()), const_cast<char **>(args.data()), "test\n");
  }
  void TearDown() override { llvm::cl::ResetAllOptionOccurrences(); }
};

std::string errorOf(llvm::Error e) { return llvm::toString(std::move(e)); }

TEST_F(ToolPipeline, SchemeAndPipelineFlags) {
  EXPECT_EQ(errorOf(modelPipelineFromCommandLine("int3", "-").takeError()),
            "unknown --scheme 'int3'; expected one of: fp32, vimq, fastmamba");
  auto standard = modelPipelineFromCommandLine("fp32", "-");
  ASSERT_TRUE(bool(standard));
  EXPECT_FALSE(standard->quantized);
  EXPECT_FALSE(standard->passNames.hasValue());

  parse({"--pipeline=dce", "--print-after=dce"});
  auto custom = modelPipelineFromCommandLine("fp32", "-");
  ASSERT_TRUE(bool(custom));
  EXPECT_EQ(*custom->passNames, std::vector<std::string>{"dce"});
  EXPECT_EQ(custom->instr.printAfter, std::vector<std::string>{"dce"});
  // Each tool words this error its own way (the lit tests pin both).
  EXPECT_EQ(errorOf(modelPipelineFromCommandLine("vimq", "the tool's words").takeError()),
            "the tool's words");
}

TEST_F(ToolPipeline, QuantOptionsAreCheckedOnlyForVimq) {
  parse({"--smooth-alpha=2"});
  EXPECT_TRUE(bool(modelPipelineFromCommandLine("fp32", "-")));
  EXPECT_TRUE(llvm::StringRef(errorOf(modelPipelineFromCommandLine("vimq", "-").takeError()))
                  .startswith("--smooth-alpha=2"));
}

TEST_F(ToolPipeline, PipelineErrorsComeBeforeTheImport) {
  parse({"--pipeline=no-such-pass"});
  auto p = modelPipelineFromCommandLine("fp32", "-");
  ASSERT_TRUE(bool(p));
  bool hooked = false;
  auto g = importAndLower("/nonexistent/model.onnx", *p, [&](const ir::Graph &) {
    hooked = true;
    return llvm::Error::success();
  });
  std::string msg = errorOf(g.takeError());
  EXPECT_NE(msg.find("--pipeline"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("nonexistent"), std::string::npos) << msg;
  EXPECT_FALSE(hooked);
}

TEST_F(ToolPipeline, TheHookSeesTheImportedGraphAndItsErrorStopsThePipeline) {
  ModelPipeline fp32;
  size_t importedOps = 0;
  auto g = importAndLower(kModel, fp32, [&](const ir::Graph &imported) {
    importedOps = imported.numOps();
    return llvm::Error::success();
  });
  ASSERT_TRUE(bool(g)) << errorOf(g.takeError());
  // The frontend lifts many ONNX nodes into few vimq ops: the hook ran before it.
  EXPECT_GT(importedOps, (*g)->numOps());

  auto failed = importAndLower(kModel, fp32, [&](const ir::Graph &) -> llvm::Error {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "bad input");
  });
  EXPECT_EQ(errorOf(failed.takeError()), "bad input");
}

TEST_F(ToolPipeline, VimqLowersToQOpsAndLoadsTheInputs) {
  ModelPipeline vimq;
  vimq.quantized = true;
  vimq.quantOpts.calibSynthetic = 1;
  auto model = importAndLower(kModel, vimq, std::vector<std::string>{kImage});
  ASSERT_TRUE(bool(model)) << errorOf(model.takeError());
  EXPECT_FALSE(bool(quant::verifyQuantizedGraph(*model->graph)));
  ASSERT_EQ(model->inputs.size(), 1u);

  auto badInput = importAndLower(kModel, vimq, std::vector<std::string>{"nope=" + kImage});
  EXPECT_NE(errorOf(badInput.takeError()).find("nope"), std::string::npos);
}

} // namespace
