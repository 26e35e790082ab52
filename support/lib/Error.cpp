#include "vimq/support/Error.h"

#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

namespace vimq {

llvm::Error withContext(llvm::Error err, const llvm::Twine &context) {
  if (!err)
    return err;
  std::string ctx = context.str();
  std::string msg = llvm::toString(std::move(err));
  return llvm::createStringError(llvm::inconvertibleErrorCode(), ctx + ": " + msg);
}

int reportError(llvm::StringRef tool, llvm::Error err) {
  llvm::handleAllErrors(std::move(err), [&](const llvm::ErrorInfoBase &e) {
    llvm::errs() << tool << ": error: " << e.message() << "\n";
  });
  return 1;
}

} // namespace vimq
