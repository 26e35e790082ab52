//===- QuantAttrs.h - attribute names the quantization passes hand to each other -*- C++ -*-===//
//
// Passes communicate through op attributes (not a side table) so that every step is visible in
// the --print-after dumps and the lit tests, and a pipeline can be resumed from a dump.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

namespace vimq::quant::attrs {

/// f64 list, one per result: max |value| over the calibration set (calibrate).
inline constexpr const char *kAbsMax = "calib.absmax";
/// f64 list on vimq.Linear / vimq.PatchEmbed: per-input-channel max |x| (calibrate).
inline constexpr const char *kChannelMax = "calib.chmax";
/// f64 on ops reading a graph input: max |input| (calibrate).
inline constexpr const char *kInputAbsMax = "calib.input_absmax";
/// f64 on a smoothed vimq.Linear: the alpha used; string: where the 1/s went (smooth).
inline constexpr const char *kSmoothAlpha = "smooth.alpha";
inline constexpr const char *kSmoothFold = "smooth.fold";
/// On quantized vimq.Linear / CausalConv1d / PatchEmbed (quantize-weights): the code kind
/// ("apot4", "apot5", "int4", "int8"), the codes (u8/i8 tensor) and the per-block real scales
/// (f64 tensor [N, nb]), the block.
inline constexpr const char *kWFormat = "wq.format";
inline constexpr const char *kWCodes = "wq.codes";
inline constexpr const char *kWScales = "wq.scales";
inline constexpr const char *kWBlock = "wq.block";
/// int on a FastMamba vimq.Linear: the codes are of W·H with H the Walsh–Hadamard matrix of
/// order 2^log2g applied per group of K (0: not rotated); lower-to-fixed-point rotates the
/// input online with q.FWHT.
inline constexpr const char *kHadamardLog2 = "wq.hadamard_log2g";

} // namespace vimq::quant::attrs
