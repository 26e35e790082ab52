//===- Pipeline.cpp - registration and the ViM-Q pipeline ------------------------------------===//
#include "vimq/quant/Driver.h"
#include "vimq/quant/Passes.h"

#include "vimq/onnx/Importer.h"

namespace vimq::quant {

void registerQuantPasses() {
  QuantOptions dflt;
  auto add = [](std::unique_ptr<Pass> p, std::function<std::unique_ptr<Pass>()> make) {
    registerPass({p->name().str(), p->description().str(), std::move(make)});
  };
  add(createCalibratePass(dflt), [dflt] { return createCalibratePass(dflt); });
  add(createSmoothPass(dflt), [dflt] { return createSmoothPass(dflt); });
  add(createQuantizeWeightsPass(dflt), [dflt] { return createQuantizeWeightsPass(dflt); });
  add(createLowerToFixedPointPass(dflt), [dflt] { return createLowerToFixedPointPass(dflt); });
  add(createFuseQOpsPass(), [] { return createFuseQOpsPass(); });
}

llvm::StringRef schemeName(Scheme s) {
  return s == Scheme::ViMQ ? "vimq" : "fastmamba";
}

void buildQuantPipeline(PassManager &pm, const QuantOptions &opts) {
  pm.add(createCalibratePass(opts));
  if (opts.smoothingEnabled())
    pm.add(createSmoothPass(opts)); // updates the ranges it changes; no second calibration
  pm.add(createQuantizeWeightsPass(opts));
  pm.add(createLowerToFixedPointPass(opts));
  pm.add(createFuseQOpsPass());
}

llvm::Error quantizeForVimq(ir::Graph &g, const QuantOptions &opts,
                            const Instrumentation &instr) {
  PassManager pm(instr);
  buildFrontendPipeline(pm);
  buildQuantPipeline(pm, opts);
  return pm.run(g);
}

} // namespace vimq::quant
