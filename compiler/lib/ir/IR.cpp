//===- IR.cpp - graph construction and maintenance -------------------------------------------===//
#include "vimq/ir/IR.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

#include <algorithm>

namespace vimq::ir {

std::string TensorType::str() const {
  std::string s = dtypeName(dtype).str() + "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string Op::describe() const {
  return "node '" + name_ + "' (" + kind_ + ")";
}

const Attr *Op::attr(llvm::StringRef n) const {
  auto it = attrs_.find(n.str());
  return it == attrs_.end() ? nullptr : &it->second;
}

int64_t Op::getInt(llvm::StringRef n, int64_t dflt) const {
  if (const Attr *a = attr(n)) {
    if (auto *v = std::get_if<int64_t>(a))
      return *v;
    if (auto *d = std::get_if<double>(a))
      return int64_t(*d);
  }
  return dflt;
}

double Op::getFloat(llvm::StringRef n, double dflt) const {
  if (const Attr *a = attr(n)) {
    if (auto *v = std::get_if<double>(a))
      return *v;
    if (auto *i = std::get_if<int64_t>(a))
      return double(*i);
  }
  return dflt;
}

std::string Op::getString(llvm::StringRef n, llvm::StringRef dflt) const {
  if (const Attr *a = attr(n))
    if (auto *v = std::get_if<std::string>(a))
      return *v;
  return dflt.str();
}

std::vector<int64_t> Op::getInts(llvm::StringRef n, std::vector<int64_t> dflt) const {
  if (const Attr *a = attr(n)) {
    if (auto *v = std::get_if<std::vector<int64_t>>(a))
      return *v;
    if (auto *i = std::get_if<int64_t>(a))
      return {*i};
  }
  return dflt;
}

std::vector<double> Op::getFloats(llvm::StringRef n, std::vector<double> dflt) const {
  if (const Attr *a = attr(n)) {
    if (auto *v = std::get_if<std::vector<double>>(a))
      return *v;
    if (auto *d = std::get_if<double>(a))
      return {*d};
  }
  return dflt;
}

Value *Graph::newValue(llvm::StringRef name, TensorType type) {
  std::string n = name.empty() || byName_.count(name) ? uniqueName(name.empty() ? "v" : name)
                                                      : name.str();
  values_.push_back(std::unique_ptr<Value>(new Value(n, std::move(type))));
  Value *v = values_.back().get();
  byName_[n] = v;
  return v;
}

std::string Graph::uniqueName(llvm::StringRef base) {
  std::string b = base.empty() ? "v" : base.str();
  if (!byName_.count(b))
    return b;
  for (;;) {
    std::string n = b + "." + std::to_string(++nameCounter_);
    if (!byName_.count(n))
      return n;
  }
}

Value *Graph::addInput(llvm::StringRef name, TensorType type) {
  Value *v = newValue(name, std::move(type));
  inputs_.push_back(v);
  return v;
}

Value *Graph::addConstant(llvm::StringRef name, Tensor t) {
  return addConstant(name, std::make_shared<const Tensor>(std::move(t)));
}

Value *Graph::addConstant(llvm::StringRef name, std::shared_ptr<const Tensor> t) {
  TensorType ty{t->dtype(), Shape(t->shape().begin(), t->shape().end())};
  Value *v = newValue(name, std::move(ty));
  v->constant_ = std::move(t);
  return v;
}

Value *Graph::lookup(llvm::StringRef name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

Op *Graph::createOp(llvm::StringRef kind, llvm::StringRef name, llvm::ArrayRef<Value *> operands,
                    llvm::ArrayRef<TensorType> resultTypes, Op *before,
                    llvm::ArrayRef<std::string> resultNames) {
  auto op = std::unique_ptr<Op>(new Op(kind.str(), name.str()));
  op->parent_ = this;
  op->operands_.assign(operands.begin(), operands.end());
  for (size_t i = 0; i < resultTypes.size(); ++i) {
    std::string rn = i < resultNames.size() && !resultNames[i].empty()
                         ? resultNames[i]
                         : (name.empty() ? std::string("v") : name.str()) +
                               (resultTypes.size() > 1 ? "." + std::to_string(i) : "");
    Value *v = newValue(rn, resultTypes[i]);
    v->def_ = op.get();
    op->results_.push_back(v);
  }
  Op *raw = op.get();
  auto pos = before ? where_.lookup(before) : ops_.end();
  where_[raw] = ops_.insert(pos, std::move(op));
  return raw;
}

void Graph::eraseOp(Op *op) {
  auto it = where_.find(op);
  assert(it != where_.end() && "op not in graph");
  for (Value *r : op->results_) {
    r->def_ = nullptr;
    byName_.erase(r->name());
  }
  // The result Values stay allocated (cheap) so that stale pointers never dangle into freed
  // memory; they are simply no longer reachable by name or from any op.
  auto listIt = it->second;
  where_.erase(it);
  op->parent_ = nullptr;
  erased_.push_back(std::move(*listIt));
  ops_.erase(listIt);
}

void Graph::moveBefore(Op *op, Op *before) {
  auto from = where_.lookup(op);
  auto to = where_.lookup(before);
  ops_.splice(to, ops_, from);
}

void OpSnapshot::iterator::skip() {
  while (i_ < v_->size() && (*v_)[i_]->isErased())
    ++i_;
}

OpSnapshot Graph::opSnapshot() const {
  std::vector<Op *> v;
  v.reserve(ops_.size());
  for (const auto &o : ops_)
    v.push_back(o.get());
  return OpSnapshot(std::move(v));
}

std::vector<Op *> Graph::users(const Value *v) const {
  std::vector<Op *> us;
  for (const auto &o : ops_)
    if (llvm::is_contained(o->operands_, v))
      us.push_back(o.get());
  return us;
}

bool Graph::hasUses(const Value *v) const {
  if (isOutput(v))
    return true;
  for (const auto &o : ops_)
    if (llvm::is_contained(o->operands_, v))
      return true;
  return false;
}

bool Graph::isOutput(const Value *v) const { return llvm::is_contained(outputs_, v); }

void Graph::replaceAllUsesWith(Value *from, Value *to) {
  for (auto &o : ops_)
    for (Value *&v : o->operands_)
      if (v == from)
        v = to;
  for (Value *&v : outputs_)
    if (v == from)
      v = to;
}

unsigned Graph::removeDeadCode() {
  llvm::DenseSet<const Value *> live(outputs_.begin(), outputs_.end());
  unsigned erased = 0;
  // Walk backwards: an op is live if one of its results is live.
  std::vector<Op *> dead;
  for (auto it = ops_.rbegin(); it != ops_.rend(); ++it) {
    Op *o = it->get();
    bool isLive = llvm::any_of(o->results_, [&](Value *r) { return live.count(r); });
    if (!isLive) {
      dead.push_back(o);
      continue;
    }
    for (Value *v : o->operands_)
      if (v)
        live.insert(v);
  }
  for (Op *o : dead) {
    eraseOp(o);
    ++erased;
  }
  // Drop constants nobody references any more (keeps dumps and bundles small).
  for (auto &v : values_)
    if (v->isConstant() && !live.count(v.get()) && byName_.lookup(v->name()) == v.get())
      byName_.erase(v->name());
  values_.erase(std::remove_if(values_.begin(), values_.end(),
                               [&](const std::unique_ptr<Value> &v) {
                                 return v->isConstant() && !live.count(v.get());
                               }),
                values_.end());
  return erased;
}

llvm::Error Graph::topoSort() {
  // Kahn's algorithm, picking ready ops in their current order (stable).
  llvm::DenseMap<const Value *, Op *> producer;
  for (auto &o : ops_)
    for (Value *r : o->results_)
      producer[r] = o.get();
  std::vector<Op *> order = opSnapshot().all();
  llvm::DenseMap<Op *, unsigned> pending;
  llvm::DenseMap<Op *, std::vector<Op *>> consumers;
  for (Op *o : order) {
    llvm::SmallSetVector<Op *, 4> preds;
    for (Value *v : o->operands_)
      if (v)
        if (Op *p = producer.lookup(v))
          preds.insert(p);
    pending[o] = unsigned(preds.size());
    for (Op *p : preds)
      consumers[p].push_back(o);
  }
  // Ready set ordered by original position.
  llvm::DenseMap<Op *, size_t> pos;
  for (size_t i = 0; i < order.size(); ++i)
    pos[order[i]] = i;
  std::vector<Op *> ready, sorted;
  for (Op *o : order)
    if (pending[o] == 0)
      ready.push_back(o);
  auto cmp = [&](Op *a, Op *b) { return pos[a] > pos[b]; };
  std::make_heap(ready.begin(), ready.end(), cmp);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), cmp);
    Op *o = ready.back();
    ready.pop_back();
    sorted.push_back(o);
    for (Op *c : consumers[o])
      if (--pending[c] == 0) {
        ready.push_back(c);
        std::push_heap(ready.begin(), ready.end(), cmp);
      }
  }
  if (sorted.size() != order.size()) {
    for (Op *o : order)
      if (pending[o] != 0)
        return makeError("graph has a cycle through {0}", o->describe());
  }
  for (Op *o : sorted) {
    auto it = where_[o];
    ops_.splice(ops_.end(), ops_, it);
  }
  return llvm::Error::success();
}

} // namespace vimq::ir
