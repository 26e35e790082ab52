#include "OpImpl.h"
namespace vimq::interp::detail {
void registerLinalgOps(OpTable &) {}
}
