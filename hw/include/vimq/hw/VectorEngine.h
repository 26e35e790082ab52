//===- VectorEngine.h - VECTOR engine: elementwise, norms, quantizer, FWHT, PWL -----*- C++ -*-===//
//
// Operands are int32 fixed-point rows ("Q(f)": value * 2^f) of `cols` elements; `rows` rows
// (tokens) per call. Exact formats, every rounding RNE (docs/overlay.md):
//   add:   sat32(a + b)                      mul: sat32(RNE(a*b / 2^fb))
//   scale: sat32(RNE(x[c] * s[c] / 2^fs))   (smoothing; s int32)
//   rmsNorm (per group of g = `group` channels; gated first forms t = sat32(RNE(x*silu(z)/2^fz))),
//     all integer (Numerics.h "RMSNorm factor"): S = sum t^2 (exact), E = RNE(eps*g*2^(2f)) from
//     eps's fp32 bit pattern, rq = isqrt(floor(g*2^(48+2f) / max(S+E, 1))),
//     y = sat32(RNE(t * rq * w / 2^(24 + fw + f - fo)));  f <= kMaxNormFrac, eps finite >= 0
//   absmaxQuantize: a = max|x| (saturated), R = RNE(127*2^31 / a) once per row (shared divider),
//     q = a ? sat8(RNE(x*R / 2^31)) : 0; a is the token's scale operand for LINEAR (1/127 folded
//     into the weight scale)
//   quantizeStatic: q = sat8(RNE(x * m / 2^s)) (per-tensor scale for CONV inputs)
//   narrow16: sat16(RNE(x / 2^s)) (the SSM's 16-bit operands)
//   fwht: unnormalised Walsh-Hadamard (Sylvester order) on groups of 2^k, exact, then
//     sat32(RNE(v * mult / 2^s))
//   exp / softplus / silu: the PWL unit of Numerics.h, argument rounded from Q(f) to Q12.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

// C++14, STL-free: the synthesizable VECTOR module's loops (hw/src/VectorTile.h) include this
// header; the functions are defined in hw/sim/VectorEngine.cpp (the dense-array engine: the
// same loops on dense operands, and the simulation-only fast paths).
#include <stdint.h>

#ifndef __SYNTHESIS__
#include "vimq/hw/SimThreads.h"
#endif

namespace vimq {
namespace hw {

void vecAdd(int n, const int32_t *a, const int32_t *b, int32_t *y);
void vecMul(int n, const int32_t *a, const int32_t *b, int fracB, int32_t *y);
void vecScaleChannels(int rows, int cols, const int32_t *x, const int32_t *s, int fracS,
                      int32_t *y);

struct RmsNormParams {
  int rows = 0, cols = 0, group = 0; ///< group == 0 means the whole row.
  int inFrac = 16, weightFrac = 16, outFrac = 16, gateFrac = 16; ///< inFrac <= kMaxNormFrac
  uint32_t epsBits = 0x3727c5acu; ///< eps's fp32 bit pattern (1e-5f); normEpsValid() holds
};
constexpr int kRmsFactorFrac = 24; // the Q format of rq (= kNormFactorFrac)

/// x: [rows][cols]; w: [cols] Q(weightFrac); z (gate, may be null): [rows][cols]; y: [rows][cols].
void vecRmsNorm(const RmsNormParams &p, const int32_t *x, const int32_t *w, const int32_t *z,
                int32_t *y);

void vecAbsmaxQuantize(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax);
/// The quantizer's loops exactly as synthesised (VectorTile.h), on dense rows.
void vecAbsmaxQuantizeHls(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax);
#ifndef __SYNTHESIS__
/// Simulation only: the same results, token rows over the SimPool, AVX-512 per `path` when the
/// CPU has it (Vector without it takes the scalar form).
void vecAbsmaxQuantizeSim(int rows, int cols, const int32_t *x, int8_t *q, int32_t *absmax,
                          SimPath path);
#endif
void vecQuantizeStatic(int n, const int32_t *x, uint16_t m, int shift, int8_t *q);
void vecNarrow16(int n, const int32_t *x, int shift, int16_t *y);

constexpr int kMaxFwhtLog2 = 12;

/// Groups of 2^log2Group (log2Group <= kMaxFwhtLog2) along each row; cols must be a multiple of the
/// group (checked by the ISA verifier; the engine processes only whole groups).
void vecFwht(int rows, int cols, int log2Group, int32_t mult, int shift, const int32_t *x,
             int32_t *y);

enum class PwlFunc : uint8_t { Exp = 0, Softplus = 1, Silu = 2 };
void vecPwl(int n, PwlFunc fn, int frac, const int32_t *x, int32_t *y);

} // namespace hw
} // namespace vimq
