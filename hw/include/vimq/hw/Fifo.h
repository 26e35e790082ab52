//===- Fifo.h - bounded FIFO (the C++ model of hls::stream with a depth) ------------*- C++ -*-===//
//
// A real hls::stream blocks its producer when full. The simulator's scheduler never blocks a
// thread: a producer asks `full()` first and, if so, stays waiting (and the scheduler detects
// when every unit waits: a deadlock an unbounded queue would have hidden). Pushing into a full
// FIFO or popping an empty one is a scheduler bug, caught by the return value.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace vimq::hw {

template <typename T, unsigned Depth> class BoundedFifo {
  static_assert(Depth > 0, "a FIFO holds at least one element");

public:
  bool empty() const { return count == 0; }
  bool full() const { return count == Depth; }
  unsigned size() const { return count; }
  static constexpr unsigned capacity() { return Depth; }

  /// False (and no effect) when full.
  bool push(const T &v) {
    if (full())
      return false;
    slots[(head + count) % Depth] = v;
    ++count;
    return true;
  }
  /// False (and no effect) when empty.
  bool pop(T &out) {
    if (empty())
      return false;
    out = slots[head];
    head = (head + 1) % Depth;
    --count;
    return true;
  }
  const T &front() const { return slots[head]; }

private:
  T slots[Depth] = {};
  unsigned head = 0, count = 0;
};

} // namespace vimq::hw
