//===- PatternUtil.cpp - matching helpers shared by the frontend passes -----------------------===//
#include "PatternUtil.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vimq::frontend {

using ir::Op;
using ir::Value;

UseMap::UseMap(const ir::Graph &g) {
  for (const auto &op : g.ops())
    for (Value *v : op->operands())
      if (v)
        addUse(v, op.get());
  for (Value *v : g.outputs())
    outputs_.insert(v);
}

void UseMap::addUse(Value *v, Op *user) {
  auto &us = users_[v];
  if (!llvm::is_contained(us, user))
    us.push_back(user);
}

llvm::ArrayRef<Op *> UseMap::users(const Value *v) const {
  auto it = users_.find(v);
  return it == users_.end() ? llvm::ArrayRef<Op *>() : llvm::ArrayRef<Op *>(it->second);
}

bool UseMap::hasSingleUse(const Value *v) const {
  return users(v).size() == 1 && !outputs_.count(v);
}

Op *UseMap::createOp(ir::Graph &g, llvm::StringRef kind, llvm::StringRef name,
                     llvm::ArrayRef<Value *> operands, llvm::ArrayRef<ir::TensorType> types,
                     Op *before) {
  Op *op = g.createOp(kind, g.uniqueName(name), operands, types, before);
  for (Value *v : operands)
    if (v)
      addUse(v, op);
  return op;
}

Op *UseMap::replaceOp(ir::Graph &g, Op *root, llvm::StringRef kind,
                      llvm::ArrayRef<Value *> operands, llvm::ArrayRef<ir::TensorType> types) {
  llvm::SmallVector<Value *, 2> old(root->results().begin(), root->results().end());
  Op *op = nullptr;
  if (llvm::none_of(old, [&](Value *r) { return isOutput(r); })) {
    op = createOp(g, kind, root->name(), operands, types, root);
  } else {
    // Rare (a graph output); the linear search for the insertion point is acceptable here.
    Op *next = nullptr;
    for (auto it = g.ops().begin(), e = g.ops().end(); it != e; ++it)
      if (it->get() == root) {
        auto n = std::next(it);
        next = n == e ? nullptr : n->get();
        break;
      }
    std::vector<std::string> names;
    for (Value *r : old)
      names.push_back(r->name());
    std::string name = root->name();
    eraseOp(g, root);
    op = g.createOp(kind, name, operands, types, next, names);
    for (Value *v : operands)
      if (v)
        addUse(v, op);
  }
  for (size_t i = 0; i < old.size() && i < op->numResults(); ++i)
    replaceAllUsesWith(g, old[i], op->result(unsigned(i)));
  return op;
}

void UseMap::replaceAllUsesWith(ir::Graph &g, Value *from, Value *to) {
  auto it = users_.find(from);
  if (it != users_.end()) {
    llvm::SmallVector<Op *, 2> us = std::move(it->second);
    users_.erase(it);
    for (Op *u : us) {
      for (unsigned i = 0, e = u->numOperands(); i < e; ++i)
        if (u->operand(i) == from)
          u->setOperand(i, to);
      addUse(to, u);
    }
  }
  if (outputs_.erase(from)) {
    outputs_.insert(to);
    for (unsigned i = 0, e = unsigned(g.outputs().size()); i < e; ++i)
      if (g.outputs()[i] == from)
        g.setOutput(i, to);
  }
}

void UseMap::eraseOp(ir::Graph &g, Op *op) {
  for (Value *v : op->operands()) {
    if (!v)
      continue;
    auto it = users_.find(v);
    if (it != users_.end())
      llvm::erase_value(it->second, op);
  }
  // The results' use lists stay: fold-constants erases an op before redirecting its uses.
  g.eraseOp(op);
}

Op *defOf(const Value *v, llvm::StringRef kind) {
  if (!v || !v->definingOp() || !v->definingOp()->is(kind))
    return nullptr;
  return v->definingOp();
}

std::optional<double> scalarConst(const Value *v) {
  if (!v || !v->isConstant() || v->constant()->numel() != 1)
    return std::nullopt;
  return v->constant()->getDouble(0);
}

bool isScalarConst(const Value *v, double expected) {
  std::optional<double> s = scalarConst(v);
  return s && *s == expected;
}

std::optional<std::vector<int64_t>> intsConst(const Value *v) {
  if (!v || !v->isConstant() || isFloat(v->dtype()))
    return std::nullopt;
  return v->constant()->toInts();
}

Value *otherOperand(const Op &op, const Value *known) {
  if (op.numOperands() != 2)
    return nullptr;
  if (op.operand(0) == known)
    return op.operand(1);
  if (op.operand(1) == known)
    return op.operand(0);
  return nullptr;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

template <typename T> static void transposeInto(const T *src, T *dst, int64_t r, int64_t c) {
  // Blocked so that both sides stay in cache for large tables (an LM head is ~40M elements).
  constexpr int64_t kBlock = 64;
  for (int64_t i0 = 0; i0 < r; i0 += kBlock)
    for (int64_t j0 = 0; j0 < c; j0 += kBlock)
      for (int64_t i = i0, ie = std::min(r, i0 + kBlock); i < ie; ++i)
        for (int64_t j = j0, je = std::min(c, j0 + kBlock); j < je; ++j)
          dst[j * r + i] = src[i * c + j];
}

#if defined(__SSE2__)
/// 4-byte elements (every f32 weight): 4x4 register transposes inside 64x64 blocks, so each
/// load and store moves 16 contiguous bytes instead of one strided element. Pure data
/// movement (integer unpacks), bit-exact; edges fall back to the element loop.
static void transposeInto32(const uint32_t *src, uint32_t *dst, int64_t r, int64_t c) {
  constexpr int64_t kBlock = 64;
  for (int64_t i0 = 0; i0 < r; i0 += kBlock)
    for (int64_t j0 = 0; j0 < c; j0 += kBlock) {
      int64_t ie = std::min(r, i0 + kBlock), je = std::min(c, j0 + kBlock);
      int64_t i4 = i0 + (ie - i0) / 4 * 4, j4 = j0 + (je - j0) / 4 * 4;
      for (int64_t i = i0; i < i4; i += 4) {
        for (int64_t j = j0; j < j4; j += 4) {
          auto load = [&](int64_t row) {
            return _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + row * c + j));
          };
          __m128i a = load(i), b = load(i + 1), e = load(i + 2), f = load(i + 3);
          __m128i ab0 = _mm_unpacklo_epi32(a, b), ab1 = _mm_unpackhi_epi32(a, b);
          __m128i ef0 = _mm_unpacklo_epi32(e, f), ef1 = _mm_unpackhi_epi32(e, f);
          auto store = [&](int64_t col, __m128i v) {
            _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + col * r + i), v);
          };
          store(j, _mm_unpacklo_epi64(ab0, ef0));
          store(j + 1, _mm_unpackhi_epi64(ab0, ef0));
          store(j + 2, _mm_unpacklo_epi64(ab1, ef1));
          store(j + 3, _mm_unpackhi_epi64(ab1, ef1));
        }
        for (int64_t ii = i; ii < i + 4; ++ii)
          for (int64_t j = j4; j < je; ++j)
            dst[j * r + ii] = src[ii * c + j];
      }
      for (int64_t i = i4; i < ie; ++i)
        for (int64_t j = j0; j < je; ++j)
          dst[j * r + i] = src[i * c + j];
    }
}
#endif

Tensor transpose2D(const Tensor &t) {
  int64_t r = t.dim(0), c = t.dim(1);
  Tensor out(t.dtype(), {c, r}, Tensor::Uninitialized); // every element is written
  switch (dtypeSize(t.dtype())) {
  case 8:
    transposeInto(reinterpret_cast<const uint64_t *>(t.raw()),
                  reinterpret_cast<uint64_t *>(out.raw()), r, c);
    break;
  case 4:
#if defined(__SSE2__)
    transposeInto32(reinterpret_cast<const uint32_t *>(t.raw()),
                    reinterpret_cast<uint32_t *>(out.raw()), r, c);
#else
    transposeInto(reinterpret_cast<const uint32_t *>(t.raw()),
                  reinterpret_cast<uint32_t *>(out.raw()), r, c);
#endif
    break;
  case 2:
    transposeInto(reinterpret_cast<const uint16_t *>(t.raw()),
                  reinterpret_cast<uint16_t *>(out.raw()), r, c);
    break;
  default:
    transposeInto(t.raw(), out.raw(), r, c);
    break;
  }
  return out;
}

std::optional<SliceInfo> singleAxisSlice(const Op &slice) {
  const Value *x = slice.operand(0);
  if (!slice.is("onnx.Slice") || slice.numOperands() < 3 || !x)
    return std::nullopt;
  auto starts = intsConst(slice.operand(1));
  auto ends = intsConst(slice.operand(2));
  if (!starts || !ends || starts->size() != 1 || ends->size() != 1)
    return std::nullopt;
  int64_t axis = 0, step = 1;
  if (const Value *a = slice.operand(3)) {
    auto axes = intsConst(a);
    if (!axes || axes->size() != 1)
      return std::nullopt;
    axis = (*axes)[0];
  }
  if (const Value *s = slice.operand(4)) {
    auto steps = intsConst(s);
    if (!steps || steps->size() != 1 || (*steps)[0] == 0)
      return std::nullopt;
    step = (*steps)[0];
  }
  auto ax = normalizeAxis(axis, x->rank());
  if (!ax)
    return std::nullopt;
  int64_t dim = x->shape()[size_t(*ax)];
  // ONNX clamping: negative indices count from the end; then clamp to [0, dim] for positive
  // steps and [-1, dim-1] for negative ones.
  auto clampIdx = [&](int64_t i) {
    if (i < 0)
      i = std::max<int64_t>(i + dim, step > 0 ? 0 : -1);
    return step > 0 ? std::clamp<int64_t>(i, 0, dim) : std::clamp<int64_t>(i, -1, dim - 1);
  };
  return SliceInfo{*ax, clampIdx((*starts)[0]), clampIdx((*ends)[0]), step};
}

} // namespace vimq::frontend
