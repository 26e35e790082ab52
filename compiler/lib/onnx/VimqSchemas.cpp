//===- VimqSchemas.cpp - ONNX schemas for the ai.vimq scan ops --------------------------------===//
//
// Registering SelectiveScan and SSDScan with ONNX's schema registry gives the checker their
// arity and element types, and gives shape inference their rule (y has the type and shape of
// u / x) in the same single pass as every other node. Without a schema, each scan could only be
// typed after everything before it was, i.e. one whole-graph inference round per layer.
//
//===----------------------------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>

#include <mutex>

namespace vimq::onnximport {

namespace {

void outputLikeFirstInput(onnx::InferenceContext &ctx) {
  onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (onnx::hasInputShape(ctx, 0))
    onnx::propagateShapeFromInputToOutput(ctx, 0, 0);
}

void registerScan(const char *name, const char *doc,
                  std::initializer_list<std::pair<const char *, const char *>> inputs) {
  onnx::OpSchema s;
  s.SetName(name).SetDomain("ai.vimq").SinceVersion(1).SetDoc(doc);
  int i = 0;
  for (const auto &[in, what] : inputs)
    s.Input(i++, in, what, "T");
  s.Input(i, "Dskip", "skip connection weight", "T", onnx::OpSchema::Optional);
  s.Output(0, "y", "result, shaped like the first input", "T");
  s.TypeConstraint("T", {"tensor(float)", "tensor(float16)", "tensor(double)"},
                   "floating-point tensors");
  s.TypeAndShapeInferenceFunction(outputLikeFirstInput);
  onnx::OpSchemaRegistry::OpSchemaRegisterOnce once(s);
}

} // namespace

void registerVimqSchemas() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    onnx::OpSchemaRegistry::DomainToVersionRange::Instance().AddDomainToVersion("ai.vimq", 1, 1);
    registerScan("SelectiveScan", "Mamba-1 selective scan (docs/ir.md)",
                 {{"u", "[B,L,D]"}, {"delta", "[B,L,D]"}, {"A", "[D,N]"}, {"B", "[B,L,N]"},
                  {"C", "[B,L,N]"}});
    registerScan("SSDScan", "Mamba-2 SSD scan (docs/ir.md)",
                 {{"x", "[B,L,H,P]"}, {"dt", "[B,L,H]"}, {"A", "[H]"}, {"B", "[B,L,G,N]"},
                  {"C", "[B,L,G,N]"}});
  });
}

} // namespace vimq::onnximport
