//===- Pipeline.cpp - the pass pipeline of the tools ------------------------------------------===//
#include "Pipeline.h"
#include "ToolOptions.h"

#include "vimq/onnx/Importer.h"
#include "vimq/quant/CommandLine.h"
#include "vimq/quant/Driver.h"
#include "vimq/support/Error.h"

namespace vimq::tools {

namespace {

llvm::cl::opt<std::string> modelPathOption(llvm::cl::Positional,
                                           llvm::cl::desc("<model.onnx>"),
                                           llvm::cl::cat(toolCategory()));
llvm::cl::list<std::string>
    inputShapeOption("input-shape",
                     llvm::cl::desc("Size of a model input with dynamic dimensions, e.g. "
                                    "image=2x3x224x224 (repeatable)"),
                     llvm::cl::value_desc("NAME=D0xD1x..."), llvm::cl::cat(toolCategory()));

} // namespace

void parseModelToolCommandLine(int argc, char **argv, llvm::StringRef overview) {
  quant::addQuantOptionsTo(toolCategory());
  parseToolCommandLine(argc, argv, overview);
}

llvm::StringRef modelPath() { return modelPathOption; }

void registerAllPasses() {
  registerGenericPasses();
  registerFrontendPasses();
}

llvm::Expected<std::unique_ptr<PassManager>>
buildPipeline(const Instrumentation &instr,
              const llvm::Optional<std::vector<std::string>> &passNames) {
  auto pm = std::make_unique<PassManager>(instr);
  if (passNames) {
    for (const std::string &name : *passNames)
      if (llvm::Error e = pm->add(name))
        return withContext(std::move(e), "--pipeline");
  } else {
    buildFrontendPipeline(*pm);
  }
  if (llvm::Error e = pm->checkInstrumentationNames())
    return e;
  return pm;
}

llvm::Expected<ModelPipeline> modelPipelineFromCommandLine(llvm::StringRef scheme,
                                                           llvm::StringRef pipelineWithVimq) {
  if (llvm::Error e = checkScheme(scheme))
    return e;
  ModelPipeline p;
  for (const std::string &text : inputShapeOption) {
    auto shape = parseInputShape(text);
    if (!shape)
      return shape.takeError();
    p.import.inputShapes.push_back(std::move(*shape));
  }
  p.quantized = scheme == "vimq" || scheme == "fastmamba";
  p.instr = instrumentationFromOptions();
  p.passNames = customPipeline();
  if (p.quantized && p.passNames)
    return makeError("{0}", pipelineWithVimq);
  if (p.quantized) {
    auto parsed = quant::quantOptionsFromCommandLine(
        scheme == "fastmamba" ? quant::Scheme::FastMamba : quant::Scheme::ViMQ);
    if (!parsed)
      return parsed.takeError();
    p.quantOpts = *parsed;
  }
  return p;
}

llvm::Expected<std::unique_ptr<ir::Graph>> importAndLower(llvm::StringRef modelPath,
                                                          const ModelPipeline &pipeline,
                                                          AfterImport afterImport) {
  registerAllPasses();
  // The vimq pipeline is built (and its pass names checked) inside quant::quantizeForVimq.
  std::unique_ptr<PassManager> pm;
  if (!pipeline.quantized) {
    auto built = buildPipeline(pipeline.instr, pipeline.passNames);
    if (!built)
      return built.takeError();
    pm = std::move(*built);
  }
  auto graph = importOnnxFile(modelPath, pipeline.import);
  if (!graph)
    return graph.takeError();
  if (afterImport)
    if (llvm::Error e = afterImport(**graph))
      return e;
  llvm::Error e = pipeline.quantized
                      ? quant::quantizeForVimq(**graph, pipeline.quantOpts, pipeline.instr)
                      : pm->run(**graph);
  if (e)
    return e;
  return graph;
}

llvm::Expected<LoweredModel> importAndLower(llvm::StringRef modelPath,
                                            const ModelPipeline &pipeline,
                                            llvm::ArrayRef<std::string> inputArgs) {
  LoweredModel model;
  auto graph = importAndLower(modelPath, pipeline, [&](const ir::Graph &g) -> llvm::Error {
    auto inputs = loadInputs(g, inputArgs);
    if (!inputs)
      return inputs.takeError();
    model.inputs = std::move(*inputs);
    return llvm::Error::success();
  });
  if (!graph)
    return graph.takeError();
  model.graph = std::move(*graph);
  return model;
}

} // namespace vimq::tools
