//===- LowerData.cpp - data movement q ops: LOAD/STORE through the vector buffer -------------===//
//
// Flip, Slice, Concat, InsertToken, TakeToken and the output copy of ToFloat are strided copies
// DDR → vec → DDR; the strides and LOAD's row reversal do the work, no compute module runs.
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"

#include "vimq/quant/QOps.h"
#include "vimq/support/Error.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::backend;

namespace {

/// Copies `rows` rows of `cols` int32 from src (row stride srcStride bytes) to dst; with
/// `reverse`, destination row i receives source row rows-1-i. Rows wider than half of vec
/// (an embedding of a small target) go in column blocks.
llvm::Error copyRows(LowerCtx &c, llvm::StringRef origin, DdrRef src, int64_t srcStride,
                     DdrRef dst, int64_t dstStride, int64_t rows, int64_t cols, bool reverse,
                     TileInfo &info) {
  const int64_t ct = std::min(cols, c.vecHalf());
  const int64_t mt = std::min(rows, c.vecHalf() / ct);
  info.tokenTile = std::max(info.tokenTile, mt);
  info.channelTile = std::max(info.channelTile, ct);
  for (int64_t t0 = 0; t0 < rows; t0 += mt) {
    const int64_t r = std::min(mt, rows - t0);
    const int64_t s0 = reverse ? rows - t0 - r : t0;
    for (int64_t c0 = 0; c0 < cols; c0 += ct, ++info.tiles) {
      const int64_t w = std::min(ct, cols - c0), v = c.vecBase(c.nextHalf());
      if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, v, w, r, w,
                                   at(src, s0 * srcStride + c0 * 4), srcStride, reverse}))
        return e;
      if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, v, w, r, w,
                                    at(dst, t0 * dstStride + c0 * 4), dstStride}))
        return e;
    }
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error backend::lowerDataMovement(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  const ir::Value *x = op.operand(0), *y = op.result();
  const int64_t C = x->shape().back(), R = x->type().numel() / C;
  DdrRef xr = c.ref(x), yr = c.ref(y);
  TileInfo info{origin, op.opName().lower(), 0, 0, 0};
  llvm::Error err = llvm::Error::success();
  if (op.is("q.Flip")) {
    const int64_t B = x->shape()[0], L = R / B;
    for (int64_t b = 0; b < B && !err; ++b)
      err = copyRows(c, origin, at(xr, b * L * C * 4), C * 4, at(yr, b * L * C * 4), C * 4, L, C,
                     /*reverse=*/true, info);
  } else if (op.is("q.Slice")) {
    const int64_t begin = quant::getBegin(op), end = quant::getEnd(op);
    err = copyRows(c, origin, at(xr, begin * 4), C * 4, yr, (end - begin) * 4, R, end - begin,
                   false, info);
  } else if (op.is("q.Concat")) {
    const int64_t total = y->shape().back();
    int64_t col = 0;
    for (const ir::Value *v : op.operands()) {
      const int64_t w = v->shape().back();
      if (!err)
        err = copyRows(c, origin, c.ref(v), w * 4, at(yr, col * 4), total * 4, R, w, false, info);
      col += w;
    }
  } else if (op.is("q.InsertToken")) {
    const ir::Value *tok = op.operand(1);
    const int64_t B = x->shape()[0], L = R / B, idx = quant::getIndex(op);
    const bool tokPerBatch = tok->type().numel() == B * C;
    for (int64_t b = 0; b < B && !err; ++b) {
      DdrRef xb = at(xr, b * L * C * 4), yb = at(yr, b * (L + 1) * C * 4);
      if (idx > 0)
        err = copyRows(c, origin, xb, C * 4, yb, C * 4, idx, C, false, info);
      if (!err)
        err = copyRows(c, origin, at(c.ref(tok), tokPerBatch ? b * C * 4 : 0), C * 4,
                       at(yb, idx * C * 4), C * 4, 1, C, false, info);
      if (!err && idx < L)
        err = copyRows(c, origin, at(xb, idx * C * 4), C * 4, at(yb, (idx + 1) * C * 4), C * 4,
                       L - idx, C, false, info);
    }
  } else if (op.is("q.TakeToken")) {
    const int64_t B = x->shape()[0], L = R / B, idx = quant::getIndex(op);
    err = copyRows(c, origin, at(xr, idx * C * 4), L * C * 4, yr, C * 4, B, C, false, info);
  } else if (op.is("q.ToFloat")) {
    err = copyRows(c, origin, xr, C * 4, yr, C * 4, R, C, false, info);
  } else {
    return makeError("{0}: not a data movement op", origin);
  }
  if (err)
    return err;
  c.tiles.push_back(info);
  return llvm::Error::success();
}
