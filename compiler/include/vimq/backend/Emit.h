//===- Emit.h - assembling the .vimq bundle ------------------------------------------*- C++ -*-===//
#pragma once

#include "vimq/backend/DdrPlanner.h"
#include "vimq/backend/Program.h"
#include "vimq/backend/TargetInfo.h"

#include "vimq/isa/Bundle.h"

namespace vimq::backend {

/// The I/O descriptor of a planned input or output tensor.
isa::IoDesc ioDesc(const DdrPlan &plan, unsigned tensor, llvm::StringRef name, isa::DType dtype,
                   isa::HostFormat host, unsigned frac, llvm::ArrayRef<int64_t> shape);

/// A validated bundle: the scheduled program (ending with FINISH), the plan's buffer table, the
/// I/O descriptors and the metadata JSON. Fails (naming the instruction) if anything does not
/// pass isa::validateBundle — the backend never writes a bundle the runtime would refuse.
llvm::Expected<isa::Bundle> buildBundle(const TargetInfo &target, const Program &prog,
                                        const DdrPlan &plan, std::vector<isa::IoDesc> inputs,
                                        std::vector<isa::IoDesc> outputs, std::string metadata);

} // namespace vimq::backend
