//===- Driver.h - "quantize this model": the one entry of vimq-compile and vimq-ref -*- C++ -*-===//
#pragma once

#include "vimq/ir/IR.h"
#include "vimq/passes/PassManager.h"
#include "vimq/quant/Passes.h"

namespace vimq::quant {

/// Frontend pipeline + buildVimqPipeline on an imported graph: afterwards `g` holds q ops only
/// (verified). vimq-compile --scheme vimq and vimq-ref --scheme vimq both call this with the
/// same options, so the backend and the golden model see the identical quantized graph.
llvm::Error quantizeForVimq(ir::Graph &g, const QuantOptions &opts,
                            const Instrumentation &instr = {});

} // namespace vimq::quant
