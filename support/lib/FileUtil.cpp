#include "vimq/support/FileUtil.h"
#include "vimq/support/Error.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace vimq {

llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef contents) {
  llvm::SmallString<256> tmpl(path);
  tmpl += ".tmp-%%%%%%";
  int fd = -1;
  llvm::SmallString<256> tmpPath;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(tmpl, fd, tmpPath))
    return makeError("{0}: cannot create output file: {1}", path, ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << contents;
    os.flush();
    if (os.has_error()) {
      std::string msg = os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(tmpPath);
      return makeError("{0}: write failed: {1}", path, msg);
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmpPath, path)) {
    llvm::sys::fs::remove(tmpPath);
    return makeError("{0}: cannot rename output file: {1}", path, ec.message());
  }
  return llvm::Error::success();
}

} // namespace vimq
