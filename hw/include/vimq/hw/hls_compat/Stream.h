//===- Stream.h - hls::stream for g++/clang when Vitis HLS is absent ----------------*- C++ -*-===//
//
// The subset of Vitis HLS's hls::stream<T, Depth> that the overlay's synthesizable code may use
// (the contract is in vimq/hw/Hls.h). Include Hls.h, never this file.
//
// A fixed-capacity ring buffer of Depth slots inside the object: no heap, freestanding (no
// std::). Vitis's C simulation grows an unbounded queue when Depth is 0 (the default); this one
// holds kDefaultDepth elements then, so a design that relies on more buffering than it declares
// shows up in the simulator instead of only on the board.
//
// A real stream blocks a reader on empty and a writer on full. The C++ harness never blocks: it
// checks empty()/full() first. Reading an empty stream or writing a full one is therefore a
// caller bug; it does not crash: the read returns T() and the write is dropped, and a sticky
// flag (underflowed()/overflowed(), compat only) records it for the harness to assert on.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

namespace hls {

template <typename T, int Depth = 0> class stream {
  static_assert(Depth >= 0, "hls::stream: the depth is not negative");

public:
  /// Capacity when the depth is 0 or omitted (compat only).
  static const unsigned kDefaultDepth = 2;

  stream() : head_(0), count_(0), underflow_(false), overflow_(false), name_("") {}
  explicit stream(const char *name)
      : head_(0), count_(0), underflow_(false), overflow_(false), name_(name ? name : "") {}
  stream(const stream &) = delete;
  stream &operator=(const stream &) = delete;

  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == kCapacity; }
  /// Elements held (for the testbench; hw code uses empty()/full()).
  unsigned size() const { return count_; }

  /// The oldest element; T() and the underflow flag when empty.
  T read() {
    T out = T();
    if (!pop(out))
      underflow_ = true;
    return out;
  }
  void read(T &out) { out = read(); }
  void operator>>(T &out) { read(out); }

  /// Appends `v`; dropped, with the overflow flag, when full.
  void write(const T &v) {
    if (!push(v))
      overflow_ = true;
  }
  void operator<<(const T &v) { write(v); }

  /// Non-blocking variants: false, with no effect and no flag, when empty/full.
  bool read_nb(T &out) { return pop(out); }
  bool write_nb(const T &v) { return push(v); }

  // --- compat only: never used by synthesizable code ---
  /// Slots in the ring buffer: Depth, or kDefaultDepth when Depth is 0.
  static unsigned capacity() { return kCapacity; }
  /// Sticky: a read() found the stream empty / a write() found it full.
  bool underflowed() const { return underflow_; }
  bool overflowed() const { return overflow_; }
  /// The name given at construction ("" when none).
  const char *compat_name() const { return name_; }

private:
  static const unsigned kCapacity = Depth == 0 ? kDefaultDepth : unsigned(Depth);

  bool push(const T &v) {
    if (full())
      return false;
    unsigned tail = head_ + count_;
    slots_[tail >= kCapacity ? tail - kCapacity : tail] = v;
    ++count_;
    return true;
  }
  bool pop(T &out) {
    if (empty())
      return false;
    out = slots_[head_];
    head_ = head_ + 1 == kCapacity ? 0 : head_ + 1;
    --count_;
    return true;
  }

  T slots_[Depth == 0 ? kDefaultDepth : Depth];
  unsigned head_;
  unsigned count_;
  bool underflow_;
  bool overflow_;
  const char *name_;
};

template <typename T, int Depth> const unsigned stream<T, Depth>::kDefaultDepth;
template <typename T, int Depth> const unsigned stream<T, Depth>::kCapacity;

} // namespace hls
