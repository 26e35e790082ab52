//===- Parallel.h - deterministic fork-join over an index range -----------------*- C++ -*-===//
//
// parallelFor splits [0, n) into one contiguous chunk per thread. Kernels use it only where
// every output element is computed by exactly one chunk with the same operation order as the
// serial loop, so results are bit-identical for any thread count (tests compare against the
// serial definition).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace vimq::interp::detail {

/// Worker threads for the interpreter's kernels: the hardware concurrency, at most 8.
unsigned interpThreads();

/// Threads one kernel may use now: interpThreads() shared among the Interpreter::run calls in
/// progress (calibration runs samples concurrently; each also splitting its kernels would put
/// several threads on every core and create threads for nothing).
unsigned kernelThreads();

/// Counts an Interpreter::run in progress for kernelThreads().
class ActiveRun {
public:
  ActiveRun();
  ~ActiveRun();
  ActiveRun(const ActiveRun &) = delete;
  ActiveRun &operator=(const ActiveRun &) = delete;
};

/// Calls body(begin, end) on disjoint chunks covering [0, n), each at least `minChunk` long
/// (except a short last one), on up to kernelThreads() threads. Chunk boundaries are
/// multiples of `align`.
template <typename Body>
void parallelFor(int64_t n, int64_t minChunk, Body &&body, int64_t align = 1) {
  int64_t threads = std::min<int64_t>(kernelThreads(), n / std::max<int64_t>(minChunk, 1));
  if (threads <= 1) {
    if (n > 0)
      body(int64_t(0), n);
    return;
  }
  int64_t chunk = (n + threads - 1) / threads;
  chunk = (chunk + align - 1) / align * align;
  std::vector<std::thread> pool;
  for (int64_t b = chunk; b < n; b += chunk)
    pool.emplace_back([&body, b, e = std::min(n, b + chunk)] { body(b, e); });
  body(int64_t(0), std::min(n, chunk)); // the calling thread takes the first chunk
  for (std::thread &t : pool)
    t.join();
}

} // namespace vimq::interp::detail
