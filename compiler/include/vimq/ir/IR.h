//===- IR.h - the vimq graph IR --------------------------------------------------*- C++ -*-===//
//
// A graph of typed SSA values and ops with attributes and static shapes.
//
//  * A Value has a name (unique in its graph), a TensorType and at most one definer: an Op, a
//    graph input, or a constant (an ONNX initializer or a folded value; `constant()` non-null).
//  * An Op has a kind "<dialect>.<Name>" — "onnx.Add" for standard ONNX ops that have not been
//    lifted, "vimq.Linear" etc. for the lifted ops the compiler works on (docs/ir.md lists them
//    with their exact semantics) — operands, results, attributes and the name of the ONNX node
//    it came from (`name()`, used in every error message).
//  * Graph::ops() is kept in topological order; passes insert new ops before their users.
//
// Iteration order of everything that reaches output (ops, values, attributes) is deterministic.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/support/Tensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <list>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace vimq::ir {

class Op;
class Graph;

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;

  int64_t rank() const { return int64_t(shape.size()); }
  int64_t numel() const { return numElements(shape); }
  int64_t dim(int64_t i) const { return shape[size_t(i < 0 ? i + rank() : i)]; }
  bool operator==(const TensorType &o) const { return dtype == o.dtype && shape == o.shape; }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
  /// "f32[1, 197, 192]"
  std::string str() const;
};

class Value {
public:
  const std::string &name() const { return name_; }
  const TensorType &type() const { return type_; }
  void setType(TensorType t) { type_ = std::move(t); }
  llvm::ArrayRef<int64_t> shape() const { return type_.shape; }
  DType dtype() const { return type_.dtype; }
  int64_t rank() const { return type_.rank(); }

  /// The op that produces this value, or null for graph inputs and constants.
  Op *definingOp() const { return def_; }
  bool isConstant() const { return constant_ != nullptr; }
  const Tensor *constant() const { return constant_.get(); }
  std::shared_ptr<const Tensor> constantPtr() const { return constant_; }

private:
  friend class Graph;
  friend class Op;
  Value(std::string name, TensorType type) : name_(std::move(name)), type_(std::move(type)) {}
  std::string name_;
  TensorType type_;
  Op *def_ = nullptr;
  std::shared_ptr<const Tensor> constant_;
};

/// Attribute values. Floats are stored as double; ONNX float attributes round-trip exactly.
using Attr = std::variant<int64_t, double, std::string, std::vector<int64_t>,
                          std::vector<double>, std::vector<std::string>, Tensor>;

class Op {
public:
  const std::string &kind() const { return kind_; }
  /// "onnx" / "vimq" / ...
  llvm::StringRef dialect() const { return llvm::StringRef(kind_).split('.').first; }
  /// The part after the dialect: "Add", "Linear".
  llvm::StringRef opName() const { return llvm::StringRef(kind_).split('.').second; }
  bool is(llvm::StringRef kind) const { return kind_ == kind; }

  /// Name of the originating ONNX node (or of the pattern that created the op); for errors.
  const std::string &name() const { return name_; }
  void setName(std::string n) { name_ = std::move(n); }
  /// "node 'X' (onnx.Add)" — the standard way errors name an op.
  std::string describe() const;

  unsigned numOperands() const { return unsigned(operands_.size()); }
  /// Operand i; null for an omitted optional ONNX input ("").
  Value *operand(unsigned i) const { return i < operands_.size() ? operands_[i] : nullptr; }
  llvm::ArrayRef<Value *> operands() const { return operands_; }
  void setOperand(unsigned i, Value *v) { operands_[i] = v; }
  void setOperands(llvm::ArrayRef<Value *> vs) { operands_.assign(vs.begin(), vs.end()); }

  unsigned numResults() const { return unsigned(results_.size()); }
  Value *result(unsigned i = 0) const { return results_[i]; }
  llvm::ArrayRef<Value *> results() const { return results_; }

  // Attributes are kept sorted by name (std::map) so that printing is deterministic.
  const std::map<std::string, Attr> &attrs() const { return attrs_; }
  bool hasAttr(llvm::StringRef n) const { return attrs_.count(n.str()); }
  void setAttr(llvm::StringRef n, Attr a) { attrs_[n.str()] = std::move(a); }
  void removeAttr(llvm::StringRef n) { attrs_.erase(n.str()); }
  const Attr *attr(llvm::StringRef n) const;
  int64_t getInt(llvm::StringRef n, int64_t dflt) const;
  double getFloat(llvm::StringRef n, double dflt) const;
  std::string getString(llvm::StringRef n, llvm::StringRef dflt) const;
  std::vector<int64_t> getInts(llvm::StringRef n, std::vector<int64_t> dflt = {}) const;
  std::vector<double> getFloats(llvm::StringRef n, std::vector<double> dflt = {}) const;

  Graph *parent() const { return parent_; }
  /// True once Graph::eraseOp removed this op (its memory lives until Graph::purgeErased).
  bool isErased() const { return parent_ == nullptr; }

private:
  friend class Graph;
  Op(std::string kind, std::string name) : kind_(std::move(kind)), name_(std::move(name)) {}
  std::string kind_, name_;
  llvm::SmallVector<Value *, 4> operands_;
  llvm::SmallVector<Value *, 2> results_;
  std::map<std::string, Attr> attrs_;
  Graph *parent_ = nullptr;
};

using OpList = std::list<std::unique_ptr<Op>>;

/// The ops of a graph at one moment, for loops that erase or insert ops while they walk.
/// Iteration skips ops erased since the snapshot was taken (a rewrite may erase an op further
/// down, e.g. the Add it fused), so a loop never touches a removed op.
class OpSnapshot {
public:
  explicit OpSnapshot(std::vector<Op *> ops) : ops_(std::move(ops)) {}
  class iterator {
  public:
    iterator(const std::vector<Op *> *v, size_t i) : v_(v), i_(i) { skip(); }
    Op *operator*() const { return (*v_)[i_]; }
    iterator &operator++() {
      ++i_;
      skip();
      return *this;
    }
    bool operator!=(const iterator &o) const { return i_ != o.i_; }
    bool operator==(const iterator &o) const { return i_ == o.i_; }

  private:
    void skip();
    const std::vector<Op *> *v_;
    size_t i_;
  };
  iterator begin() const { return iterator(&ops_, 0); }
  iterator end() const { return iterator(&ops_, ops_.size()); }
  /// Raw access (includes ops erased since the snapshot).
  size_t size() const { return ops_.size(); }
  Op *operator[](size_t i) const { return ops_[i]; }
  const std::vector<Op *> &all() const { return ops_; }

private:
  std::vector<Op *> ops_;
};

class Graph {
public:
  Graph() = default;
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;

  std::string name;

  // ---- values -----------------------------------------------------------------------------
  /// A graph input (runtime-provided).
  Value *addInput(llvm::StringRef name, TensorType type);
  /// A constant value (initializer or folded). Its type is taken from the tensor.
  Value *addConstant(llvm::StringRef name, Tensor t);
  Value *addConstant(llvm::StringRef name, std::shared_ptr<const Tensor> t);
  /// Marks `v` as a graph output (order of calls = output order).
  void addOutput(Value *v) { outputs_.push_back(v); }
  void setOutput(unsigned i, Value *v) { outputs_[i] = v; }

  llvm::ArrayRef<Value *> inputs() const { return inputs_; }
  llvm::ArrayRef<Value *> outputs() const { return outputs_; }
  /// Looks a value up by name (null if none).
  Value *lookup(llvm::StringRef name) const;
  /// A name not used yet in this graph, derived from `base`.
  std::string uniqueName(llvm::StringRef base);
  /// All values, in creation order.
  const std::vector<std::unique_ptr<Value>> &values() const { return values_; }

  // ---- ops --------------------------------------------------------------------------------
  /// Creates an op with results of the given types, inserted before `before` (end if null).
  /// Result names are derived from `name` unless `resultNames` gives them.
  Op *createOp(llvm::StringRef kind, llvm::StringRef name, llvm::ArrayRef<Value *> operands,
               llvm::ArrayRef<TensorType> resultTypes, Op *before = nullptr,
               llvm::ArrayRef<std::string> resultNames = {});
  /// Removes `op` from the graph. Its results must be unused. The Op object itself stays
  /// allocated (isErased() is true) until purgeErased(), so that snapshots taken before the
  /// erase never dangle; the pass manager purges after every pass.
  void eraseOp(Op *op);
  void purgeErased() { erased_.clear(); }
  /// Moves `op` right before `before` (keeps topological order the caller's responsibility).
  void moveBefore(Op *op, Op *before);

  OpList &ops() { return ops_; }
  const OpList &ops() const { return ops_; }
  size_t numOps() const { return ops_.size(); }
  /// Ops in order, as a snapshot that is safe to iterate while erasing (see OpSnapshot).
  OpSnapshot opSnapshot() const;

  // ---- uses -------------------------------------------------------------------------------
  /// Ops using `v` as an operand, in graph order (each op once).
  std::vector<Op *> users(const Value *v) const;
  bool hasUses(const Value *v) const;
  bool isOutput(const Value *v) const;
  /// Replaces every use of `from` (operands and graph outputs) with `to`.
  void replaceAllUsesWith(Value *from, Value *to);

  // ---- maintenance ------------------------------------------------------------------------
  /// Erases ops whose results are all unused and not outputs; drops unused constants.
  /// Returns the number of ops erased.
  unsigned removeDeadCode();
  /// Re-sorts ops topologically (stable for already-sorted graphs); error on a cycle.
  llvm::Error topoSort();

private:
  Value *newValue(llvm::StringRef name, TensorType type);
  std::vector<std::unique_ptr<Value>> values_;
  llvm::StringMap<Value *> byName_;
  std::vector<Value *> inputs_, outputs_;
  OpList ops_;
  std::vector<std::unique_ptr<Op>> erased_;
  llvm::DenseMap<const Op *, OpList::iterator> where_;
  unsigned nameCounter_ = 0;
};

/// Structural checks: operands defined before use, types present, names unique, outputs
/// defined, per-op invariants of the lifted ops (docs/ir.md). Errors name the op.
llvm::Error verify(const Graph &g);

/// Canonical, deterministic text form (docs/ir.md). Large constants are summarised by shape and
/// a checksum; `printConstants` prints their values up to `maxElems`.
struct PrintOptions {
  bool printConstants = false;
  int64_t maxElems = 8;
};
void print(const Graph &g, llvm::raw_ostream &os, const PrintOptions &opts = {});
std::string toString(const Graph &g, const PrintOptions &opts = {});

/// One-line summary: op counts by kind, parameter count, inputs/outputs.
void printSummary(const Graph &g, llvm::raw_ostream &os);

} // namespace vimq::ir
