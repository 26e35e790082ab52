//===- QuantUtil.h - helpers shared by the quantization passes -------------------*- C++ -*-===//
#pragma once

#include "vimq/ir/IR.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <vector>

namespace vimq::quant {

/// Users of every value, computed once (Graph::users scans the whole graph per call).
class Uses {
public:
  explicit Uses(const ir::Graph &g) {
    for (const auto &op : g.ops())
      for (ir::Value *v : op->operands())
        if (v && (users_[v].empty() || users_[v].back() != op.get()))
          users_[v].push_back(op.get());
  }
  llvm::ArrayRef<ir::Op *> users(const ir::Value *v) const {
    auto it = users_.find(v);
    return it == users_.end() ? llvm::ArrayRef<ir::Op *>() : llvm::ArrayRef<ir::Op *>(it->second);
  }

private:
  llvm::DenseMap<const ir::Value *, llvm::SmallVector<ir::Op *, 2>> users_;
};

/// A list-of-doubles attribute (empty when absent or of another type).
std::vector<double> getDoubles(const ir::Op &op, llvm::StringRef name);

/// For `v` = result #r of an onnx.Split along the last axis with constant sizes: the split op,
/// and the column offset of that result in the split's operand. Null otherwise.
ir::Op *matchLastAxisSplit(const ir::Value *v, int64_t &offset, unsigned &resultIndex);

/// A new f32 constant named after `base`.
ir::Value *addF32Constant(ir::Graph &g, llvm::StringRef base, Tensor t);

} // namespace vimq::quant
