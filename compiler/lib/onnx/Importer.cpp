//===- Importer.cpp - ONNX model -> graph IR -------------------------------------------------===//
//
// The steps, each of which names the file and the culprit in its errors:
//   1. parse (missing file, not a protobuf, truncated/garbage model);
//   2. resolve external data (ExternalData.cpp) — before the checker, which then sees plain
//      tensors;
//   3. structural checks of our own: domains, defined inputs, a cycle-free topological order
//      (the checker demands a sorted file; we sort instead of rejecting);
//   4. onnx::checker and onnx shape inference in strict mode (shape mismatches such as MatMul
//      with incompatible dims are errors naming the node); ai.vimq nodes get their types from
//      the schemas registered in VimqSchemas.cpp — "y has the type of input 0", both scans
//      preserve the shape of u / x — not from their model-local function (see
//      inferShapesWithoutFunctions); the same rule is applied by hand for a model that imports
//      an ai.vimq opset version without a schema;
//   5. conversion: every result type must be static.
// Ops the interpreter cannot evaluate are not rejected here: a lifting pass may still remove
// them. The frontend's final `check-supported` pass rejects whatever is left (docs/importer.md).
//
//===----------------------------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "vimq/interp/Interpreter.h"
#include "vimq/onnx/Importer.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <limits>
#include <queue>

namespace vimq {

using namespace onnximport;

namespace {

constexpr int64_t kTargetOpset = 17;
constexpr llvm::StringLiteral kVimqDomain = "ai.vimq";
/// Initializers up to this size may feed import-time shape folding (shape vectors, tokens);
/// large weights never do, so they are not decoded twice.
constexpr int64_t kMaxFoldElems = int64_t(1) << 16;
/// Typed values this small may be shape vectors; they are folded so inference can read them.
constexpr int64_t kMaxShapeElems = 16;

bool isStandardDomain(llvm::StringRef d) { return d.empty() || d == "ai.onnx"; }
bool isVimqScan(llvm::StringRef opType) {
  return opType == "SelectiveScan" || opType == "SSDScan";
}

/// Strict shape inference: node-level errors (e.g. MatMul with incompatible dims) throw. Data
/// propagation is needed: torch leaves e.g. `flatten(2)` as a Shape/Slice/Concat/Reshape chain
/// with no output shape.
onnx::ShapeInferenceOptions inferOptions() {
  return {/*check_type=*/true, /*error_mode=*/1, /*enable_data_propagation=*/true};
}

/// ONNX 1.12's shape inference of the convolution and pooling ops reads `pads`, `strides`,
/// `dilations` and `kernel_shape` without checking their lengths (a one-element `pads` on a
/// 2-D Conv is an out-of-bounds read, found by fuzzing), and the checker does not check them
/// either: they are checked here first, in every graph shape inference visits.
llvm::Error checkConvPoolAttributes(const onnx::GraphProto &g) {
  static const char *const kOps[] = {"Conv",       "ConvTranspose", "ConvInteger",
                                     "QLinearConv", "MaxPool",       "AveragePool",
                                     "LpPool",      "MaxUnpool"};
  llvm::StringMap<int64_t> initRank;
  for (const onnx::TensorProto &t : g.initializer())
    initRank[t.name()] = t.dims_size();
  for (const onnx::NodeProto &n : g.node()) {
    for (const onnx::AttributeProto &a : n.attribute()) {
      if (a.has_g())
        if (llvm::Error e = checkConvPoolAttributes(a.g()))
          return e;
      for (const onnx::GraphProto &sub : a.graphs())
        if (llvm::Error e = checkConvPoolAttributes(sub))
          return e;
    }
    if ((!n.domain().empty() && n.domain() != "ai.onnx") ||
        llvm::find(kOps, llvm::StringRef(n.op_type())) == std::end(kOps))
      continue;
    int64_t spatial = -1;
    for (const onnx::AttributeProto &a : n.attribute())
      if (a.name() == "kernel_shape")
        spatial = a.ints_size();
    const int wi = n.op_type() == "QLinearConv" ? 3 : 1;
    if (spatial < 0 && n.input_size() > wi && initRank.count(n.input(wi)) &&
        initRank[n.input(wi)] >= 2 && !llvm::StringRef(n.op_type()).endswith("Pool"))
      spatial = initRank[n.input(wi)] - 2;
    for (const onnx::AttributeProto &a : n.attribute()) {
      const llvm::StringRef name = a.name();
      int64_t want = -1;
      if (name == "pads")
        want = spatial >= 0 ? 2 * spatial : -1;
      else if (name == "strides" || name == "dilations" || name == "output_padding" ||
               name == "output_shape" || name == "kernel_shape")
        want = spatial;
      else
        continue;
      if ((want >= 0 && a.ints_size() != want) || (name == "pads" && a.ints_size() % 2))
        return makeError("node '{0}' ({1}): attribute '{2}' has {3} values, expected {4}",
                         n.name(), n.op_type(), name, a.ints_size(),
                         want >= 0 ? std::to_string(want) : std::string("an even number"));
    }
  }
  return llvm::Error::success();
}

/// Runs shape inference without the model-local functions. ONNX 1.12's data propagation fails
/// ("Data for input 0 already exists") once the same function is inferred twice, and the
/// function bodies (Scans) say nothing the rule "y has the type of input 0" does not.
void inferShapesWithoutFunctions(onnx::ModelProto &m) {
  google::protobuf::RepeatedPtrField<onnx::FunctionProto> functions;
  functions.Swap(m.mutable_functions());
  try {
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), inferOptions());
  } catch (...) {
    functions.Swap(m.mutable_functions());
    throw;
  }
  functions.Swap(m.mutable_functions());
}

class OnnxImporter {
public:
  OnnxImporter(llvm::StringRef path, const ImportOptions &opts) : path_(path), opts_(opts) {}
  llvm::Expected<std::unique_ptr<ir::Graph>> run();
  /// The largest value an op may produce (4 GiB: Mamba2-2.7B's embedding table is 0.5 GB, its
  /// logits at 2048 tokens 0.4 GB).
  static constexpr uint64_t kMaxValueBytes = uint64_t(4) << 30;
  static llvm::Error checkTensorSizes(const ir::Graph &g);

private:
  llvm::Error parse();
  llvm::Error resolveAllExternalData();
  llvm::Error checkDomainsAndOpsets();
  llvm::Error sortNodes();
  llvm::Error checkAndInferShapes();
  llvm::Error inferVimqShapes();
  llvm::Expected<bool> foldShapeComputations();
  llvm::Expected<std::optional<Tensor>> evaluateNode(int sortedIdx);
  bool inferNodeLocally(int sortedIdx, llvm::StringMap<int> &infoIndex);
  const Tensor *knownConstant(llvm::StringRef name);
  bool isStatic(llvm::StringRef value) const;
  llvm::Expected<std::unique_ptr<ir::Graph>> convert();

  /// "node 'n' (op type 'T', domain 'd', node #i)" with i the position in the file.
  std::string describeNode(int sortedIdx) const;
  llvm::Expected<ir::TensorType> typeOf(llvm::StringRef value) const;
  llvm::Error convertAttribute(const onnx::AttributeProto &a, ir::Op &op, int sortedIdx);
  llvm::Expected<Tensor> constantNodeValue(const onnx::NodeProto &n, int sortedIdx);
  void collectTypes();

  std::string path_;
  ImportOptions opts_;
  onnx::ModelProto model_;
  /// Position in the file of each node of the (sorted) graph.
  std::vector<int> fileIndex_;
  llvm::StringMap<const onnx::TypeProto *> types_;
  /// Constant values seen by foldShapeComputations (initializers, Constant nodes), by name.
  llvm::StringMap<Tensor> constants_;
};

} // namespace

llvm::Error OnnxImporter::parse() {
  auto buf = llvm::MemoryBuffer::getFile(path_, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot open '{0}': {1}", path_, buf.getError().message());
  size_t size = (*buf)->getBufferSize();
  if (size > size_t(std::numeric_limits<int>::max()))
    return makeError("'{0}' is larger than 2 GB; weights must be stored as external data",
                     path_);
  if (!model_.ParseFromArray((*buf)->getBufferStart(), int(size)))
    return makeError("'{0}' is not an ONNX model (protobuf parse failed: not a model file, "
                     "or truncated)",
                     path_);
  // A truncated or foreign file can still parse as a protobuf; a real model has all of these.
  if (model_.ir_version() <= 0 || !model_.has_graph() || model_.opset_import_size() == 0)
    return makeError("'{0}' is not an ONNX model or is truncated (missing {1})", path_,
                     model_.ir_version() <= 0 ? "ir_version"
                     : !model_.has_graph()    ? "graph"
                                              : "opset_import");
  if (model_.graph().output_size() == 0)
    return makeError("'{0}': graph has no outputs (truncated file?)", path_);
  return llvm::Error::success();
}

llvm::Error OnnxImporter::resolveAllExternalData() {
  llvm::SmallString<256> dir(path_);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  onnx::GraphProto *g = model_.mutable_graph();
  for (onnx::TensorProto &t : *g->mutable_initializer())
    if (llvm::Error e = resolveExternalData(t, dir))
      return e;
  for (onnx::NodeProto &n : *g->mutable_node())
    for (onnx::AttributeProto &a : *n.mutable_attribute())
      if (a.has_t())
        if (llvm::Error e = resolveExternalData(*a.mutable_t(), dir))
          return e;
  return llvm::Error::success();
}

std::string OnnxImporter::describeNode(int sortedIdx) const {
  const onnx::NodeProto &n = model_.graph().node(sortedIdx);
  int idx = fileIndex_.empty() ? sortedIdx : fileIndex_[size_t(sortedIdx)];
  return llvm::formatv("node '{0}' (op type '{1}', domain '{2}', node #{3})", n.name(),
                       n.op_type(), n.domain().empty() ? "ai.onnx" : n.domain(), idx)
      .str();
}

llvm::Error OnnxImporter::checkDomainsAndOpsets() {
  int64_t opset = -1;
  for (const auto &o : model_.opset_import())
    if (isStandardDomain(o.domain()))
      opset = o.version();
  if (opset < 0)
    return makeError("model imports no opset of the standard ONNX domain");
  if (opset > kTargetOpset)
    return makeError("model uses opset {0}; vimq implements opset {1}", opset, kTargetOpset);
  for (int i = 0, e = model_.graph().node_size(); i < e; ++i) {
    const onnx::NodeProto &n = model_.graph().node(i);
    if (n.domain() == kVimqDomain) {
      if (!isVimqScan(n.op_type()))
        return makeError("{0}: unknown op of domain ai.vimq (only SelectiveScan and SSDScan "
                         "exist)",
                         describeNode(i));
      continue;
    }
    if (!isStandardDomain(n.domain()))
      return makeError("{0}: unsupported domain (only the standard ONNX domain and ai.vimq "
                       "are accepted)",
                       describeNode(i));
    // The interpreter implements opset 17. An older model is fine as long as each op it uses
    // means the same in both opsets (OpsetCompat.cpp); otherwise its meaning would silently
    // change.
    if (opset == kTargetOpset)
      continue;
    if (std::optional<int> v = firstIncompatibleVersion(n.op_type(), opset, kTargetOpset))
      return makeError("{0}: the opset {1} definition of {2} differs from opset {3}'s (changed "
                       "in opset {4}); re-export the model with opset {3}",
                       describeNode(i), opset, n.op_type(), kTargetOpset, *v);
  }
  return llvm::Error::success();
}

llvm::Error OnnxImporter::sortNodes() {
  onnx::GraphProto *g = model_.mutable_graph();
  int numNodes = g->node_size();
  llvm::StringSet<> available;
  for (const auto &v : g->input())
    available.insert(v.name());
  for (const auto &t : g->initializer())
    available.insert(t.name());
  llvm::StringMap<int> producer;
  for (int i = 0; i < numNodes; ++i)
    for (const std::string &out : g->node(i).output()) {
      if (out.empty())
        continue;
      if (available.count(out) || !producer.try_emplace(out, i).second)
        return makeError("{0}: output '{1}' is defined more than once", describeNode(i), out);
    }
  // Kahn's algorithm; ready nodes leave in file order so that sorted files are unchanged.
  std::vector<llvm::SmallVector<int, 2>> consumers(static_cast<size_t>(numNodes));
  std::vector<int> pending(static_cast<size_t>(numNodes), 0);
  for (int i = 0; i < numNodes; ++i) {
    llvm::SmallVector<int, 4> preds;
    for (const std::string &in : g->node(i).input()) {
      if (in.empty() || available.count(in))
        continue;
      auto it = producer.find(in);
      if (it == producer.end())
        return makeError("{0}: input '{1}' is not defined by any initializer, graph input or "
                         "node",
                         describeNode(i), in);
      if (!llvm::is_contained(preds, it->second))
        preds.push_back(it->second);
    }
    pending[size_t(i)] = int(preds.size());
    for (int p : preds)
      consumers[size_t(p)].push_back(i);
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[size_t(i)] == 0)
      ready.push(i);
  std::vector<int> order;
  order.reserve(size_t(numNodes));
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[size_t(i)])
      if (--pending[size_t(c)] == 0)
        ready.push(c);
  }
  if (int(order.size()) != numNodes) {
    for (int i = 0; i < numNodes; ++i)
      if (pending[size_t(i)] != 0)
        return makeError("graph has a cycle through {0}", describeNode(i));
  }
  for (const auto &out : g->output())
    if (!available.count(out.name()) && !producer.count(out.name()))
      return makeError("graph output '{0}' is not defined by any node", out.name());

  bool sorted = llvm::is_sorted(order);
  fileIndex_ = order;
  if (!sorted) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (int i : order)
      *nodes.Add() = g->node(i);
    g->mutable_node()->Swap(&nodes);
  }
  return llvm::Error::success();
}

void OnnxImporter::collectTypes() {
  types_.clear();
  const onnx::GraphProto &g = model_.graph();
  for (const auto &v : g.input())
    types_[v.name()] = &v.type();
  for (const auto &v : g.value_info())
    types_[v.name()] = &v.type();
  for (const auto &v : g.output())
    types_[v.name()] = &v.type();
}

llvm::Error OnnxImporter::inferVimqShapes() {
  // Without a model-local function ONNX cannot type an ai.vimq node, and everything downstream
  // stays untyped. Give each such output the type of input 0 (the scans preserve u's/x's
  // shape) and infer again; each round types at least one more scan.
  for (;;) {
    collectTypes();
    bool added = false;
    llvm::StringMap<int> infoIndex;
    for (int i = 0, e = model_.graph().value_info_size(); i < e; ++i)
      infoIndex[model_.graph().value_info(i).name()] = i;
    for (const onnx::NodeProto &n : model_.graph().node()) {
      // Exporters may also give the output symbolic dims; the rule replaces those too.
      if (n.domain() != kVimqDomain || n.output_size() < 1 || n.input_size() < 1 ||
          isStatic(n.output(0)) || !isStatic(n.input(0)))
        continue;
      onnx::TypeProto type = *types_.lookup(n.input(0));
      auto it = infoIndex.find(n.output(0));
      onnx::ValueInfoProto *vi = it != infoIndex.end()
                                     ? model_.mutable_graph()->mutable_value_info(it->second)
                                     : model_.mutable_graph()->add_value_info();
      vi->set_name(n.output(0));
      *vi->mutable_type() = std::move(type);
      added = true;
    }
    if (!added)
      return llvm::Error::success();
    inferShapesWithoutFunctions(model_);
  }
}

bool OnnxImporter::isStatic(llvm::StringRef value) const {
  auto it = types_.find(value);
  if (it == types_.end() || !it->second->has_tensor_type() ||
      !it->second->tensor_type().has_shape())
    return false;
  for (const auto &d : it->second->tensor_type().shape().dim())
    if (!d.has_dim_value())
      return false;
  return true;
}

const Tensor *OnnxImporter::knownConstant(llvm::StringRef name) {
  auto it = constants_.find(name);
  return it == constants_.end() ? nullptr : &it->second;
}

llvm::Expected<std::optional<Tensor>> OnnxImporter::evaluateNode(int sortedIdx) {
  const onnx::NodeProto &n = model_.graph().node(sortedIdx);
  if (!isStandardDomain(n.domain()) || n.output_size() != 1)
    return std::nullopt;
  if (n.op_type() == "Shape") {
    if (!isStatic(n.input(0)))
      return std::nullopt;
    const auto &dims = types_.lookup(n.input(0))->tensor_type().shape().dim();
    int64_t r = dims.size(), start = 0, end = r;
    for (const auto &a : n.attribute()) {
      if (a.name() == "start")
        start = a.i();
      else if (a.name() == "end")
        end = a.i();
    }
    auto clampIdx = [&](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + r : i, 0, r); };
    std::vector<int64_t> shape;
    for (int64_t i = clampIdx(start), e = clampIdx(end); i < e; ++i)
      shape.push_back(dims[int(i)].dim_value());
    return Tensor::fromVector<int64_t>({int64_t(shape.size())}, shape);
  }
  std::string kind = "onnx." + n.op_type();
  if (!interp::canEvaluate(kind))
    return std::nullopt;
  // A one-op scratch graph gives the interpreter the op (attributes) it evaluates.
  ir::Graph scratch;
  llvm::SmallVector<ir::Value *, 4> operands;
  llvm::SmallVector<const Tensor *, 4> inputs;
  for (const std::string &in : n.input()) {
    if (in.empty()) {
      operands.push_back(nullptr);
      inputs.push_back(nullptr);
      continue;
    }
    const Tensor *t = knownConstant(in);
    if (!t)
      return std::nullopt;
    operands.push_back(scratch.addConstant(in, *t));
    inputs.push_back(t);
  }
  ir::Op *op = scratch.createOp(kind, n.name(), operands, {ir::TensorType{}});
  for (const onnx::AttributeProto &a : n.attribute())
    if (llvm::Error e = convertAttribute(a, *op, sortedIdx))
      return e;
  auto r = interp::evaluateOp(*op, inputs);
  if (!r)
    return r.takeError();
  return std::move((*r)[0]);
}

bool OnnxImporter::inferNodeLocally(int sortedIdx, llvm::StringMap<int> &infoIndex) {
  // A folded shape only reaches the next node after a whole-graph inference round; inferring
  // this one node on its own (static inputs, known constants as initializers) lets the same
  // sweep continue downstream, so a model needs two rounds instead of one per layer.
  const onnx::NodeProto &n = model_.graph().node(sortedIdx);
  if (llvm::all_of(n.output(), [&](const std::string &o) { return o.empty() || isStatic(o); }))
    return false;
  onnx::ModelProto mini;
  mini.set_ir_version(model_.ir_version());
  *mini.mutable_opset_import() = model_.opset_import();
  onnx::GraphProto *g = mini.mutable_graph();
  *g->add_node() = n;
  llvm::StringSet<> seen;
  for (const std::string &in : n.input()) {
    if (in.empty() || !seen.insert(in).second)
      continue;
    if (const Tensor *t = knownConstant(in))
      *g->add_initializer() = tensorToProto(*t, in);
    else if (isStatic(in)) {
      onnx::ValueInfoProto *vi = g->add_input();
      vi->set_name(in);
      *vi->mutable_type() = *types_.lookup(in);
    } else {
      return false;
    }
  }
  onnx::shape_inference::InferShapes(mini, onnx::OpSchemaRegistry::Instance(), inferOptions());
  bool added = false;
  for (const onnx::ValueInfoProto &out : mini.graph().value_info()) {
    const auto &tt = out.type().tensor_type();
    if (isStatic(out.name()) || !tt.has_shape() ||
        llvm::any_of(tt.shape().dim(), [](const auto &d) { return !d.has_dim_value(); }))
      continue;
    onnx::GraphProto *mg = model_.mutable_graph();
    auto it = infoIndex.find(out.name());
    onnx::ValueInfoProto *vi = it != infoIndex.end() ? mg->mutable_value_info(it->second)
                                                     : mg->add_value_info();
    if (it == infoIndex.end())
      infoIndex[out.name()] = mg->value_info_size() - 1;
    *vi = out;
    types_[out.name()] = &vi->type();
    added = true;
  }
  return added;
}

llvm::Expected<bool> OnnxImporter::foldShapeComputations() {
  // torch computes some shapes in-graph (Shape -> Slice/Gather -> Concat -> Reshape/Expand,
  // ConstantOfShape/Equal/Where) that ONNX's data propagation cannot follow. Evaluating the
  // untyped nodes whose inputs are known constants and turning them into Constant nodes lets
  // the next inference round see static shapes.
  onnx::GraphProto *g = model_.mutable_graph();
  if (constants_.empty())
    for (const onnx::TensorProto &t : g->initializer())
      // Negative or overflowing dims are left to tensorFromProto's error on conversion.
      if (std::optional<int64_t> numel = checkedNumElements(
              llvm::SmallVector<int64_t, 4>(t.dims().begin(), t.dims().end()));
          numel && *numel <= kMaxFoldElems) {
        auto v = tensorFromProto(t, "initializer '" + t.name() + "'");
        if (!v)
          return v.takeError();
        constants_[t.name()] = std::move(*v);
      }
  bool changed = false;
  llvm::StringMap<int> infoIndex;
  for (int i = 0, e = g->value_info_size(); i < e; ++i)
    infoIndex[g->value_info(i).name()] = i;
  for (int i = 0, e = g->node_size(); i < e; ++i) {
    onnx::NodeProto &n = *g->mutable_node(i);
    if (isStandardDomain(n.domain()) && n.op_type() == "Constant") {
      if (n.output_size() == 1 && !constants_.count(n.output(0))) {
        auto v = constantNodeValue(n, i);
        if (!v)
          return v.takeError();
        constants_[n.output(0)] = std::move(*v);
      }
      continue;
    }
    // Typed outputs need no help unless they are small values a later shape may depend on.
    bool needed = false;
    for (const std::string &o : n.output()) {
      if (!isStatic(o)) {
        needed = true;
        continue;
      }
      llvm::SmallVector<int64_t, 4> dims;
      for (const auto &d : types_.lookup(o)->tensor_type().shape().dim())
        dims.push_back(d.dim_value());
      if (llvm::any_of(dims, [](int64_t d) { return d < 0; })) {
        needed = true; // typeOf() reports the bad dimension
        continue;
      }
      std::optional<int64_t> numel = checkedNumElements(dims);
      if (!numel)
        return makeError("{0}: output '{1}' of shape {2} has more elements than int64 holds",
                         describeNode(i), o, shapeStr(dims));
      needed |= *numel <= kMaxShapeElems;
    }
    if (!needed)
      continue;
    auto folded = evaluateNode(i);
    if (!folded)
      return folded.takeError();
    if (!*folded) {
      changed |= inferNodeLocally(i, infoIndex);
      continue;
    }
    onnx::NodeProto c;
    c.set_name(n.name());
    c.set_op_type("Constant");
    c.add_output(n.output(0));
    onnx::AttributeProto *a = c.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = tensorToProto(**folded, n.output(0));
    constants_[n.output(0)] = std::move(**folded);
    n = std::move(c);
    changed = true;
  }
  return changed;
}

llvm::Error OnnxImporter::checkAndInferShapes() {
  try {
    if (opts_.check)
      onnx::checker::check_model(model_);
  } catch (const std::exception &e) {
    return makeError("ONNX checker: {0}", oneLine(e.what()));
  }
  if (llvm::Error e = checkConvPoolAttributes(model_.graph()))
    return e;
  try {
    inferShapesWithoutFunctions(model_);
    // Each round types more values: scans get their rule, shape chains get folded, and the
    // next inference propagates both. Real exports need two or three rounds.
    for (;;) {
      if (llvm::Error e = inferVimqShapes())
        return e;
      auto folded = foldShapeComputations();
      if (!folded)
        return folded.takeError();
      if (!*folded)
        break;
      inferShapesWithoutFunctions(model_);
    }
  } catch (const std::exception &e) {
    return makeError("shape inference: {0}", oneLine(e.what()));
  }
  collectTypes();
  return llvm::Error::success();
}

llvm::Expected<ir::TensorType> OnnxImporter::typeOf(llvm::StringRef value) const {
  auto it = types_.find(value);
  if (it == types_.end() || !it->second->has_tensor_type())
    return makeError("value '{0}' has no tensor type after shape inference", value);
  const onnx::TypeProto_Tensor &tt = it->second->tensor_type();
  std::optional<DType> dt = dtypeFromOnnx(tt.elem_type());
  if (!dt)
    return makeError("value '{0}' has element type {1}, which vimq does not support", value,
                     onnxTypeName(tt.elem_type()));
  if (!tt.has_shape())
    return makeError("value '{0}' has an unknown rank after shape inference; vimq needs "
                     "static shapes",
                     value);
  ir::TensorType ty;
  ty.dtype = *dt;
  for (int i = 0, e = tt.shape().dim_size(); i < e; ++i) {
    const auto &d = tt.shape().dim(i);
    if (!d.has_dim_value() || d.dim_value() < 0)
      return makeError("value '{0}' has a dynamic dimension {1} '{2}' after shape inference; "
                       "vimq needs static shapes (export with fixed sizes, or pin the model's inputs "
                       "with --input-shape NAME=D0xD1x...)",
                       value, i, d.has_dim_param() ? d.dim_param() : "?");
    ty.shape.push_back(d.dim_value());
  }
  if (!checkedNumElements(ty.shape))
    return makeError("value '{0}' of shape {1} has more elements than int64 holds", value,
                     shapeStr(ty.shape));
  return ty;
}

llvm::Expected<Tensor> OnnxImporter::constantNodeValue(const onnx::NodeProto &n,
                                                       int sortedIdx) {
  if (n.attribute_size() != 1)
    return makeError("{0}: a Constant needs exactly one value attribute", describeNode(sortedIdx));
  const onnx::AttributeProto &a = n.attribute(0);
  std::string what = describeNode(sortedIdx);
  if (a.name() == "value")
    return tensorFromProto(a.t(), what);
  if (a.name() == "value_float")
    return Tensor::scalar<float>(a.f());
  if (a.name() == "value_int")
    return Tensor::scalar<int64_t>(a.i());
  if (a.name() == "value_floats") {
    std::vector<float> v(a.floats().begin(), a.floats().end());
    return Tensor::fromVector<float>({int64_t(v.size())}, v);
  }
  if (a.name() == "value_ints") {
    std::vector<int64_t> v(a.ints().begin(), a.ints().end());
    return Tensor::fromVector<int64_t>({int64_t(v.size())}, v);
  }
  return makeError("{0}: Constant attribute '{1}' is not supported", what, a.name());
}

llvm::Error OnnxImporter::convertAttribute(const onnx::AttributeProto &a, ir::Op &op,
                                           int sortedIdx) {
  using AP = onnx::AttributeProto;
  switch (a.type()) {
  case AP::FLOAT: op.setAttr(a.name(), double(a.f())); return llvm::Error::success();
  case AP::INT: op.setAttr(a.name(), int64_t(a.i())); return llvm::Error::success();
  case AP::STRING: op.setAttr(a.name(), a.s()); return llvm::Error::success();
  case AP::FLOATS:
    op.setAttr(a.name(), std::vector<double>(a.floats().begin(), a.floats().end()));
    return llvm::Error::success();
  case AP::INTS:
    op.setAttr(a.name(), std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    return llvm::Error::success();
  case AP::STRINGS:
    op.setAttr(a.name(), std::vector<std::string>(a.strings().begin(), a.strings().end()));
    return llvm::Error::success();
  case AP::TENSOR: {
    auto t = tensorFromProto(a.t(), describeNode(sortedIdx) + " attribute '" + a.name() + "'");
    if (!t)
      return t.takeError();
    op.setAttr(a.name(), std::move(*t));
    return llvm::Error::success();
  }
  default:
    // Subgraphs (If/Loop/Scan bodies), sparse tensors and type protos have no IR form.
    return makeError("{0}: attribute '{1}' of type {2} is not supported (control flow and "
                     "subgraphs are not)",
                     describeNode(sortedIdx), a.name(), AP::AttributeType_Name(a.type()));
  }
}

llvm::Expected<std::unique_ptr<ir::Graph>> OnnxImporter::convert() {
  const onnx::GraphProto &gp = model_.graph();
  auto g = std::make_unique<ir::Graph>();
  g->name = gp.name();

  llvm::StringSet<> initNames;
  for (const onnx::TensorProto &t : gp.initializer())
    initNames.insert(t.name());
  // Graph inputs that also have an initializer (IR < 4 style defaults) become constants.
  for (const onnx::ValueInfoProto &in : gp.input()) {
    if (initNames.count(in.name()))
      continue;
    auto ty = typeOf(in.name());
    if (!ty)
      return ty.takeError();
    g->addInput(in.name(), std::move(*ty));
  }
  // Each initializer's bytes are released as soon as they are copied, so the peak memory is
  // one copy of the weights plus the largest tensor, not two copies (matters above 2 GB).
  for (onnx::TensorProto &t : *model_.mutable_graph()->mutable_initializer()) {
    auto tensor = tensorFromProto(t, "initializer '" + t.name() + "'");
    if (!tensor)
      return tensor.takeError();
    g->addConstant(t.name(), std::move(*tensor));
    std::string().swap(*t.mutable_raw_data());
    t.clear_float_data();
  }

  for (int i = 0, e = gp.node_size(); i < e; ++i) {
    const onnx::NodeProto &n = gp.node(i);
    if (isStandardDomain(n.domain()) && n.op_type() == "Constant") {
      auto t = constantNodeValue(n, i);
      if (!t)
        return t.takeError();
      if (n.output_size() != 1)
        return makeError("{0}: a Constant has exactly one output", describeNode(i));
      g->addConstant(n.output(0), std::move(*t));
      continue;
    }
    llvm::SmallVector<ir::Value *, 4> operands;
    for (const std::string &in : n.input()) {
      if (in.empty()) {
        operands.push_back(nullptr);
        continue;
      }
      ir::Value *v = g->lookup(in);
      if (!v)
        return makeError("{0}: input '{1}' is undefined", describeNode(i), in);
      operands.push_back(v);
    }
    // Omitted trailing optional outputs ("") are dropped; an omitted output followed by a
    // used one has no type to give it.
    int numOut = n.output_size();
    while (numOut > 0 && n.output(numOut - 1).empty())
      --numOut;
    llvm::SmallVector<ir::TensorType, 2> types;
    std::vector<std::string> names;
    for (int o = 0; o < numOut; ++o) {
      if (n.output(o).empty())
        return makeError("{0}: omitted output #{1} before a used one is not supported",
                         describeNode(i), o);
      auto ty = typeOf(n.output(o));
      if (!ty)
        return withContext(ty.takeError(), describeNode(i));
      types.push_back(std::move(*ty));
      names.push_back(n.output(o));
    }
    std::string kind = (n.domain() == kVimqDomain ? "vimq." : "onnx.") + n.op_type();
    std::string name = n.name().empty() ? n.op_type() + "_" + std::to_string(fileIndex_[size_t(i)])
                                        : n.name();
    ir::Op *op = g->createOp(kind, name, operands, types, nullptr, names);
    for (const onnx::AttributeProto &a : n.attribute())
      if (llvm::Error err = convertAttribute(a, *op, i))
        return err;
  }

  for (const onnx::ValueInfoProto &out : gp.output()) {
    ir::Value *v = g->lookup(out.name());
    if (!v)
      return makeError("graph output '{0}' is undefined", out.name());
    g->addOutput(v);
  }
  return g;
}

llvm::Expected<std::unique_ptr<ir::Graph>> OnnxImporter::run() {
  registerVimqSchemas();
  if (llvm::Error e = parse())
    return e;
  // From here on the file is a model; every message is prefixed with its path.
  auto inFile = [&](llvm::Error e) { return withContext(std::move(e), path_); };
  if (llvm::Error e = resolveAllExternalData())
    return inFile(std::move(e));
  if (llvm::Error e = pinInputShapes(model_, opts_.inputShapes))
    return inFile(std::move(e));
  if (llvm::Error e = checkDomainsAndOpsets())
    return inFile(std::move(e));
  if (llvm::Error e = sortNodes())
    return inFile(std::move(e));
  if (llvm::Error e = checkAndInferShapes())
    return inFile(std::move(e));
  auto g = convert();
  if (!g)
    return inFile(g.takeError());
  if (llvm::Error e = checkTensorSizes(**g))
    return inFile(std::move(e));
  return g;
}

/// Every value the interpreter and the compiler may materialise (activations during
/// calibration, folded constants) must fit in memory: a huge dimension in an otherwise valid
/// model is an error naming the node, not an allocation failure deep inside a pass.
llvm::Error OnnxImporter::checkTensorSizes(const ir::Graph &g) {
  for (const auto &op : g.ops())
    for (const ir::Value *v : op->results()) {
      const uint64_t bytes = uint64_t(v->type().numel()) * dtypeSize(v->dtype());
      if (v->type().numel() < 0 || bytes > kMaxValueBytes)
        return makeError("{0}: its result '{1}' ({2}) needs {3} GiB, more than the {4} GiB a "
                         "value may take",
                         op->describe(), v->name(), v->type().str(), bytes >> 30,
                         kMaxValueBytes >> 30);
    }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<ir::Graph>> importOnnxFile(llvm::StringRef path,
                                                          const ImportOptions &opts) {
  return OnnxImporter(path, opts).run();
}

} // namespace vimq
