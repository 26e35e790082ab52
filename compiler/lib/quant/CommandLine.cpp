//===- CommandLine.cpp - the ViM-Q options shared by vimq-compile and vimq-ref ---------------===//
#include "vimq/quant/CommandLine.h"

#include "vimq/support/Error.h"

#include "llvm/Support/FileSystem.h"

namespace vimq::quant {

namespace cl = llvm::cl;

namespace {

cl::opt<std::string> calibDir("calib",
                              cl::desc("Calibration inputs: a folder of .npy files, one input "
                                       "batch each, or one .npy of N batches [N, ...] "
                                       "(default: synthetic; token ids for integer inputs)"),
                              cl::value_desc("dir|file.npy"));
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
cl::opt<std::string> linearRotation(
    "linear-rotation",
    cl::desc("FastMamba linears: hadamard (the scheme), none (ablation: naive W8A8) or "
             "smoothquant (ablation: SmoothQuant W8A8)"),
    cl::init("hadamard"));
cl::opt<bool> exactExp("exact-exp",
                       cl::desc("Ablation: exact exp in the scans instead of the PWL unit "
                                "(golden model only; not for the overlay)"));
cl::opt<bool> staticActScales("static-act-scales",
                              cl::desc("Ablation: static per-tensor activation scales from "
                                       "calibration (golden model only; not for the overlay)"));

} // namespace

void addQuantOptionsTo(cl::OptionCategory &category) {
  for (cl::Option *o : std::initializer_list<cl::Option *>{
           &calibDir, &calibSynthetic, &calibSeed, &smoothAlpha, &noSmooth, &linearWeights,
           &linearRotation, &staticActScales, &exactExp})
    o->addCategory(category);
}

llvm::Expected<QuantOptions> quantOptionsFromCommandLine(Scheme scheme) {
  QuantOptions o;
  o.scheme = scheme;
  if (linearRotation == "hadamard")
    o.rotation = LinearRotation::Hadamard;
  else if (linearRotation == "none")
    o.rotation = LinearRotation::None;
  else if (linearRotation == "smoothquant")
    o.rotation = LinearRotation::SmoothQuant;
  else
    return makeError("unknown --linear-rotation '{0}'; expected hadamard, none or smoothquant",
                     std::string(linearRotation));
  if (scheme != Scheme::FastMamba && linearRotation.getNumOccurrences())
    return makeError("--linear-rotation applies to --scheme fastmamba only");
  if (scheme != Scheme::ViMQ && (noSmooth.getNumOccurrences() || linearWeights.getNumOccurrences()))
    return makeError("--no-smooth and --linear-weights apply to --scheme vimq only "
                     "(fastmamba: --linear-rotation)");
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
  o.exactExp = exactExp;
  if (!o.calibDir.empty() && !llvm::sys::fs::exists(o.calibDir))
    return makeError("--calib '{0}': no such folder or .npy file", o.calibDir);
  return o;
}

} // namespace vimq::quant
