// Shared constants of the gate fixtures: a constexpr name without the k prefix must count as a
// compile-time bound because it is declared constexpr in an include directory.
#pragma once

#include <stdint.h>

constexpr int tileRows = 4;

namespace cfg {
constexpr int64_t depth = 16;
} // namespace cfg

enum Lanes { LaneCount = 8 };
