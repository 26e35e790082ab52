//===- Version.cpp - the tools' version line ----------------------------------------------===//
#include "vimq/isa/Version.h"

#include "vimq/isa/Fields.h"

namespace vimq::isa {

void printVersion(llvm::raw_ostream &os) {
  os << "vimq " << VIMQ_VERSION << " (git " << VIMQ_GIT_REVISION << "), ISA v" << kIsaVersion
     << ", targets: " << VIMQ_TARGETS << "\n";
}

} // namespace vimq::isa
