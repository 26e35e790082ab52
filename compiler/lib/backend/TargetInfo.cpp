//===- TargetInfo.cpp -------------------------------------------------------------------------===//
#include "vimq/backend/TargetInfo.h"

using namespace vimq;
using namespace vimq::backend;

llvm::Expected<TargetInfo> TargetInfo::load(llvm::StringRef nameOrPath) {
  auto t = nameOrPath.endswith(".json") ? hw::Target::loadFile(nameOrPath)
                                        : hw::Target::loadByName(nameOrPath);
  if (!t)
    return t.takeError();
  return TargetInfo(std::move(*t));
}

int64_t TargetInfo::capacity(isa::Buf b) const {
  switch (b) {
  case isa::Buf::act:
    return T.param("act_buf_bytes");
  case isa::Buf::wgt:
    return T.param("wgt_buf_bytes");
  case isa::Buf::vec:
    return T.param("vec_buf_words");
  case isa::Buf::state:
    return T.param("state_buf_words");
  }
  return 0;
}
