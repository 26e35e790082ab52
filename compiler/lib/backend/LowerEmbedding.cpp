//===- LowerEmbedding.cpp - q.Embedding: token ids → rows of the table, by gathering LOADs ----===//
//
// The ids (i32 [B, L], from the input buffer when q.FromIndex made them) and the table (i16
// [V, D], a weights constant) stay in DDR; the B·L tokens are one sequence of rows. A tile of
// `mt` tokens and `dt` columns takes, in one half of vec:
//   LOAD   the tile's ids (i32) behind the rows             [v + mt·dt, + mt)
//   LOAD   gather=1: row i = table[ids[i], c0 : c0+dt], sign-extended to int32, limit V
//   STORE  the rows to y[t0 : t0+mt, c0 : c0+dt]
// Every tile reloads its ids (mt words, cheap next to mt·dt) so that it owns its half and the
// tiles double-buffer like the other data movement (LowerData.cpp). A table row wider than a
// half of vec is split into column tiles. The overlay checks every id against V (an invalid
// id stops it with IndexOutOfRange); the runtime has already refused one on the host.
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"

#include "vimq/support/Error.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::backend;

llvm::Error backend::lowerEmbedding(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  const ir::Value *ids = op.operand(0), *table = op.operand(1);
  const int64_t R = ids->type().numel(), V = table->shape()[0], D = table->shape()[1];
  const int64_t half = c.vecHalf();
  // One token needs its id and at least one column: a column tile leaves room for both.
  const int64_t dt = std::min(D, half - 1);
  const int64_t mt = std::min(R, half / (dt + 1));
  if (dt < 1 || mt < 1)
    return makeError("{0}: an embedding row does not fit half of the vector buffer of target {1}",
                     origin, c.target.name());
  constexpr int64_t kIdBytes = 4, kTableBytes = 2, kOutBytes = 4;
  const DdrRef idr = c.ref(ids), tr = c.ref(table), yr = c.ref(op.result());
  TileInfo info{origin, "embedding", mt, dt, 0};
  for (int64_t t0 = 0; t0 < R; t0 += mt) {
    const int64_t r = std::min(mt, R - t0);
    for (int64_t c0 = 0; c0 < D; c0 += dt, ++info.tiles) {
      const int64_t w = std::min(dt, D - c0), v = c.vecBase(c.nextHalf()), idx = v + r * w;
      if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, idx, r, 1, r,
                                   at(idr, t0 * kIdBytes), r * kIdBytes}))
        return e;
      Dma gather{isa::Buf::vec, isa::DType::i16, v, w, r, w, at(tr, c0 * kTableBytes),
                 D * kTableBytes};
      gather.idxAddr = idx;
      gather.limit = V;
      if (auto e = c.load(origin, gather))
        return e;
      if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, v, w, r, w,
                                    at(yr, (t0 * D + c0) * kOutBytes), D * kOutBytes}))
        return e;
    }
  }
  c.tiles.push_back(info);
  return llvm::Error::success();
}
