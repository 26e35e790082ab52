//===- Verifier.cpp - structural checks of a graph -------------------------------------------===//
#include "vimq/ir/IR.h"
#include "vimq/ir/OpDefs.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/DenseSet.h"

namespace vimq::ir {

llvm::Error verify(const Graph &g) {
  llvm::DenseSet<const Value *> defined;
  for (const Value *v : g.inputs())
    defined.insert(v);
  for (const auto &o : g.ops()) {
    if (o->parent() != &g)
      return makeError("{0}: op belongs to another graph", o->describe());
    for (unsigned i = 0; i < o->numOperands(); ++i) {
      const Value *v = o->operand(i);
      if (!v || v->isConstant())
        continue;
      if (!defined.count(v))
        return makeError("{0}: operand #{1} '%{2}' is used before it is defined", o->describe(),
                         i, v->name());
    }
    for (const Value *r : o->results()) {
      if (r->definingOp() != o.get())
        return makeError("{0}: result '%{1}' has a different definer", o->describe(), r->name());
      if (g.lookup(r->name()) != r)
        return makeError("{0}: result name '%{1}' is not unique", o->describe(), r->name());
      for (int64_t d : r->shape())
        if (d < 0)
          return makeError("{0}: result '%{1}' has a dynamic or negative dimension {2}",
                           o->describe(), r->name(), r->type().str());
      defined.insert(r);
    }
    if (llvm::Error e = verifyOp(*o))
      return e;
  }
  for (const Value *v : g.outputs())
    if (!v->isConstant() && !defined.count(v))
      return makeError("graph output '%{0}' is never defined", v->name());
  return llvm::Error::success();
}

} // namespace vimq::ir
