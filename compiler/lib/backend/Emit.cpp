//===- Emit.cpp - bundle assembly ------------------------------------------------------------===//
#include "vimq/backend/Emit.h"

#include "vimq/support/Error.h"

using namespace vimq;
using namespace vimq::backend;

llvm::Expected<isa::Bundle> backend::buildBundle(const TargetInfo &target, const Program &prog,
                                                 const DdrPlan &plan,
                                                 std::vector<isa::IoDesc> inputs,
                                                 std::vector<isa::IoDesc> outputs,
                                                 std::string metadata) {
  if (prog.instrs().empty() ||
      isa::opcodeOf(prog.instrs().back().in) != isa::Opcode::FINISH)
    return makeError("emit: the program is not scheduled (no FINISH)");
  if (target.name().size() > isa::kMaxTargetName)
    return makeError("emit: target name '{0}' is longer than {1} bytes", target.name(),
                     isa::kMaxTargetName);
  isa::Bundle b;
  b.fingerprint = target.fingerprint();
  b.target = target.name();
  b.code = prog.code();
  b.buffers = plan.bufferTable();
  b.inputs = std::move(inputs);
  b.outputs = std::move(outputs);
  b.metadata = std::move(metadata);
  if (llvm::Error e = isa::validateBundle(b))
    return makeError("emit: internal error, the bundle does not validate: {0}",
                     llvm::toString(std::move(e)));
  return b;
}
