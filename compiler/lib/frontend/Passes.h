//===- Passes.h - constructors of the frontend passes (private to vimq_frontend) -*- C++ -*-===//
//
// One pass per file; Pipeline.cpp registers them and builds the standard frontend pipeline.
// Users go through registerFrontendPasses()/buildFrontendPipeline() (vimq/onnx/Importer.h) or
// the registry by name.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/passes/Pass.h"

#include <memory>

namespace vimq::frontend {

std::unique_ptr<Pass> createFoldConstantsPass();
std::unique_ptr<Pass> createRemoveIdentitiesPass();
std::unique_ptr<Pass> createLiftActivationsPass();
std::unique_ptr<Pass> createLiftLinearPass();
std::unique_ptr<Pass> createLiftNormsPass();
std::unique_ptr<Pass> createLiftConv1dPass();
std::unique_ptr<Pass> createLiftFlipPass();
std::unique_ptr<Pass> createLiftVisionPass();
std::unique_ptr<Pass> createLiftEmbeddingPass();
std::unique_ptr<Pass> createCancelTransposesPass();
std::unique_ptr<Pass> createCheckSupportedPass();

} // namespace vimq::frontend
