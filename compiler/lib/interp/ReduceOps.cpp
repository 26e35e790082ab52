#include "OpImpl.h"
namespace vimq::interp::detail {
void registerReduceOps(OpTable &) {}
}
