// A C++ standard header is not available (-nostdinc++); a C header is.
#include <stdint.h>
#include <cstdint>

int32_t one() { return 1; }
