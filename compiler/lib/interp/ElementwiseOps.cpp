//===- ElementwiseOps.cpp - unary, binary, variadic and ternary element-wise ONNX ops --------===//
//
// All binary and variadic ops broadcast multidirectionally (numpy rules). Float math is done in
// the operand type except transcendental functions, which are evaluated in double and rounded
// once (so f32 results are correctly rounded up to libm's accuracy). Integer Add/Sub/Mul wrap
// modulo 2^bits (two's complement) instead of invoking C++ undefined behaviour; integer Div
// truncates toward zero like C and ONNX, and division by zero is an error, not a trap.
//
//===----------------------------------------------------------------------------------------===//
#include "OpImpl.h"
#include "Parallel.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace vimq::interp::detail {
namespace {

//===- generic kernels ------------------------------------------------------------------===//

/// out = f(a, b) with broadcasting; TA/TB/TO are the element types.
template <typename TO, typename TA, typename TB, typename F>
Tensor binaryKernel(const Tensor &a, const Tensor &b, llvm::ArrayRef<int64_t> out, DType outD,
                    F f) {
  Tensor r(outD, out);
  std::array<llvm::SmallVector<int64_t, 6>, 2> st{broadcastStrides(a.shape(), out),
                                                  broadcastStrides(b.shape(), out)};
  const TA *pa = a.data<TA>();
  const TB *pb = b.data<TB>();
  TO *pr = r.data<TO>();
  forEachRow<2>(out, st, [&](int64_t o, const std::array<int64_t, 2> &off, int64_t n,
                             const std::array<int64_t, 2> &is) {
    const TA *x = pa + off[0];
    const TB *y = pb + off[1];
    TO *z = pr + o;
    // Specialised contiguous / scalar-operand loops so that the compiler vectorises them.
    if (is[0] == 1 && is[1] == 1) {
      for (int64_t i = 0; i < n; ++i)
        z[i] = f(x[i], y[i]);
    } else if (is[0] == 1 && is[1] == 0) {
      TB yv = *y;
      for (int64_t i = 0; i < n; ++i)
        z[i] = f(x[i], yv);
    } else if (is[0] == 0 && is[1] == 1) {
      TA xv = *x;
      for (int64_t i = 0; i < n; ++i)
        z[i] = f(xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        z[i] = f(x[i * is[0]], y[i * is[1]]);
    }
  });
  return r;
}

template <typename T> constexpr bool isFloatT = std::is_floating_point_v<T>;

/// Wrapping integer arithmetic (no signed-overflow UB); plain arithmetic for floats.
template <typename T, typename F> T wrap(T a, T b, F f) {
  if constexpr (isFloatT<T> || std::is_same_v<T, bool>) {
    return f(a, b);
  } else {
    using U = std::make_unsigned_t<T>;
    return T(f(U(a), U(b)));
  }
}

enum class Arith { Add, Sub, Mul, Div, Max, Min };

template <typename T> T applyArith(Arith k, T a, T b) {
  switch (k) {
  case Arith::Add: return wrap(a, b, [](auto x, auto y) { return decltype(x)(x + y); });
  case Arith::Sub: return wrap(a, b, [](auto x, auto y) { return decltype(x)(x - y); });
  case Arith::Mul: return wrap(a, b, [](auto x, auto y) { return decltype(x)(x * y); });
  case Arith::Div: return T(a / b); // integer divisors are checked beforehand
  case Arith::Max:
    if constexpr (isFloatT<T>)
      if (std::isnan(a) || std::isnan(b))
        return std::numeric_limits<T>::quiet_NaN();
    return a > b ? a : b;
  case Arith::Min:
    if constexpr (isFloatT<T>)
      if (std::isnan(a) || std::isnan(b))
        return std::numeric_limits<T>::quiet_NaN();
    return a < b ? a : b;
  }
  return a;
}

template <Arith K, typename T> struct ArithFn {
  T operator()(T a, T b) const { return applyArith(K, a, b); }
};

/// Rejects integer division by zero and INT_MIN / -1, which would trap.
template <typename T> llvm::Error checkDivisor(const Tensor &a, const Tensor &b) {
  if constexpr (!isFloatT<T>) {
    for (T v : b.values<T>())
      if (v == 0)
        return makeError("integer division by zero");
    if constexpr (std::is_signed_v<T>) {
      bool hasMinusOne = false;
      for (T v : b.values<T>())
        hasMinusOne |= v == T(-1);
      if (hasMinusOne)
        for (T v : a.values<T>())
          if (v == std::numeric_limits<T>::min())
            return makeError("integer division overflows ({0} / -1)", int64_t(v));
    }
  }
  return llvm::Error::success();
}

llvm::Error sameDType(const Tensor &a, const Tensor &b) {
  if (a.dtype() != b.dtype())
    return makeError("operand types differ: {0}{1} vs {2}{3}", dtypeName(a.dtype()),
                     shapeStr(a.shape()), dtypeName(b.dtype()), shapeStr(b.shape()));
  return llvm::Error::success();
}

llvm::Expected<Tensor> arith(Arith k, const Tensor &a, const Tensor &b) {
  if (auto e = sameDType(a, b))
    return e;
  auto out = broadcastShapes({a.shape(), b.shape()});
  if (!out)
    return out.takeError();
  return dispatchNumeric(
      a.dtype(),
      [&](auto tag) -> llvm::Expected<Tensor> {
        using T = decltype(tag);
        if (k == Arith::Div)
          if (auto e = checkDivisor<T>(a, b))
            return e;
        auto run = [&](auto fn) { return binaryKernel<T, T, T>(a, b, *out, a.dtype(), fn); };
        // One instantiation per op so the inner loops have no switch in them.
        switch (k) {
        case Arith::Add: return run(ArithFn<Arith::Add, T>{});
        case Arith::Sub: return run(ArithFn<Arith::Sub, T>{});
        case Arith::Mul: return run(ArithFn<Arith::Mul, T>{});
        case Arith::Div: return run(ArithFn<Arith::Div, T>{});
        case Arith::Max: return run(ArithFn<Arith::Max, T>{});
        case Arith::Min: return run(ArithFn<Arith::Min, T>{});
        }
        return makeError("unreachable");
      },
      [&]() -> llvm::Expected<Tensor> {
        return makeError("unsupported operand type {0}", dtypeName(a.dtype()));
      });
}

template <Arith K> llvm::Expected<Results> binaryArith(const ir::Op &, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  auto r = arith(K, **a, **b);
  if (!r)
    return r.takeError();
  return one(std::move(*r));
}

/// Max / Min / Sum / Mean over one or more operands, folded left to right.
template <Arith K, bool IsMean = false>
llvm::Expected<Results> variadic(const ir::Op &, Inputs in) {
  if (in.empty())
    return makeError("needs at least one operand");
  auto first = required(in, 0);
  if (!first)
    return first.takeError();
  Tensor acc = **first;
  for (unsigned i = 1; i < in.size(); ++i) {
    auto next = required(in, i);
    if (!next)
      return next.takeError();
    auto r = arith(K, acc, **next);
    if (!r)
      return r.takeError();
    acc = std::move(*r);
  }
  if constexpr (IsMean) {
    if (auto e = expectFloat(acc, "Mean operand"))
      return e;
    Tensor n = acc.dtype() == DType::F32 ? Tensor::scalar<float>(float(in.size()))
                                          : Tensor::scalar<double>(double(in.size()));
    auto r = arith(Arith::Div, acc, n);
    if (!r)
      return r.takeError();
    acc = std::move(*r);
  }
  return one(std::move(acc));
}

llvm::Expected<Results> pow(const ir::Op &, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  auto out = broadcastShapes({(*a)->shape(), (*b)->shape()});
  if (!out)
    return out.takeError();
  // The exponent may have a different type (ONNX T1/T2); read it as double.
  Tensor expo = (*b)->cast(DType::F64);
  const Tensor &base = **a;
  return dispatchNumeric(
      base.dtype(),
      [&](auto tag) -> llvm::Expected<Results> {
        using T = decltype(tag);
        return one(binaryKernel<T, T, double>(base, expo, *out, base.dtype(), [](T x, double y) {
          if constexpr (std::is_same_v<T, float>) {
            // Exact squares keep the RMSNorm pattern Pow(x, 2) bit-identical to x * x.
            if (y == 2.0)
              return x * x;
          }
          return T(std::pow(double(x), y));
        }));
      },
      [&]() -> llvm::Expected<Results> {
        return makeError("unsupported base type {0}", dtypeName(base.dtype()));
      });
}

//===- comparisons and logic ------------------------------------------------------------===//

enum class Cmp { Eq, Lt, Gt, Le, Ge };

template <Cmp K> llvm::Expected<Results> compare(const ir::Op &, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  if (auto e = sameDType(**a, **b))
    return e;
  auto out = broadcastShapes({(*a)->shape(), (*b)->shape()});
  if (!out)
    return out.takeError();
  auto run = [&](auto tag) -> llvm::Expected<Results> {
    using T = decltype(tag);
    return one(binaryKernel<bool, T, T>(**a, **b, *out, DType::Bool, [](T x, T y) {
      switch (K) {
      case Cmp::Eq: return x == y;
      case Cmp::Lt: return x < y;
      case Cmp::Gt: return x > y;
      case Cmp::Le: return x <= y;
      case Cmp::Ge: return x >= y;
      }
      return false;
    }));
  };
  if ((*a)->dtype() == DType::Bool)
    return run(bool{});
  return dispatchNumeric((*a)->dtype(), run, [&]() -> llvm::Expected<Results> {
    return makeError("unsupported operand type {0}", dtypeName((*a)->dtype()));
  });
}

enum class Logic { And, Or, Xor };

template <Logic K> llvm::Expected<Results> logic(const ir::Op &, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  if (auto e = expectDType(**a, DType::Bool, "operand 0"))
    return e;
  if (auto e = expectDType(**b, DType::Bool, "operand 1"))
    return e;
  auto out = broadcastShapes({(*a)->shape(), (*b)->shape()});
  if (!out)
    return out.takeError();
  return one(binaryKernel<bool, bool, bool>(**a, **b, *out, DType::Bool, [](bool x, bool y) {
    return K == Logic::And ? (x && y) : K == Logic::Or ? (x || y) : (x != y);
  }));
}

llvm::Expected<Results> logicalNot(const ir::Op &, Inputs in) {
  auto a = required(in, 0);
  if (!a)
    return a.takeError();
  if (auto e = expectDType(**a, DType::Bool, "operand 0"))
    return e;
  Tensor r(DType::Bool, (*a)->shape());
  const bool *x = (*a)->data<bool>();
  bool *y = r.data<bool>();
  for (int64_t i = 0, n = r.numel(); i < n; ++i)
    y[i] = !x[i];
  return one(std::move(r));
}

template <typename T>
void selectRows(const Tensor &c, const Tensor &x, const Tensor &y, Tensor &r) {
  std::array<llvm::SmallVector<int64_t, 6>, 3> st{broadcastStrides(c.shape(), r.shape()),
                                                  broadcastStrides(x.shape(), r.shape()),
                                                  broadcastStrides(y.shape(), r.shape())};
  const bool *pc = c.data<bool>();
  const T *px = reinterpret_cast<const T *>(x.raw());
  const T *py = reinterpret_cast<const T *>(y.raw());
  T *pr = reinterpret_cast<T *>(r.raw());
  forEachRow<3>(r.shape(), st, [&](int64_t o, const std::array<int64_t, 3> &off, int64_t n,
                                   const std::array<int64_t, 3> &is) {
    for (int64_t i = 0; i < n; ++i)
      pr[o + i] = pc[off[0] + i * is[0]] ? px[off[1] + i * is[1]] : py[off[2] + i * is[2]];
  });
}

llvm::Expected<Results> where(const ir::Op &, Inputs in) {
  auto c = required(in, 0), x = required(in, 1), y = required(in, 2);
  if (!c)
    return c.takeError();
  if (!x)
    return x.takeError();
  if (!y)
    return y.takeError();
  if (auto e = expectDType(**c, DType::Bool, "condition"))
    return e;
  if (auto e = sameDType(**x, **y))
    return e;
  auto out = broadcastShapes({(*c)->shape(), (*x)->shape(), (*y)->shape()});
  if (!out)
    return out.takeError();
  Tensor r((*x)->dtype(), *out);
  // dtype-agnostic: select by element size.
  switch (dtypeSize(r.dtype())) {
  case 1: selectRows<uint8_t>(**c, **x, **y, r); break;
  case 2: selectRows<uint16_t>(**c, **x, **y, r); break;
  case 4: selectRows<uint32_t>(**c, **x, **y, r); break;
  default: selectRows<uint64_t>(**c, **x, **y, r); break;
  }
  return one(std::move(r));
}

//===- unary ----------------------------------------------------------------------------===//

/// Applies `f` (double -> double) to a float tensor, rounding once to the storage type.
template <typename F> llvm::Expected<Results> mapFloat(const Tensor &x, F f) {
  if (auto e = expectFloat(x, "operand"))
    return e;
  Tensor r(x.dtype(), x.shape());
  int64_t n = x.numel();
  if (x.dtype() == DType::F32) {
    const float *a = x.data<float>();
    float *b = r.data<float>();
    parallelFor(n, 1 << 15, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        b[i] = float(f(double(a[i])));
    });
  } else {
    const double *a = x.data<double>();
    double *b = r.data<double>();
    for (int64_t i = 0; i < n; ++i)
      b[i] = f(a[i]);
  }
  return one(std::move(r));
}

double sigmoid(double x) {
  // Two branches so that exp never overflows.
  if (x >= 0)
    return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}

double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

/// Round half to even (ONNX Round).
double roundHalfEven(double x) { return std::nearbyint(x); }

#define VIMQ_UNARY_FLOAT(NAME, EXPR)                                                           \
  llvm::Expected<Results> NAME(const ir::Op &op, Inputs in) {                                  \
    auto a = required(in, 0);                                                                  \
    if (!a)                                                                                    \
      return a.takeError();                                                                    \
    (void)op;                                                                                  \
    return mapFloat(**a, [&](double x) -> double { return EXPR; });                            \
  }

VIMQ_UNARY_FLOAT(opSqrt, std::sqrt(x))
VIMQ_UNARY_FLOAT(opReciprocal, 1.0 / x)
VIMQ_UNARY_FLOAT(opExp, std::exp(x))
VIMQ_UNARY_FLOAT(opLog, std::log(x))
VIMQ_UNARY_FLOAT(opSigmoid, sigmoid(x))
VIMQ_UNARY_FLOAT(opTanh, std::tanh(x))
VIMQ_UNARY_FLOAT(opErf, std::erf(x))
VIMQ_UNARY_FLOAT(opSoftplus, softplus(x))
VIMQ_UNARY_FLOAT(opSoftsign, x / (1.0 + std::fabs(x)))
VIMQ_UNARY_FLOAT(opFloor, std::floor(x))
VIMQ_UNARY_FLOAT(opCeil, std::ceil(x))
VIMQ_UNARY_FLOAT(opRound, roundHalfEven(x))
VIMQ_UNARY_FLOAT(opSin, std::sin(x))
VIMQ_UNARY_FLOAT(opCos, std::cos(x))
VIMQ_UNARY_FLOAT(opTan, std::tan(x))
VIMQ_UNARY_FLOAT(opAsin, std::asin(x))
VIMQ_UNARY_FLOAT(opAcos, std::acos(x))
VIMQ_UNARY_FLOAT(opAtan, std::atan(x))
VIMQ_UNARY_FLOAT(opSinh, std::sinh(x))
VIMQ_UNARY_FLOAT(opCosh, std::cosh(x))
VIMQ_UNARY_FLOAT(opAsinh, std::asinh(x))
VIMQ_UNARY_FLOAT(opAcosh, std::acosh(x))
VIMQ_UNARY_FLOAT(opAtanh, std::atanh(x))
VIMQ_UNARY_FLOAT(opLeakyRelu, x < 0 ? x * op.getFloat("alpha", 0.01) : x)
VIMQ_UNARY_FLOAT(opThresholdedRelu, x > op.getFloat("alpha", 1.0) ? x : 0.0)
VIMQ_UNARY_FLOAT(opElu, x < 0 ? op.getFloat("alpha", 1.0) * std::expm1(x) : x)
VIMQ_UNARY_FLOAT(opSelu, op.getFloat("gamma", 1.05070102214813232421875) *
                             (x <= 0 ? op.getFloat("alpha", 1.67326319217681884765625) *
                                           std::expm1(x)
                                     : x))
VIMQ_UNARY_FLOAT(opHardSigmoid,
                 std::clamp(op.getFloat("alpha", 0.2) * x + op.getFloat("beta", 0.5), 0.0, 1.0))
VIMQ_UNARY_FLOAT(opHardSwish, x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0))
VIMQ_UNARY_FLOAT(opCelu, std::max(0.0, x) +
                             std::min(0.0, op.getFloat("alpha", 1.0) *
                                               std::expm1(x / op.getFloat("alpha", 1.0))))
#undef VIMQ_UNARY_FLOAT

enum class SignedUnary { Neg, Abs, Relu, Sign };

/// Unary ops defined for floats and signed/unsigned integers.
template <SignedUnary K> llvm::Expected<Results> signedUnary(const ir::Op &, Inputs in) {
  auto a = required(in, 0);
  if (!a)
    return a.takeError();
  const Tensor &x = **a;
  return dispatchNumeric(
      x.dtype(),
      [&](auto tag) -> llvm::Expected<Results> {
        using T = decltype(tag);
        Tensor r(x.dtype(), x.shape());
        const T *p = x.data<T>();
        T *q = r.data<T>();
        for (int64_t i = 0, n = x.numel(); i < n; ++i) {
          T v = p[i];
          switch (K) {
          case SignedUnary::Neg:
            q[i] = wrap(T(0), v, [](auto s, auto t) { return decltype(s)(s - t); });
            break;
          case SignedUnary::Abs:
            q[i] = v < T(0) ? wrap(T(0), v, [](auto s, auto t) { return decltype(s)(s - t); })
                            : v;
            break;
          case SignedUnary::Relu: q[i] = v > T(0) ? v : T(0); break;
          case SignedUnary::Sign: q[i] = T((v > T(0)) - (v < T(0))); break;
          }
        }
        return one(std::move(r));
      },
      [&]() -> llvm::Expected<Results> {
        return makeError("unsupported operand type {0}", dtypeName(x.dtype()));
      });
}

llvm::Expected<Results> isNaN(const ir::Op &, Inputs in) {
  auto a = required(in, 0);
  if (!a)
    return a.takeError();
  if (auto e = expectFloat(**a, "operand"))
    return e;
  Tensor r(DType::Bool, (*a)->shape());
  for (int64_t i = 0, n = r.numel(); i < n; ++i)
    r.data<bool>()[i] = std::isnan((*a)->getDouble(i));
  return one(std::move(r));
}

llvm::Expected<Results> clip(const ir::Op &, Inputs in) {
  auto a = required(in, 0);
  if (!a)
    return a.takeError();
  const Tensor &x = **a;
  const Tensor *lo = optional(in, 1), *hi = optional(in, 2);
  for (const Tensor *b : {lo, hi})
    if (b) {
      if (b->numel() != 1)
        return makeError("min/max must be scalars, got {0}", shapeStr(b->shape()));
      if (b->dtype() != x.dtype())
        return makeError("min/max type {0} differs from input type {1}",
                         dtypeName(b->dtype()), dtypeName(x.dtype()));
    }
  return dispatchNumeric(
      x.dtype(),
      [&](auto tag) -> llvm::Expected<Results> {
        using T = decltype(tag);
        T l = lo ? lo->data<T>()[0] : std::numeric_limits<T>::lowest();
        T h = hi ? hi->data<T>()[0] : std::numeric_limits<T>::max();
        Tensor r(x.dtype(), x.shape());
        const T *p = x.data<T>();
        T *q = r.data<T>();
        for (int64_t i = 0, n = x.numel(); i < n; ++i) {
          T v = p[i] < l ? l : p[i]; // NaN passes through both comparisons unchanged
          q[i] = v > h ? h : v;
        }
        return one(std::move(r));
      },
      [&]() -> llvm::Expected<Results> {
        return makeError("unsupported operand type {0}", dtypeName(x.dtype()));
      });
}

llvm::Expected<Results> mod(const ir::Op &op, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  if (auto e = sameDType(**a, **b))
    return e;
  auto out = broadcastShapes({(*a)->shape(), (*b)->shape()});
  if (!out)
    return out.takeError();
  bool cStyle = op.getInt("fmod", 0) != 0;
  return dispatchNumeric(
      (*a)->dtype(),
      [&](auto tag) -> llvm::Expected<Results> {
        using T = decltype(tag);
        if constexpr (!isFloatT<T>) {
          for (T v : (*b)->values<T>())
            if (v == 0)
              return makeError("integer modulo by zero");
        }
        // fmod=1: sign of the dividend (C fmod / %); fmod=0: sign of the divisor (Python).
        return one(binaryKernel<T, T, T>(**a, **b, *out, (*a)->dtype(), [cStyle](T x, T y) {
          if constexpr (isFloatT<T>) {
            T r = std::fmod(x, y);
            if (!cStyle && r != 0 && ((r < 0) != (y < 0)))
              r += y;
            return r;
          } else {
            if constexpr (std::is_signed_v<T>)
              if (y == T(-1))
                return T(0); // avoids the INT_MIN % -1 trap; the result is 0 anyway
            T r = T(x % y);
            if (!cStyle && r != 0 && ((r < 0) != (y < 0)))
              r = T(r + y);
            return r;
          }
        }));
      },
      [&]() -> llvm::Expected<Results> {
        return makeError("unsupported operand type {0}", dtypeName((*a)->dtype()));
      });
}

llvm::Expected<Results> prelu(const ir::Op &, Inputs in) {
  auto a = required(in, 0), b = required(in, 1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  if (auto e = expectFloat(**a, "X"))
    return e;
  if (auto e = sameDType(**a, **b))
    return e;
  auto out = broadcastShapes({(*a)->shape(), (*b)->shape()});
  if (!out)
    return out.takeError();
  if (*out != Shape((*a)->shape().begin(), (*a)->shape().end()))
    return makeError("slope {0} does not broadcast to X {1}", shapeStr((*b)->shape()),
                     shapeStr((*a)->shape()));
  auto run = [&](auto tag) {
    using T = decltype(tag);
    return one(binaryKernel<T, T, T>(**a, **b, *out, (*a)->dtype(),
                                     [](T x, T s) { return x < 0 ? T(s * x) : x; }));
  };
  return (*a)->dtype() == DType::F32 ? run(float{}) : run(double{});
}

llvm::Expected<Results> isInf(const ir::Op &op, Inputs in) {
  auto a = required(in, 0);
  if (!a)
    return a.takeError();
  if (auto e = expectFloat(**a, "operand"))
    return e;
  bool pos = op.getInt("detect_positive", 1), neg = op.getInt("detect_negative", 1);
  Tensor r(DType::Bool, (*a)->shape());
  for (int64_t i = 0, n = r.numel(); i < n; ++i) {
    double v = (*a)->getDouble(i);
    r.data<bool>()[i] = std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg));
  }
  return one(std::move(r));
}

} // namespace

void registerElementwiseOps(OpTable &t) {
  auto math = [&](llvm::StringRef name, EvalFn fn) { t[("onnx." + name).str()] = {fn, true}; };
  auto plain = [&](llvm::StringRef name, EvalFn fn) { t[("onnx." + name).str()] = {fn, false}; };
  math("Add", binaryArith<Arith::Add>);
  math("Sub", binaryArith<Arith::Sub>);
  math("Mul", binaryArith<Arith::Mul>);
  math("Div", binaryArith<Arith::Div>);
  math("Pow", pow);
  math("Max", variadic<Arith::Max>);
  math("Min", variadic<Arith::Min>);
  math("Sum", variadic<Arith::Add>);
  math("Mean", variadic<Arith::Add, true>);
  math("Equal", compare<Cmp::Eq>);
  math("Less", compare<Cmp::Lt>);
  math("Greater", compare<Cmp::Gt>);
  math("LessOrEqual", compare<Cmp::Le>);
  math("GreaterOrEqual", compare<Cmp::Ge>);
  plain("And", logic<Logic::And>);
  plain("Or", logic<Logic::Or>);
  plain("Xor", logic<Logic::Xor>);
  plain("Not", logicalNot);
  plain("Where", where);
  math("Clip", clip);
  math("Neg", signedUnary<SignedUnary::Neg>);
  math("Abs", signedUnary<SignedUnary::Abs>);
  math("Relu", signedUnary<SignedUnary::Relu>);
  math("Sign", signedUnary<SignedUnary::Sign>);
  math("IsNaN", isNaN);
  math("Sqrt", opSqrt);
  math("Reciprocal", opReciprocal);
  math("Exp", opExp);
  math("Log", opLog);
  math("Sigmoid", opSigmoid);
  math("Tanh", opTanh);
  math("Erf", opErf);
  math("Softplus", opSoftplus);
  math("Softsign", opSoftsign);
  math("Floor", opFloor);
  math("Ceil", opCeil);
  math("Round", opRound);
  math("Sin", opSin);
  math("Cos", opCos);
  math("Tan", opTan);
  math("Asin", opAsin);
  math("Acos", opAcos);
  math("Atan", opAtan);
  math("Sinh", opSinh);
  math("Cosh", opCosh);
  math("Asinh", opAsinh);
  math("Acosh", opAcosh);
  math("Atanh", opAtanh);
  math("LeakyRelu", opLeakyRelu);
  math("ThresholdedRelu", opThresholdedRelu);
  math("Elu", opElu);
  math("Selu", opSelu);
  math("HardSigmoid", opHardSigmoid);
  math("HardSwish", opHardSwish);
  math("Celu", opCelu);
  math("Mod", mod);
  math("PRelu", prelu);
  math("IsInf", isInf);
}

} // namespace vimq::interp::detail
