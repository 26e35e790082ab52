// TEMPORARY stand-in until the project's Hls.h lands (same API subset). Not to be committed as is.
#pragma once
#include <stdint.h>
namespace hls {
template <typename T, int Depth = 2> class stream {
public:
  stream() {}
  explicit stream(const char *) {}
  bool empty() const { return n == 0; }
  bool full() const { return n == Depth; }
  int size() const { return n; }
  T read() { T v = s[h]; h = (h + 1) % Depth; --n; return v; }
  void write(const T &v) { s[(h + n) % Depth] = v; ++n; }
private:
  T s[Depth];
  int h = 0, n = 0;
};
} // namespace hls
