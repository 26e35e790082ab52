//===- IndexOps.cpp - index-driven ONNX ops ---------------------------------------------------===//
//
// Pad, GatherElements, ArgMax/ArgMin, CumSum, Trilu, Einsum, Dropout (inference).
//
// These walk the output with an explicit multi-index and map it back to the input, which is
// simple to get right for every axis and mode; none of them is on a hot path of the models.
//
//===----------------------------------------------------------------------------------------===//
#include "OpImpl.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <map>

namespace vimq::interp::detail {
namespace {

/// Increments a row-major multi-index; false after the last one.
bool nextIndex(llvm::MutableArrayRef<int64_t> idx, llvm::ArrayRef<int64_t> shape) {
  for (size_t d = shape.size(); d-- > 0;) {
    if (++idx[d] < shape[d])
      return true;
    idx[d] = 0;
  }
  return false;
}

llvm::Expected<Results> pad(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0), po = required(in, 1);
  if (!xo)
    return xo.takeError();
  if (!po)
    return po.takeError();
  const Tensor &x = **xo;
  auto pads = readInts(**po, "pads");
  if (!pads)
    return pads.takeError();
  int64_t r = x.rank();
  if (optional(in, 3))
    return makeError("the axes operand (opset 18) is not supported");
  if (int64_t(pads->size()) != 2 * r)
    return makeError("pads has {0} entries for rank {1}", pads->size(), r);
  std::string mode = op.getString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return makeError("unsupported mode '{0}'", mode);
  Tensor fill(x.dtype(), {});
  if (const Tensor *cv = optional(in, 2)) {
    if (cv->dtype() != x.dtype() || cv->numel() != 1)
      return makeError("constant_value must be a {0} scalar", dtypeName(x.dtype()));
    fill = cv->reshaped({});
  }
  Shape out;
  for (int64_t d = 0; d < r; ++d) {
    int64_t o = x.dim(d) + (*pads)[size_t(d)] + (*pads)[size_t(d + r)];
    if (o < 0)
      return makeError("pads {0} crop more than axis {1} holds", shapeStr(*pads), d);
    if (mode != "constant" && o > 0 && x.dim(d) == 0)
      return makeError("cannot {0}-pad the empty axis {1}", mode, d);
    if (mode == "reflect" && x.dim(d) == 1 && o != 1)
      return makeError("cannot reflect-pad axis {0} of size 1", d);
    out.push_back(o);
  }
  if (auto e = checkAllocatable(out, x.dtype()))
    return e;
  Tensor y(x.dtype(), out);
  if (y.numel() == 0)
    return one(std::move(y));
  size_t es = dtypeSize(x.dtype());
  auto st = contiguousStrides(x.shape());
  llvm::SmallVector<int64_t, 6> idx(size_t(r), 0);
  int64_t o = 0;
  do {
    int64_t src = 0;
    bool inside = true;
    for (int64_t d = 0; d < r && inside; ++d) {
      int64_t i = idx[size_t(d)] - (*pads)[size_t(d)], n = x.dim(d);
      if (i < 0 || i >= n) {
        if (mode == "constant") {
          inside = false;
          break;
        }
        if (mode == "edge") {
          i = std::clamp(i, int64_t(0), n - 1);
        } else { // reflect without repeating the edge: period 2(n-1)
          int64_t period = 2 * (n - 1);
          i = ((i % period) + period) % period;
          if (i >= n)
            i = period - i;
        }
      }
      src += i * st[size_t(d)];
    }
    std::memcpy(y.raw() + size_t(o) * es, inside ? x.raw() + size_t(src) * es : fill.raw(), es);
    ++o;
  } while (nextIndex(idx, out));
  return one(std::move(y));
}

llvm::Expected<Results> gatherElements(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0), io = required(in, 1);
  if (!xo)
    return xo.takeError();
  if (!io)
    return io.takeError();
  const Tensor &x = **xo, &ind = **io;
  if (ind.dtype() != DType::I64 && ind.dtype() != DType::I32)
    return makeError("indices must be i64 or i32, got {0}", dtypeName(ind.dtype()));
  if (ind.rank() != x.rank())
    return makeError("indices {0} must have the rank of data {1}", shapeStr(ind.shape()),
                     shapeStr(x.shape()));
  auto axis = normalizeAxis(op.getInt("axis", 0), x.rank());
  if (!axis)
    return axis.takeError();
  for (int64_t d = 0; d < x.rank(); ++d)
    if (d != *axis && ind.dim(d) > x.dim(d))
      return makeError("indices {0} exceed data {1} on axis {2}", shapeStr(ind.shape()),
                       shapeStr(x.shape()), d);
  Tensor y(x.dtype(), ind.shape());
  if (y.numel() == 0)
    return one(std::move(y));
  size_t es = dtypeSize(x.dtype());
  auto st = contiguousStrides(x.shape());
  llvm::SmallVector<int64_t, 6> idx(size_t(x.rank()), 0);
  int64_t o = 0, n = x.dim(*axis);
  do {
    int64_t k = ind.getInt(o);
    if (k < -n || k >= n)
      return makeError("index {0} is out of range for axis {1} of size {2}", k, *axis, n);
    int64_t src = 0;
    for (int64_t d = 0; d < x.rank(); ++d)
      src += (d == *axis ? (k < 0 ? k + n : k) : idx[size_t(d)]) * st[size_t(d)];
    std::memcpy(y.raw() + size_t(o) * es, x.raw() + size_t(src) * es, es);
    ++o;
  } while (nextIndex(idx, ind.shape()));
  return one(std::move(y));
}

/// Splits `shape` around `axis` into (outer, len, inner) for axis-wise scans.
struct AxisSplit {
  int64_t outer, len, inner;
};
AxisSplit splitAt(llvm::ArrayRef<int64_t> shape, int64_t axis) {
  return {numElements(shape.take_front(size_t(axis))), shape[size_t(axis)],
          numElements(shape.drop_front(size_t(axis) + 1))};
}

template <bool IsMax> llvm::Expected<Results> argExtreme(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0);
  if (!xo)
    return xo.takeError();
  const Tensor &x = **xo;
  auto axis = normalizeAxis(op.getInt("axis", 0), x.rank());
  if (!axis)
    return axis.takeError();
  bool keep = op.getInt("keepdims", 1), last = op.getInt("select_last_index", 0);
  AxisSplit s = splitAt(x.shape(), *axis);
  if (s.len == 0)
    return makeError("cannot take the arg{0} of an empty axis", IsMax ? "max" : "min");
  Shape out(x.shape().begin(), x.shape().end());
  if (keep)
    out[size_t(*axis)] = 1;
  else
    out.erase(out.begin() + *axis);
  Tensor y(DType::I64, out);
  int64_t *py = y.data<int64_t>();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t best = 0;
      double bv = x.getDouble(o * s.len * s.inner + i);
      for (int64_t k = 1; k < s.len; ++k) {
        double v = x.getDouble((o * s.len + k) * s.inner + i);
        bool better = IsMax ? (v > bv || (last && v == bv)) : (v < bv || (last && v == bv));
        if (better) {
          bv = v;
          best = k;
        }
      }
      py[o * s.inner + i] = best;
    }
  return one(std::move(y));
}

llvm::Expected<Results> cumSum(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0), ao = required(in, 1);
  if (!xo)
    return xo.takeError();
  if (!ao)
    return ao.takeError();
  const Tensor &x = **xo;
  auto av = readInts(**ao, "axis");
  if (!av)
    return av.takeError();
  if (av->size() != 1)
    return makeError("axis must hold one value");
  auto axis = normalizeAxis((*av)[0], x.rank());
  if (!axis)
    return axis.takeError();
  bool excl = op.getInt("exclusive", 0), rev = op.getInt("reverse", 0);
  AxisSplit s = splitAt(x.shape(), *axis);
  return dispatchNumeric(
      x.dtype(),
      [&](auto tag) -> llvm::Expected<Results> {
        using T = decltype(tag);
        Tensor y(x.dtype(), x.shape());
        const T *px = x.data<T>();
        T *py = y.data<T>();
        for (int64_t o = 0; o < s.outer; ++o)
          for (int64_t i = 0; i < s.inner; ++i) {
            T acc = T(0);
            for (int64_t j = 0; j < s.len; ++j) {
              int64_t k = rev ? s.len - 1 - j : j;
              int64_t at = (o * s.len + k) * s.inner + i;
              if (excl) {
                py[at] = acc;
                acc = T(acc + px[at]);
              } else {
                acc = T(acc + px[at]);
                py[at] = acc;
              }
            }
          }
        return one(std::move(y));
      },
      [&]() -> llvm::Expected<Results> {
        return makeError("unsupported operand type {0}", dtypeName(x.dtype()));
      });
}

llvm::Expected<Results> trilu(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0);
  if (!xo)
    return xo.takeError();
  const Tensor &x = **xo;
  if (x.rank() < 2)
    return makeError("input must have rank >= 2, got {0}", shapeStr(x.shape()));
  int64_t k = 0;
  if (const Tensor *kt = optional(in, 1)) {
    if (kt->numel() != 1)
      return makeError("k must be a scalar");
    k = kt->getInt(0);
  }
  bool upper = op.getInt("upper", 1);
  int64_t R = x.dim(-2), C = x.dim(-1), mats = (R * C) != 0 ? x.numel() / (R * C) : 0;
  Tensor y(x.dtype(), x.shape());
  size_t es = dtypeSize(x.dtype());
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t i = 0; i < R; ++i)
      for (int64_t j = 0; j < C; ++j) {
        bool keepIt = upper ? j - i >= k : j - i <= k;
        if (keepIt) {
          size_t at = size_t((m * R + i) * C + j) * es;
          std::memcpy(y.raw() + at, x.raw() + at, es);
        }
      }
  return one(std::move(y));
}

llvm::Expected<Results> dropout(const ir::Op &op, Inputs in) {
  auto xo = required(in, 0);
  if (!xo)
    return xo.takeError();
  // With training_mode false (the default) or ratio 0, Dropout is the identity; otherwise it
  // is random, which a deterministic reference cannot reproduce.
  const Tensor *ratio = optional(in, 1), *tm = optional(in, 2);
  bool training = tm && tm->numel() == 1 && tm->getInt(0) != 0;
  bool zeroRatio = ratio && ratio->numel() == 1 && ratio->getDouble(0) == 0.0;
  if (training && !zeroRatio)
    return makeError("training_mode=true with a non-zero ratio is random; the reference "
                     "interpreter is deterministic");
  Results r = one(**xo);
  if (op.numResults() > 1) {
    Tensor mask(DType::Bool, (*xo)->shape());
    std::fill(mask.raw(), mask.raw() + mask.nbytes(), uint8_t(1));
    r.push_back(std::move(mask));
  }
  return r;
}

/// Einsum: explicit ("ij,jk->ik") or implicit ("ij,jk") equations, with "..." broadcasting.
/// Each output element sums, in double, over every assignment of the contracted letters.
llvm::Expected<Results> einsum(const ir::Op &op, Inputs in) {
  std::string eq;
  for (char ch : op.getString("equation", ""))
    if (ch != ' ')
      eq += ch;
  llvm::StringRef lhs = llvm::StringRef(eq).split("->").first;
  bool explicitOut = llvm::StringRef(eq).contains("->");
  llvm::SmallVector<llvm::StringRef, 4> terms;
  lhs.split(terms, ',');
  if (terms.size() != in.size())
    return makeError("equation '{0}' has {1} operands, the op has {2}", eq, terms.size(),
                     in.size());
  for (const Tensor *t : in)
    if (!t || (t->dtype() != DType::F32 && t->dtype() != DType::F64))
      return makeError("operands must be f32 or f64");
  // Expand "..." into uppercase letters (equations use lowercase), right-aligned as numpy
  // broadcasting aligns dims: with at most E ellipsis dims, they are 'Z'-E+1 .. 'Z'.
  std::vector<int64_t> ellDims(terms.size(), 0);
  int64_t ellRank = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    size_t pos = terms[i].find("...");
    int64_t named = int64_t(terms[i].size()) - (pos == llvm::StringRef::npos ? 0 : 3);
    int64_t e = in[i]->rank() - named;
    if (e < 0 || (pos == llvm::StringRef::npos && e != 0))
      return makeError("term '{0}' does not match operand {1} of rank {2}", terms[i], i,
                       in[i]->rank());
    ellDims[i] = e;
    ellRank = std::max(ellRank, e);
  }
  if (ellRank > 26)
    return makeError("too many ellipsis dimensions");
  std::string ellLetters;
  for (int64_t k = 0; k < ellRank; ++k)
    ellLetters += char('Z' - (ellRank - 1 - k));
  std::vector<std::string> ops;
  for (size_t i = 0; i < terms.size(); ++i) {
    std::string t = terms[i].str();
    size_t pos = t.find("...");
    if (pos != std::string::npos)
      t.replace(pos, 3, ellLetters.substr(size_t(ellRank - ellDims[i])));
    ops.push_back(t);
  }
  std::string outTerm;
  if (explicitOut) {
    outTerm = llvm::StringRef(eq).split("->").second.str();
    size_t pos = outTerm.find("...");
    if (pos != std::string::npos)
      outTerm.replace(pos, 3, ellLetters);
  } else {
    std::map<char, int> count;
    for (const std::string &t : ops)
      for (char ch : t)
        ++count[ch];
    outTerm = ellLetters;
    for (auto [ch, n] : count)
      if (n == 1 && ch >= 'a' && ch <= 'z')
        outTerm += ch;
  }
  // Letter sizes (size-1 broadcasts against the ellipsis dims).
  std::map<char, int64_t> size;
  for (size_t i = 0; i < ops.size(); ++i)
    for (size_t d = 0; d < ops[i].size(); ++d) {
      int64_t n = in[i]->dim(int64_t(d));
      auto [it, fresh] = size.insert({ops[i][d], n});
      if (!fresh && it->second != n) {
        if (it->second == 1)
          it->second = n;
        else if (n != 1)
          return makeError("letter '{0}' has sizes {1} and {2}", ops[i][d], it->second, n);
      }
    }
  std::string letters = outTerm;
  for (auto [ch, n] : size)
    if (outTerm.find(ch) == std::string::npos)
      letters += ch;
  Shape outShape, all;
  for (char ch : outTerm) {
    if (!size.count(ch))
      return makeError("output letter '{0}' appears in no input", ch);
    outShape.push_back(size[ch]);
  }
  for (char ch : letters)
    all.push_back(size[ch]);
  // Per operand: the stride that each letter position contributes (0 for broadcast dims).
  std::vector<llvm::SmallVector<int64_t, 8>> strides;
  for (size_t i = 0; i < ops.size(); ++i) {
    auto st = contiguousStrides(in[i]->shape());
    llvm::SmallVector<int64_t, 8> s(letters.size(), 0);
    for (size_t d = 0; d < ops[i].size(); ++d)
      if (in[i]->dim(int64_t(d)) != 1)
        s[letters.find(ops[i][d])] += st[d];
    strides.push_back(s);
  }
  if (auto e = checkAllocatable(outShape, in[0]->dtype()))
    return e;
  Tensor y(in[0]->dtype(), outShape);
  int64_t nOut = y.numel();
  int64_t nSum = numElements(llvm::ArrayRef<int64_t>(all).drop_front(outTerm.size()));
  if (nOut == 0)
    return one(std::move(y));
  // The naive loop costs nOut * nSum products; refuse what would run for hours.
  if (nSum > 0 && nOut > (int64_t(1) << 32) / nSum)
    return makeError("equation '{0}' needs too many products ({1} x {2})", eq, nOut, nSum);
  llvm::SmallVector<int64_t, 8> idx(all.size(), 0);
  for (int64_t o = 0; o < nOut; ++o) {
    double acc = 0;
    for (int64_t s = 0; s < nSum; ++s) {
      double prod = 1;
      for (size_t i = 0; i < ops.size(); ++i) {
        int64_t off = 0;
        for (size_t l = 0; l < all.size(); ++l)
          off += idx[l] * strides[i][l];
        prod *= in[i]->getDouble(off);
      }
      acc += prod;
      nextIndex(llvm::MutableArrayRef<int64_t>(idx).drop_front(outTerm.size()),
                llvm::ArrayRef<int64_t>(all).drop_front(outTerm.size()));
    }
    if (y.dtype() == DType::F32)
      y.data<float>()[o] = float(acc);
    else
      y.data<double>()[o] = acc;
    nextIndex(llvm::MutableArrayRef<int64_t>(idx).take_front(outTerm.size()),
              llvm::ArrayRef<int64_t>(all).take_front(outTerm.size()));
  }
  return one(std::move(y));
}

} // namespace

void registerIndexOps(OpTable &t) {
  t["onnx.Pad"] = {pad, false};
  t["onnx.GatherElements"] = {gatherElements, false};
  t["onnx.ArgMax"] = {argExtreme<true>, true};
  t["onnx.ArgMin"] = {argExtreme<false>, true};
  t["onnx.CumSum"] = {cumSum, true};
  t["onnx.Trilu"] = {trilu, false};
  t["onnx.Dropout"] = {dropout, false};
  t["onnx.Einsum"] = {einsum, true};
}

} // namespace vimq::interp::detail
