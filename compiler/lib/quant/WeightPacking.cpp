//===- WeightPacking.cpp - APoT-4 / APoT-5 / int codes of weights ----------------------------===//
#include "vimq/quant/WeightPacking.h"

#include <cassert>
#include <cmath>

namespace vimq::quant {

int32_t codeLevel(CodeKind kind, uint8_t code) {
  switch (kind) {
  case CodeKind::APoT4:
    return (code & 8 ? -1 : 1) * kAPoT4Levels[code & 7];
  case CodeKind::APoT5:
    return (code & 16 ? -1 : 1) * kAPoT5Levels[code & 15];
  case CodeKind::Int4:
  case CodeKind::Int8:
    return static_cast<int8_t>(code);
  }
  return 0;
}

int32_t maxLevel(CodeKind kind) {
  switch (kind) {
  case CodeKind::APoT4:
    return 160;
  case CodeKind::APoT5:
    return 144;
  case CodeKind::Int4:
    return 7;
  case CodeKind::Int8:
    return 127;
  }
  return 1;
}

/// The code whose level is nearest to `v` (in level units). Ties go to the smaller magnitude so
/// the result does not depend on the order of the level table.
static uint8_t nearestCode(CodeKind kind, double v) {
  if (kind == CodeKind::Int4 || kind == CodeKind::Int8) {
    double m = maxLevel(kind);
    double r = std::nearbyint(std::fmin(std::fmax(v, -m), m));
    return static_cast<uint8_t>(static_cast<int8_t>(r));
  }
  llvm::ArrayRef<int32_t> levels =
      kind == CodeKind::APoT4 ? llvm::ArrayRef<int32_t>(kAPoT4Levels) : kAPoT5Levels;
  double a = std::fabs(v);
  unsigned best = 0;
  for (unsigned i = 1; i < levels.size(); ++i)
    if (std::fabs(a - levels[i]) < std::fabs(a - levels[best]))
      best = i;
  uint8_t sign = (v < 0 && best != 0) ? (kind == CodeKind::APoT4 ? 8 : 16) : 0;
  return static_cast<uint8_t>(best | sign);
}

PackedWeight packWeight(const Tensor &w, CodeKind kind, int64_t block) {
  assert(w.rank() == 2 && w.dtype() == DType::F32);
  int64_t n = w.dim(0), k = w.dim(1);
  if (block <= 0 || block > k)
    block = k;
  int64_t nb = (k + block - 1) / block;
  bool isInt = kind == CodeKind::Int4 || kind == CodeKind::Int8;
  PackedWeight p{Tensor(isInt ? DType::I8 : DType::U8, {n, k}), Tensor(DType::F64, {n, nb}),
                 block};
  const float *src = w.data<float>();
  uint8_t *codes = p.codes.raw();
  double *scales = p.scales.data<double>();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t b = 0; b < nb; ++b) {
      int64_t lo = b * block, hi = std::min(k, lo + block);
      double amax = 0;
      for (int64_t c = lo; c < hi; ++c)
        amax = std::fmax(amax, std::fabs(double(src[r * k + c])));
      // An all-zero block keeps scale 0 and codes 0 (the engine multiplies by mantissa 0).
      double scale = amax / maxLevel(kind);
      scales[r * nb + b] = scale;
      for (int64_t c = lo; c < hi; ++c)
        codes[r * k + c] = scale > 0 ? nearestCode(kind, src[r * k + c] / scale) : 0;
    }
  return p;
}

Tensor dequantize(const PackedWeight &p, CodeKind kind) {
  int64_t n = p.codes.dim(0), k = p.codes.dim(1), nb = p.scales.dim(1);
  Tensor out(DType::F32, {n, k});
  float *dst = out.data<float>();
  const double *scales = p.scales.data<double>();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      dst[r * k + c] = static_cast<float>(codeLevel(kind, p.codes.raw()[r * k + c]) *
                                          scales[r * nb + c / p.block]);
  return out;
}

} // namespace vimq::quant
