//===- Printer.cpp - canonical text form of a graph ------------------------------------------===//
//
//   graph @name(%x: f32[1, 3, 224, 224]) -> (%logits) {
//     %w = const f32[192, 3, 16, 16] {fnv = 0x1234abcd}
//     %y: f32[1, 196, 192] = vimq.PatchEmbed(%x, %w, %b) {patch = [16, 16]}  // node 'Conv_0'
//     return %logits
//   }
//
// Values print in definition order; attributes sorted by name; floats with %.9g so that the
// text is exact and identical across runs.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/ir/IR.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/Format.h"

#include <map>

namespace vimq::ir {

namespace {

uint32_t fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

void printDouble(llvm::raw_ostream &os, double d) { os << llvm::format("%.9g", d); }

void printTensorValues(llvm::raw_ostream &os, const Tensor &t, int64_t maxElems) {
  os << "[";
  int64_t n = std::min<int64_t>(t.numel(), maxElems);
  for (int64_t i = 0; i < n; ++i) {
    if (i)
      os << ", ";
    if (isFloat(t.dtype()))
      printDouble(os, t.getDouble(i));
    else
      os << t.getInt(i);
  }
  if (t.numel() > n)
    os << ", ...";
  os << "]";
}

void printAttr(llvm::raw_ostream &os, const Attr &a) {
  std::visit(
      [&](const auto &v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>)
          os << v;
        else if constexpr (std::is_same_v<T, double>)
          printDouble(os, v);
        else if constexpr (std::is_same_v<T, std::string>)
          os << '"' << v << '"';
        else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          os << "[";
          for (size_t i = 0; i < v.size(); ++i)
            os << (i ? ", " : "") << v[i];
          os << "]";
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          os << "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i)
              os << ", ";
            printDouble(os, v[i]);
          }
          os << "]";
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          os << "[";
          for (size_t i = 0; i < v.size(); ++i)
            os << (i ? ", " : "") << '"' << v[i] << '"';
          os << "]";
        } else {
          os << "tensor<" << dtypeName(v.dtype()) << shapeStr(v.shape()) << ">";
          printTensorValues(os, v, 16);
        }
      },
      a);
}

void printValueRef(llvm::raw_ostream &os, const Value *v) {
  if (v)
    os << "%" << v->name();
  else
    os << "none";
}

} // namespace

void print(const Graph &g, llvm::raw_ostream &os, const PrintOptions &opts) {
  os << "graph @" << (g.name.empty() ? "main" : g.name) << "(";
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const Value *v = g.inputs()[i];
    os << (i ? ", " : "") << "%" << v->name() << ": " << v->type().str();
  }
  os << ") -> (";
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const Value *v = g.outputs()[i];
    os << (i ? ", " : "") << "%" << v->name() << ": " << v->type().str();
  }
  os << ") {\n";

  // Constants, in first-use order (then any unused ones are not printed).
  llvm::DenseSet<const Value *> printed;
  auto printConst = [&](const Value *v) {
    if (!v || !v->isConstant() || !printed.insert(v).second)
      return;
    const Tensor &t = *v->constant();
    os << "  %" << v->name() << " = const " << v->type().str();
    if (opts.printConstants || t.numel() <= 4) {
      os << " ";
      printTensorValues(os, t, opts.printConstants ? opts.maxElems : 4);
    } else {
      os << " {fnv = " << llvm::format_hex(fnv1a(t.raw(), t.nbytes()), 10) << "}";
    }
    os << "\n";
  };
  for (const auto &o : g.ops())
    for (const Value *v : o->operands())
      printConst(v);
  for (const Value *v : g.outputs())
    printConst(v);

  for (const auto &o : g.ops()) {
    os << "  ";
    for (unsigned i = 0; i < o->numResults(); ++i) {
      const Value *r = o->result(i);
      os << (i ? ", " : "") << "%" << r->name() << ": " << r->type().str();
    }
    os << " = " << o->kind() << "(";
    for (unsigned i = 0; i < o->numOperands(); ++i) {
      if (i)
        os << ", ";
      printValueRef(os, o->operand(i));
    }
    os << ")";
    if (!o->attrs().empty()) {
      os << " {";
      bool first = true;
      for (const auto &[k, a] : o->attrs()) {
        os << (first ? "" : ", ") << k << " = ";
        printAttr(os, a);
        first = false;
      }
      os << "}";
    }
    os << "  // " << o->name() << "\n";
  }
  os << "  return";
  for (size_t i = 0; i < g.outputs().size(); ++i)
    os << (i ? ", " : " ") << "%" << g.outputs()[i]->name();
  os << "\n}\n";
}

std::string toString(const Graph &g, const PrintOptions &opts) {
  std::string s;
  llvm::raw_string_ostream os(s);
  print(g, os, opts);
  return os.str();
}

void printSummary(const Graph &g, llvm::raw_ostream &os) {
  std::map<std::string, unsigned> counts;
  for (const auto &o : g.ops())
    ++counts[o->kind()];
  int64_t params = 0;
  llvm::DenseSet<const Value *> seen;
  for (const auto &o : g.ops())
    for (const Value *v : o->operands())
      if (v && v->isConstant() && seen.insert(v).second)
        params += v->type().numel();
  os << "graph @" << (g.name.empty() ? "main" : g.name) << ": " << g.numOps() << " ops, "
     << params << " constant elements\n";
  for (const Value *v : g.inputs())
    os << "  input  %" << v->name() << ": " << v->type().str() << "\n";
  for (const Value *v : g.outputs())
    os << "  output %" << v->name() << ": " << v->type().str() << "\n";
  for (const auto &[k, n] : counts)
    os << "  " << llvm::format("%-24s", k.c_str()) << " x" << n << "\n";
}

} // namespace vimq::ir
