#include "OpImpl.h"
namespace vimq::interp::detail {
void registerLiftedOps(OpTable &) {}
}
