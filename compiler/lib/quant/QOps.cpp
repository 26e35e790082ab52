//===- QOps.cpp - q op table, attribute accessors and the q verifier -------------------------===//
#include "vimq/quant/QOps.h"

#include "vimq/support/Error.h"

#include <cmath>

namespace vimq::quant {

using ir::Op;
using ir::Value;

static const QOpInfo kQOps[] = {
#define VIMQ_QOP(Name, MinOps, MaxOps, NumRes, Summary)                                        \
  {QOp::Name, #Name, "q." #Name, MinOps, MaxOps, NumRes, Summary},
#include "vimq/quant/QOpDefs.def"
};

llvm::ArrayRef<QOpInfo> qOps() { return kQOps; }

const QOpInfo *lookupQOp(llvm::StringRef kind) {
  if (!kind.startswith("q."))
    return nullptr;
  for (const QOpInfo &info : kQOps)
    if (kind == info.kind)
      return &info;
  return nullptr;
}

int64_t getFrac(const Op &op) { return op.getInt("frac", 0); }
int64_t getShift(const Op &op) { return op.getInt("shift", 0); }
int64_t getImm(const Op &op) { return op.getInt("imm", 1); }
int64_t getLog2Group(const Op &op) { return op.getInt("log2g", 0); }
int64_t getNormGroup(const Op &op) {
  if (int64_t g = op.getInt("group", 0))
    return g;
  int64_t l = getLog2Group(op);
  return l > 0 && l < 63 ? int64_t(1) << l : 0;
}
int64_t getIndex(const Op &op) { return op.getInt("index", 0); }
int64_t getBlock(const Op &op) { return op.getInt("block", kDefaultBlock); }
int64_t getLimit(const Op &op) { return op.getInt("limit", 0); }
float getEps(const Op &op) { return static_cast<float>(op.getFloat("eps", 1e-5)); }
bool hasSiLU(const Op &op) { return op.getInt("silu", 0) != 0; }
bool isPatchLayout(const Op &op) { return op.getString("layout", "tokens") == "patches"; }
int64_t getBegin(const Op &op) { return op.getInt("begin", 0); }
int64_t getEnd(const Op &op) { return op.getInt("end", 0); }

namespace {

/// The attribute spellings of an enum, in the enum's order: the one table that both the
/// printer (enum -> name) and the parser (name -> enum) read.
constexpr llvm::StringLiteral kWeightFormatNames[] = {"apot4", "apot5", "int8"};
constexpr llvm::StringLiteral kLinearActNames[] = {"none", "silu", "softplus"};

template <size_t N> llvm::StringRef nameOf(const llvm::StringLiteral (&names)[N], size_t i) {
  return i < N ? llvm::StringRef(names[i]) : llvm::StringRef("?");
}

/// The enum value spelled by the string attribute `attr` of `op` (`dflt` when absent); an
/// unknown spelling is an error listing the known ones ("a, b or c").
template <typename E, size_t N>
llvm::Expected<E> parseEnumAttr(const Op &op, llvm::StringRef attr, llvm::StringRef dflt,
                                const llvm::StringLiteral (&names)[N], llvm::StringRef what) {
  std::string s = op.getString(attr, dflt);
  for (size_t i = 0; i < N; ++i)
    if (s == names[i])
      return E(i);
  std::string known;
  for (size_t i = 0; i < N; ++i)
    known += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + names[i].str();
  return makeError("{0}: unknown {1} {2} = '{3}' ({4})", op.describe(), what, attr, s, known);
}

} // namespace

llvm::StringRef weightFormatName(WeightFormat f) { return nameOf(kWeightFormatNames, size_t(f)); }

llvm::StringRef linearActName(LinearAct a) { return nameOf(kLinearActNames, size_t(a)); }

llvm::Expected<WeightFormat> getWeightFormat(const Op &op) {
  return parseEnumAttr<WeightFormat>(op, "wfmt", "", kWeightFormatNames, "weight format");
}

llvm::Expected<LinearAct> getLinearAct(const Op &op) {
  return parseEnumAttr<LinearAct>(op, "act", "none", kLinearActNames, "activation");
}

namespace {

/// Small checking vocabulary so that each op's rules read as a list.
class Checker {
public:
  explicit Checker(const Op &op) : op(op) {}

  llvm::Error operand(unsigned i, DType dt, int64_t rank) const {
    const Value *v = op.operand(i);
    if (!v)
      return makeError("{0}: operand #{1} is missing", op.describe(), i);
    if (v->dtype() != dt || (rank >= 0 && v->rank() != rank))
      return makeError("{0}: operand #{1} '%{2}' must be {3} of rank {4}, got {5}",
                       op.describe(), i, v->name(), dtypeName(dt), rank, v->type().str());
    return llvm::Error::success();
  }
  llvm::Error result(unsigned i, DType dt, llvm::ArrayRef<int64_t> shape) const {
    const Value *r = op.result(i);
    if (r->dtype() != dt || r->shape() != shape)
      return makeError("{0}: result #{1} must be {2}{3}, got {4}", op.describe(), i,
                       dtypeName(dt), shapeStr(shape), r->type().str());
    return llvm::Error::success();
  }
  llvm::Error range(llvm::StringRef attr, int64_t v, int64_t lo, int64_t hi) const {
    if (v < lo || v > hi)
      return makeError("{0}: {1} = {2} is outside [{3}, {4}] (what the overlay accepts)",
                       op.describe(), attr, v, lo, hi);
    return llvm::Error::success();
  }
  llvm::Error constant(unsigned i) const {
    if (!op.operand(i) || !op.operand(i)->isConstant())
      return makeError("{0}: operand #{1} must be a constant (packed weights / parameters)",
                       op.describe(), i);
    return llvm::Error::success();
  }
  /// The packed weight codes at operand `i` in the op's `wfmt`: `apot` (the APoT variant the
  /// engine takes) as u8, or int8 as i8.
  llvm::Error weightCodes(unsigned i, WeightFormat apot) const {
    auto fmt = getWeightFormat(op);
    if (!fmt)
      return fmt.takeError();
    if (*fmt != apot && *fmt != WeightFormat::Int8)
      return makeError("{0}: {1} takes {2} or int8 weights, not {3}", op.describe(), op.kind(),
                       weightFormatName(apot), weightFormatName(*fmt));
    return operand(i, *fmt == WeightFormat::Int8 ? DType::I8 : DType::U8, 2);
  }
  /// The optional bias at operand `i`: a constant i32[len], `len` being the `dim` dimension.
  llvm::Error bias(unsigned i, int64_t len, const char *dim) const {
    if (op.numOperands() <= i)
      return llvm::Error::success();
    if (llvm::Error e = constant(i))
      return e;
    if (llvm::Error e = operand(i, DType::I32, 1))
      return e;
    if (shapeOf(i)[0] != len)
      return makeError("{0}: bias length differs from {1}", op.describe(), dim);
    return llvm::Error::success();
  }
  llvm::Error fail(const char *what) const {
    return makeError("{0}: {1}", op.describe(), what);
  }
  Shape shapeOf(unsigned i) const {
    llvm::ArrayRef<int64_t> s = op.operand(i)->shape();
    return Shape(s.begin(), s.end());
  }

  const Op &op;
};

#define CHECK(expr)                                                                            \
  if (llvm::Error e = (expr))                                                                  \
  return e

/// q.FromIndex: the token ids of a graph input, checked against [0, limit) on the host.
llvm::Error verifyFromIndex(const Checker &c) {
  const Op &op = c.op;
  const Value *x = op.operand(0);
  if ((x->dtype() != DType::I64 && x->dtype() != DType::I32) || x->rank() != 2)
    return makeError("{0}: operand #0 '%{1}' must be i64 or i32 of rank 2 (token ids [B, L]), "
                     "got {2}",
                     op.describe(), x->name(), x->type().str());
  if (x->definingOp() || x->isConstant())
    return makeError("{0}: operand #0 '%{1}' must be a graph input (the runtime converts it)",
                     op.describe(), x->name());
  CHECK(c.range("limit", getLimit(op), 1, kMaxIndexLimit));
  return c.result(0, DType::I32, c.shapeOf(0));
}

/// q.Embedding: rows of a constant i16 table selected by i32 ids.
llvm::Error verifyEmbedding(const Checker &c) {
  const Op &op = c.op;
  CHECK(c.operand(0, DType::I32, 2));
  CHECK(c.constant(1));
  CHECK(c.operand(1, DType::I16, 2));
  Shape ids = c.shapeOf(0), table = c.shapeOf(1);
  if (table[0] > kMaxIndexLimit)
    return makeError("{0}: the table's {1} rows exceed {2} (ids are int32)", op.describe(),
                     table[0], kMaxIndexLimit);
  // Ids from q.FromIndex were checked against its limit: that must be the table's rows, or an
  // id the host accepts could select a row outside the table.
  if (const Op *from = op.operand(0)->definingOp())
    if (from->is("q.FromIndex") && getLimit(*from) != table[0])
      return makeError("{0}: the ids come from {1} with limit {2}, but the table has {3} rows",
                       op.describe(), from->describe(), getLimit(*from), table[0]);
  CHECK(c.range("frac", getFrac(op), 0, kMaxFrac));
  return c.result(0, DType::I32, {ids[0], ids[1], table[1]});
}

llvm::Error verifyLinear(const Checker &c) {
  const Op &op = c.op;
  CHECK(c.operand(0, DType::I8, 3));
  CHECK(c.operand(1, DType::I32, 2));
  CHECK(c.constant(2));
  CHECK(c.constant(3));
  CHECK(c.weightCodes(2, WeightFormat::APoT4));
  Shape x = c.shapeOf(0), w = c.shapeOf(2);
  int64_t k = x[2], n = w[0], block = getBlock(op);
  if (w[1] != k)
    return makeError("{0}: weight {1} does not match K = {2}", op.describe(), shapeStr(w), k);
  if (c.shapeOf(1) != Shape{x[0], x[1]})
    return c.fail("absmax operand must be i32[B, L] of the quantized tokens");
  CHECK(c.range("block", block, 1, std::min<int64_t>(k, 65535)));
  int64_t nb = (k + block - 1) / block;
  CHECK(c.operand(3, DType::I32, 2));
  if (c.shapeOf(3) != Shape{n, nb})
    return makeError("{0}: weight scales must be i32[{1}, {2}] (N, ceil(K/block))",
                     op.describe(), n, nb);
  for (int32_t m : op.operand(3)->constant()->values<int32_t>())
    if (m < 0 || m > 65535)
      return c.fail("weight scale mantissa outside the uint16 range");
  CHECK(c.bias(4, n, "N"));
  auto act = getLinearAct(op);
  if (!act)
    return act.takeError();
  CHECK(c.range("shift", getShift(op), 0, kMaxShift));
  CHECK(c.range("frac", getFrac(op), 0, kMaxFrac));
  return c.result(0, DType::I32, {x[0], x[1], n});
}

llvm::Error verifyConv(const Checker &c) {
  const Op &op = c.op;
  CHECK(c.operand(0, DType::I32, 3));
  CHECK(c.constant(1));
  CHECK(c.constant(2));
  CHECK(c.weightCodes(1, WeightFormat::APoT5));
  Shape x = c.shapeOf(0), w = c.shapeOf(1);
  if (w[0] != x[2])
    return c.fail("weight rows differ from the channels");
  CHECK(c.range("ksize", w[1], 1, 4));
  CHECK(c.operand(2, DType::I32, 1));
  if (c.shapeOf(2)[0] != x[2])
    return c.fail("weight scales must be i32[C]");
  CHECK(c.bias(3, x[2], "C"));
  CHECK(c.range("shift", getShift(op), 0, kMaxShift));
  CHECK(c.range("frac", getFrac(op), 0, kMaxFrac));
  return c.result(0, DType::I32, x);
}

llvm::Error verifyScan(const Checker &c, bool ssd) {
  const Op &op = c.op;
  for (unsigned i = 0; i < op.numOperands(); ++i)
    if (op.operand(i))
      CHECK(c.operand(i, DType::I32, -1));
  Shape u = c.shapeOf(0);
  if (u.size() != 3)
    return c.fail("u must be [B, L, C]");
  int64_t b = u[0], l = u[1], ch = u[2];
  Shape dt = c.shapeOf(1), a = c.shapeOf(2), bm = c.shapeOf(3), cm = c.shapeOf(4);
  int64_t heads = ssd ? a[0] : 1;
  if (ssd ? (a.size() != 1 || ch % heads || dt != Shape{b, l, heads})
          : (a.size() != 2 || a[0] != ch || dt != u))
    return c.fail("delta / A shapes do not match u");
  if (bm.size() != 3 || bm[0] != b || bm[1] != l || bm != cm)
    return c.fail("B and C must be [B, L, groups*N] alike");
  int64_t n = ssd ? op.getInt("n", 0) : a[1];
  if (n <= 0 || bm[2] % n)
    return c.fail("state size n does not divide the B/C columns");
  int64_t groups = bm[2] / n;
  if (!ssd && groups != 1)
    return c.fail("selective scan has one B/C group");
  if (ssd && (groups == 0 || heads % groups))
    return c.fail("groups must divide heads");
  CHECK(c.range("n", n, 1, 1023));
  if (op.numOperands() > 5 && op.operand(5) && c.shapeOf(5) != Shape{ssd ? heads : ch})
    return c.fail("D has the wrong length");
  if (op.numOperands() > 6 && op.operand(6) && c.shapeOf(6) != u)
    return c.fail("gate z must have u's shape");
  CHECK(c.range("frac", getFrac(op), 0, kMaxFrac));
  return c.result(0, DType::I32, u);
}

/// The norm factor's domain: frac <= kMaxNormFrac, eps a finite fp32 value >= 0.
llvm::Error verifyNormAttrs(const Checker &c) {
  CHECK(c.range("frac", getFrac(c.op), 0, kMaxNormFrac));
  float eps = getEps(c.op);
  if (!std::isfinite(eps) || eps < 0)
    return c.fail("eps must be a finite value >= 0");
  return llvm::Error::success();
}

llvm::Error verifyVector(const Checker &c, QOp q) {
  const Op &op = c.op;
  CHECK(c.operand(0, DType::I32, 3));
  Shape x = c.shapeOf(0);
  CHECK(c.range("shift", getShift(op), 0, kMaxShift));
  CHECK(c.range("frac", getFrac(op), 0, kMaxFrac));
  switch (q) {
  case QOp::Add:
  case QOp::Mul: {
    CHECK(c.operand(1, DType::I32, 3));
    Shape y = c.shapeOf(1);
    if (y != x && !(y[0] == 1 && y[1] == x[1] && y[2] == x[2]))
      return c.fail("operands must have one shape (the second may be [1, L, C])");
    break;
  }
  case QOp::Scale:
  case QOp::RMSNorm:
    if (q == QOp::RMSNorm)
      CHECK(verifyNormAttrs(c));
    CHECK(c.operand(1, DType::I32, 1));
    if (c.shapeOf(1)[0] != x[2])
      return c.fail("per-channel vector length differs from the columns");
    break;
  case QOp::GatedRMSNorm: {
    CHECK(verifyNormAttrs(c));
    CHECK(c.operand(1, DType::I32, 3));
    CHECK(c.operand(2, DType::I32, 1));
    if (c.shapeOf(1) != x || c.shapeOf(2)[0] != x[2])
      return c.fail("z / w shapes do not match x");
    // `group` (any divisor of the row) or the older power-of-two `log2g`; both only if equal.
    const int64_t group = op.getInt("group", 0), log2g = getLog2Group(op);
    CHECK(c.range("group", group, 0, x[2]));
    CHECK(c.range("log2g", log2g, 0, 30));
    if (group > 0 && log2g > 0 && group != int64_t(1) << log2g)
      return c.fail("group and log2g name different group sizes");
    if (getNormGroup(op) > 0 && x[2] % getNormGroup(op))
      return c.fail("the group (columns per norm group) must divide the columns");
    break;
  }
  case QOp::FWHT:
    CHECK(c.range("log2g", getLog2Group(op), 1, 12));
    if (x[2] % (int64_t(1) << getLog2Group(op)))
      return c.fail("the group 2^log2g must divide the columns");
    break;
  default:
    break;
  }
  if (q == QOp::MulImm || q == QOp::FWHT)
    CHECK(c.range("imm", getImm(op), INT32_MIN, INT32_MAX));
  return c.result(0, DType::I32, x);
}

} // namespace

llvm::Error verifyQOp(const Op &op) {
  const QOpInfo *info = lookupQOp(op.kind());
  if (!info)
    return makeError("{0}: not a q op", op.describe());
  if (op.numOperands() < info->minOperands || op.numOperands() > info->maxOperands ||
      op.numResults() != info->numResults)
    return makeError("{0}: takes {1}..{2} operands and {3} results, has {4} and {5}",
                     op.describe(), info->minOperands, info->maxOperands, info->numResults,
                     op.numOperands(), op.numResults());
  for (unsigned i = 0; i < info->minOperands; ++i)
    if (!op.operand(i))
      return makeError("{0}: operand #{1} is missing", op.describe(), i);
  Checker c(op);
  switch (info->op) {
  case QOp::FromFloat:
    CHECK(c.operand(0, DType::F32, -1));
    CHECK(c.range("frac", getFrac(op), 0, kMaxFrac));
    if (op.result(0)->dtype() != DType::I32 || op.result(0)->rank() != 3)
      return c.fail("result must be i32 [B, L, C]");
    return llvm::Error::success();
  case QOp::ToFloat:
    CHECK(c.operand(0, DType::I32, 3));
    if (op.result(0)->dtype() != DType::F32 ||
        op.result(0)->type().numel() != op.operand(0)->type().numel())
      return c.fail("result must be f32 with the operand's element count");
    return llvm::Error::success();
  case QOp::FromIndex:
    return verifyFromIndex(c);
  case QOp::Embedding:
    return verifyEmbedding(c);
  case QOp::Flip:
    CHECK(c.operand(0, DType::I32, 3));
    return c.result(0, DType::I32, c.shapeOf(0));
  case QOp::Slice: {
    CHECK(c.operand(0, DType::I32, 3));
    Shape x = c.shapeOf(0);
    int64_t b = getBegin(op), e = getEnd(op);
    if (b < 0 || e <= b || e > x[2])
      return makeError("{0}: column range [{1}, {2}) is empty or outside [0, {3})",
                       op.describe(), b, e, x[2]);
    return c.result(0, DType::I32, {x[0], x[1], e - b});
  }
  case QOp::Concat: {
    Shape x = c.shapeOf(0);
    int64_t cols = 0;
    for (unsigned i = 0; i < op.numOperands(); ++i) {
      CHECK(c.operand(i, DType::I32, 3));
      Shape y = c.shapeOf(i);
      if (y[0] != x[0] || y[1] != x[1])
        return c.fail("operands must have the same batch and tokens");
      cols += y[2];
    }
    return c.result(0, DType::I32, {x[0], x[1], cols});
  }
  case QOp::InsertToken: {
    CHECK(c.operand(0, DType::I32, 3));
    CHECK(c.operand(1, DType::I32, 3));
    Shape x = c.shapeOf(0), t = c.shapeOf(1);
    if ((t[0] != 1 && t[0] != x[0]) || t[1] != 1 || t[2] != x[2])
      return c.fail("token must be [1|B, 1, C]");
    CHECK(c.range("index", getIndex(op), 0, x[1]));
    return c.result(0, DType::I32, {x[0], x[1] + 1, x[2]});
  }
  case QOp::TakeToken: {
    CHECK(c.operand(0, DType::I32, 3));
    Shape x = c.shapeOf(0);
    CHECK(c.range("index", getIndex(op), 0, x[1] - 1));
    return c.result(0, DType::I32, {x[0], 1, x[2]});
  }
  case QOp::QuantizeTokens: {
    CHECK(c.operand(0, DType::I32, 3));
    Shape x = c.shapeOf(0);
    CHECK(c.result(0, DType::I8, x));
    return c.result(1, DType::I32, {x[0], x[1]});
  }
  case QOp::Linear:
    return verifyLinear(c);
  case QOp::Conv1d:
    return verifyConv(c);
  case QOp::SelectiveScan:
    return verifyScan(c, /*ssd=*/false);
  case QOp::SSDScan:
    return verifyScan(c, /*ssd=*/true);
  default:
    return verifyVector(c, info->op);
  }
}

#undef CHECK

llvm::Error verifyQuantizedGraph(const ir::Graph &g) {
  if (llvm::Error e = ir::verify(g))
    return e;
  for (const auto &op : g.ops()) {
    if (!isQOp(*op))
      return makeError("{0}: not a q op: the overlay cannot run it", op->describe());
    if (llvm::Error e = verifyQOp(*op))
      return e;
  }
  return llvm::Error::success();
}

} // namespace vimq::quant
