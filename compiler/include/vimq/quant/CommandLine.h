//===- CommandLine.h - the ViM-Q options shared by vimq-compile and vimq-ref ------*- C++ -*-===//
//
// --calib DIR, --calib-synthetic N, --calib-seed S, --smooth-alpha A and the ablation switches
// (--no-smooth, --linear-weights=apot4|int4, --static-act-scales) are defined once here, so the
// compiler and the golden reference always quantize a model the same way.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/quant/Passes.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

namespace vimq::quant {

/// Puts the options into the tool's category (call before cl::ParseCommandLineOptions; the
/// tools hide every option outside their category).
void addQuantOptionsTo(llvm::cl::OptionCategory &category);
/// The parsed options (validated: alpha in [0, 1], a readable --calib folder).
llvm::Expected<QuantOptions> quantOptionsFromCommandLine(Scheme scheme);

} // namespace vimq::quant
