//===- Pipeline.cpp - registration and the standard frontend pipeline -------------------------===//
//
// Order matters: folding first (it exposes the constant weights, shapes and slice bounds the
// patterns test), identities next (patterns need not look through them), then lifting, with
// lift-activations before lift-norms (the gated norm matches vimq.SiLU) and lift-conv1d
// (it fuses a following SiLU), then cleanup and the final support check.
//
//===----------------------------------------------------------------------------------------===//
#include "Passes.h"

#include "vimq/onnx/Importer.h"
#include "vimq/passes/PassManager.h"

namespace vimq {

using namespace frontend;

using PassFactory = std::unique_ptr<Pass> (*)();

static const PassFactory kFrontendPipeline[] = {
    createFoldConstantsPass,  createRemoveIdentitiesPass, createLiftActivationsPass,
    createLiftLinearPass,     createLiftNormsPass,        createLiftConv1dPass,
    createLiftFlipPass,       createLiftVisionPass,       createLiftEmbeddingPass,
    createCancelTransposesPass, createCheckSupportedPass,
};

void registerFrontendPasses() {
  registerGenericPasses(); // "dce", used by the pipeline below
  for (PassFactory f : kFrontendPipeline) {
    std::unique_ptr<Pass> p = f();
    registerPass({p->name().str(), p->description().str(), [f] { return f(); }});
  }
}

void buildFrontendPipeline(PassManager &pm) {
  if (!lookupPass("dce"))
    registerGenericPasses();
  for (PassFactory f : kFrontendPipeline) {
    std::unique_ptr<Pass> p = f();
    bool last = p->name() == "check-supported";
    // Lifting leaves the replaced ops behind only when something still uses them; the passes
    // drop their own dead ops, and a final dead-code sweep drops unused constants too.
    if (last)
      pm.add(lookupPass("dce")->create());
    pm.add(std::move(p));
  }
}

} // namespace vimq
