//===- InputShapes.cpp - pin the dynamic dimensions of a model's inputs ---------------------===//
//
// torch.onnx.export with dynamic_axes leaves symbolic dimensions ("batch") in the graph
// inputs. vimq compiles for static shapes, so the user pins them (--input-shape
// image=2x3x224x224); the importer writes the sizes into the inputs before the checker and
// shape inference run, and binds each symbol it replaces everywhere it appears in the graph's
// inputs, outputs and value_info, so that inference sees one consistent size per symbol.
// parseInputShape reads the flag's NAME=D0xD1x... text.
//
//===----------------------------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace vimq::onnximport {

namespace {

std::string dimsText(llvm::ArrayRef<int64_t> dims) {
  std::string s;
  for (int64_t d : dims)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

std::string declaredText(const onnx::TensorShapeProto &shape) {
  std::string s;
  for (const auto &d : shape.dim())
    s += (s.empty() ? "" : "x") +
         (d.has_dim_value() ? std::to_string(d.dim_value())
                            : (d.has_dim_param() ? d.dim_param() : std::string("?")));
  return s;
}

void bindSymbols(onnx::ValueInfoProto &v, const llvm::StringMap<int64_t> &symbols) {
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape())
    return;
  for (auto &d : *v.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()) {
    if (!d.has_dim_param())
      continue;
    auto it = symbols.find(d.dim_param());
    if (it != symbols.end())
      d.set_dim_value(it->second); // clears the dim_param (a oneof)
  }
}

} // namespace

llvm::Error pinInputShapes(onnx::ModelProto &m, llvm::ArrayRef<InputShape> shapes) {
  onnx::GraphProto *g = m.mutable_graph();
  llvm::StringSet<> initializers;
  for (const auto &t : g->initializer())
    initializers.insert(t.name());
  auto inputNames = [&] {
    std::string s;
    for (const auto &in : g->input())
      if (!initializers.count(in.name()))
        s += (s.empty() ? "" : ", ") + in.name();
    return s;
  };
  llvm::StringMap<int64_t> symbols;
  llvm::StringSet<> seen;
  for (const InputShape &pin : shapes) {
    if (!seen.insert(pin.name).second)
      return makeError("--input-shape: input '{0}' is given twice", pin.name);
    auto it = llvm::find_if(*g->mutable_input(), [&](const onnx::ValueInfoProto &v) {
      return v.name() == pin.name && !initializers.count(v.name());
    });
    if (it == g->mutable_input()->end())
      return makeError("--input-shape: the model has no input '{0}' (its inputs: {1})", pin.name,
                       inputNames());
    onnx::ValueInfoProto *in = &*it;
    if (!in->type().has_tensor_type())
      return makeError("--input-shape: input '{0}' is not a tensor", pin.name);
    onnx::TensorShapeProto *shape = in->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != int(pin.dims.size()))
      return makeError("--input-shape: input '{0}' has rank {1} ({2}), not {3} ({4})", pin.name,
                       shape->dim_size(), declaredText(*shape), pin.dims.size(),
                       dimsText(pin.dims));
    const std::string declared = declaredText(*shape);
    for (int i = 0, e = shape->dim_size(); i < e; ++i) {
      onnx::TensorShapeProto_Dimension *d = shape->mutable_dim(i);
      int64_t want = pin.dims[size_t(i)];
      if (want <= 0)
        return makeError("--input-shape: dimension {0} of input '{1}' must be positive, not {2}",
                         i, pin.name, want);
      if (d->has_dim_value()) {
        if (d->dim_value() != want)
          return makeError("--input-shape: input '{0}' is declared {1}; {2} differs in "
                           "dimension {3}, which is static",
                           pin.name, declared, dimsText(pin.dims), i);
        continue;
      }
      if (d->has_dim_param()) {
        auto [sym, inserted] = symbols.try_emplace(d->dim_param(), want);
        if (!inserted && sym->second != want)
          return makeError("--input-shape: symbol '{0}' is pinned to both {1} and {2}",
                           d->dim_param(), sym->second, want);
      }
      d->set_dim_value(want);
    }
  }
  // The same symbol elsewhere (another input's batch, the outputs, torch's value_info).
  for (auto &v : *g->mutable_input())
    bindSymbols(v, symbols);
  for (auto &v : *g->mutable_output())
    bindSymbols(v, symbols);
  for (auto &v : *g->mutable_value_info())
    bindSymbols(v, symbols);
  return llvm::Error::success();
}

} // namespace vimq::onnximport

namespace vimq {

llvm::Expected<InputShape> parseInputShape(llvm::StringRef text) {
  auto [name, dims] = text.split('=');
  if (name.empty() || !text.contains('='))
    return makeError("--input-shape '{0}': expected NAME=D0xD1x... (e.g. image=1x3x224x224)",
                     text);
  InputShape shape{name.str(), {}};
  if (dims.empty())
    return shape; // a scalar
  llvm::SmallVector<llvm::StringRef, 6> parts;
  dims.split(parts, 'x');
  for (llvm::StringRef p : parts) {
    int64_t d = 0;
    if (p.getAsInteger(10, d) || d <= 0)
      return makeError("--input-shape '{0}': '{1}' is not a positive size", text, p);
    shape.dims.push_back(d);
  }
  return shape;
}

} // namespace vimq
