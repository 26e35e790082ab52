//===- SimThreads.h - the simulator's worker pool (simulation only) -----------------*- C++ -*-===//
//
// The sim splits an engine call over independent outputs (channels of the selective scan, output
// columns of the linear, tokens of the quantizer) and runs the parts on a small pool created
// once. Every part computes its outputs with exact integer arithmetic, so the result does not
// depend on the number of threads or on the partition; tests compare 1 thread with several.
//
// Size: VIMQ_SIM_THREADS from the environment when set (1 = everything on the calling thread),
// else the hardware concurrency capped at 8; setSimThreads overrides both. Calls from inside a
// part (nested parallelism) and calls while another thread uses the pool run serially.
//
// Not part of the synthesised design: the HLS build never includes this header.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#ifndef __SYNTHESIS__

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <mutex>
#include <thread>
#include <vector>

namespace vimq::hw {

/// Which form of a sim fast path to take (tests pin each one down against the HLS loop).
/// Auto: the vector form when the CPU has it; Vector: only that (the call reports false
/// without it); Scalar: the portable form.
enum class SimPath { Auto, Scalar, Vector };

class SimPool {
public:
  static SimPool &get() {
    static SimPool pool(defaultThreads());
    return pool;
  }

  int threads() const { return nThreads; }

  /// Stops the workers and starts n - 1 new ones (n < 1 means 1). Not thread-safe with run().
  void setThreads(int n) {
    stop();
    start(n < 1 ? 1 : n);
  }

  /// Calls fn(begin, end) over a partition of [0, count) into at most threads() contiguous
  /// ranges of at least minChunk elements; the calling thread takes the first range.
  template <typename F> void parallelFor(int64_t count, int64_t minChunk, F &&fn) {
    int64_t parts = minChunk > 0 ? count / minChunk : count;
    if (parts > nThreads)
      parts = nThreads;
    if (parts <= 1 || inPart() || !busy.try_lock()) {
      if (count > 0)
        fn(int64_t(0), count);
      return;
    }
    std::lock_guard<std::mutex> owner(busy, std::adopt_lock);
    struct Ctx {
      F *fn;
      int64_t count, parts;
    } ctx{&fn, count, parts};
    void (*run)(void *, int) = [](void *c, int part) {
      Ctx &x = *static_cast<Ctx *>(c);
      const int64_t b = x.count * part / x.parts, e = x.count * (part + 1) / x.parts;
      (*x.fn)(b, e);
    };
    pending.store(int(parts) - 1, std::memory_order_relaxed);
    {
      // The job is published under the lock; a worker copies it under the same lock.
      std::lock_guard<std::mutex> l(m);
      job = run;
      jobCtx = &ctx;
      jobParts = int(parts);
      ++generation;
    }
    wake.notify_all();
    inPart() = true;
    run(&ctx, 0);
    inPart() = false;
    // Wait for the other parts: spin briefly (parts are short), then sleep.
    for (int spin = 0; pending.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin < 4000)
        continue;
      std::unique_lock<std::mutex> l(m);
      done.wait(l, [&] { return pending.load(std::memory_order_acquire) == 0; });
    }
  }

  ~SimPool() { stop(); }

private:
  explicit SimPool(int n) { start(n); }

  static constexpr int kMaxThreads = 256;

  static int defaultThreads() {
    if (const char *env = std::getenv("VIMQ_SIM_THREADS")) {
      // An integer in [1, kMaxThreads]; anything else is reported and the default used.
      char *end = nullptr;
      const long n = std::strtol(env, &end, 10);
      if (end != env && *end == 0 && n >= 1 && n <= kMaxThreads)
        return int(n);
      std::fprintf(stderr, "vimq: VIMQ_SIM_THREADS='%s' is not an integer in [1, %d]; using "
                           "the default\n", env, kMaxThreads);
    }
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : hc > 8 ? 8 : int(hc);
  }

  static bool &inPart() {
    thread_local bool flag = false;
    return flag;
  }

  void start(int n) {
    quit = false;
    // A new worker waits for the next job, not for one published before it started. When the
    // system refuses a thread, the pool runs with the ones it has (results do not depend on
    // the thread count).
    int started = 1;
    for (int w = 1; w < n; ++w) {
      try {
        workers.emplace_back([this, w, seen = generation] { workerLoop(w, seen); });
      } catch (const std::system_error &) {
        break;
      }
      ++started;
    }
    nThreads = started;
  }

  void stop() {
    {
      std::lock_guard<std::mutex> l(m);
      quit = true;
      ++generation;
    }
    wake.notify_all();
    for (std::thread &t : workers)
      t.join();
    workers.clear();
    nThreads = 1;
  }

  void workerLoop(int w, uint64_t seen) {
    inPart() = true;
    for (;;) {
      void (*run)(void *, int);
      void *ctx;
      int parts;
      {
        std::unique_lock<std::mutex> l(m);
        wake.wait(l, [&] { return generation != seen; });
        seen = generation;
        if (quit)
          return;
        run = job, ctx = jobCtx, parts = jobParts;
      }
      if (w < parts) {
        run(ctx, w);
        if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> l(m);
          done.notify_all();
        }
      }
    }
  }

  int nThreads = 1;
  std::vector<std::thread> workers;
  std::mutex busy; // held by the thread that owns the current job
  std::mutex m;
  std::condition_variable wake, done;
  uint64_t generation = 0;
  bool quit = false;
  void (*job)(void *, int) = nullptr;
  void *jobCtx = nullptr;
  int jobParts = 0;
  std::atomic<int> pending{0};
};

/// The number of threads the sim's engines use (>= 1).
inline int simThreads() { return SimPool::get().threads(); }

/// Sets the number of threads the sim's engines use (1 = serial). For tests and tools; not to
/// be called while an engine runs.
inline void setSimThreads(int n) { SimPool::get().setThreads(n); }

} // namespace vimq::hw

#endif // __SYNTHESIS__
