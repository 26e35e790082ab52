//===- CommandLine.cpp - the ViM-Q options shared by vimq-compile and vimq-ref ---------------===//
#include "vimq/quant/CommandLine.h"

#include "vimq/support/Error.h"

#include "llvm/Support/FileSystem.h"

namespace vimq::quant {

namespace cl = llvm::cl;

namespace {

cl::opt<std::string> calibDir("calib",
                              cl::desc("Calibration inputs: a folder of .npy files, one input "
                                       "batch each (default: synthetic)"),
                              cl::value_desc("dir"));
cl::opt<unsigned> calibSynthetic("calib-synthetic",
                                 cl::desc("Number of seeded N(0,1) calibration batches when no "
                                          "--calib folder is given"),
                                 cl::value_desc("n"), cl::init(QuantOptions().calibSynthetic));
cl::opt<uint64_t> calibSeed("calib-seed", cl::desc("Seed of the synthetic calibration set"),
                            cl::init(QuantOptions().calibSeed));
cl::opt<double> smoothAlpha("smooth-alpha",
                            cl::desc("Smoothing migration strength alpha in [0, 1]"),
                            cl::init(QuantOptions().smoothAlpha));
cl::opt<bool> noSmooth("no-smooth", cl::desc("Ablation: no smoothing"));
cl::opt<std::string> linearWeights("linear-weights",
                                   cl::desc("Linear weight quantizer: apot4 (ViM-Q) or int4 "
                                            "(ablation: uniform)"),
                                   cl::init("apot4"));
cl::opt<bool> staticActScales("static-act-scales",
                              cl::desc("Ablation: static per-tensor activation scales from "
                                       "calibration (golden model only; not for the overlay)"));

} // namespace

void addQuantOptionsTo(cl::OptionCategory &category) {
  for (cl::Option *o : std::initializer_list<cl::Option *>{
           &calibDir, &calibSynthetic, &calibSeed, &smoothAlpha, &noSmooth, &linearWeights,
           &staticActScales})
    o->addCategory(category);
}

llvm::Expected<QuantOptions> quantOptionsFromCommandLine() {
  QuantOptions o;
  o.calibDir = calibDir;
  o.calibSynthetic = calibSynthetic;
  o.calibSeed = calibSeed;
  if (!(smoothAlpha >= 0 && smoothAlpha <= 1))
    return makeError("--smooth-alpha={0} is outside [0, 1]", double(smoothAlpha));
  o.smoothAlpha = smoothAlpha;
  o.smooth = !noSmooth;
  if (linearWeights == "apot4")
    o.weights = LinearWeightScheme::APoT4;
  else if (linearWeights == "int4")
    o.weights = LinearWeightScheme::UniformInt4;
  else
    return makeError("unknown --linear-weights '{0}'; expected apot4 or int4",
                     std::string(linearWeights));
  o.staticActivationScales = staticActScales;
  if (!o.calibDir.empty() && !llvm::sys::fs::is_directory(o.calibDir))
    return makeError("--calib '{0}' is not a folder", o.calibDir);
  return o;
}

} // namespace vimq::quant
