//===- LowerPatches.cpp - q.FromFloat with layout=patches: image → patch tokens ---------------===//
//
// The runtime converts the f32 image to Q(frac) int32 [B, Cin, H, W] (HostConvert, `fixed`);
// the overlay gathers patches into tokens with strided LOADs: for image row i of patches,
// channel c and pixel row u inside the patch, one LOAD copies the pw pixels of all Wp patches
// (DDR stride pw·4 bytes, consecutive patches) into columns (c·ph+u)·pw of Wp token rows.
// The remainder rows/columns (H, W not multiples of the patch) are never read.
//
//===----------------------------------------------------------------------------------------===//
#include "LowerCtx.h"

#include "vimq/support/Error.h"

using namespace vimq;
using namespace vimq::backend;

llvm::Error backend::lowerPatchGather(LowerCtx &c, const ir::Op &op) {
  const std::string origin = op.describe();
  const ir::Value *x = op.operand(0);
  std::vector<int64_t> patch = op.getInts("patch");
  if (x->rank() != 4 || patch.size() != 2 || patch[0] < 1 || patch[1] < 1)
    return makeError("{0}: patches layout needs an image [B,C,H,W] and patch = [ph, pw]", origin);
  const int64_t B = x->shape()[0], Cin = x->shape()[1], H = x->shape()[2], W = x->shape()[3];
  const int64_t ph = patch[0], pw = patch[1], Hp = H / ph, Wp = W / pw, D = Cin * ph * pw;
  if (Hp < 1 || Wp < 1)
    return makeError("{0}: image {1}x{2} is smaller than the patch {3}x{4}", origin, H, W, ph,
                     pw);
  if (Wp * D > c.vecHalf())
    return makeError("{0}: a row of {1} patches of {2} values does not fit half of the vector "
                     "buffer of target {3}",
                     origin, Wp, D, c.target.name());
  DdrRef xr = c.ref(x), yr = c.ref(op.result());
  TileInfo info{origin, "patch-gather", Wp, D, 0};
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Hp; ++i, ++info.tiles) {
      const int64_t v = c.vecBase(c.nextHalf());
      for (int64_t ch = 0; ch < Cin; ++ch)
        for (int64_t u = 0; u < ph; ++u) {
          int64_t src = (((b * Cin + ch) * H) + i * ph + u) * W * 4;
          if (auto e = c.load(origin, {isa::Buf::vec, isa::DType::i32, v + (ch * ph + u) * pw, D,
                                       Wp, pw, at(xr, src), pw * 4}))
            return e;
        }
      if (auto e = c.store(origin, {isa::Buf::vec, isa::DType::i32, v, D, Wp, D,
                                    at(yr, (b * Hp + i) * Wp * D * 4), D * 4}))
        return e;
    }
  c.tiles.push_back(info);
  return llvm::Error::success();
}
