// Loops without a static bound need a trip-count pragma before any nested loop.
#include <stdint.h>

struct Params {
  int n;
};

static constexpr int kMax = 64;

int loops(const Params &p, const int32_t *x) {
  int s = 0;
  for (int i = 0; i < p.n; ++i)
    s += x[i];
  for (int i = 0; i < p.n; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = kMax
    s += x[i];
  }
  for (int i = 0; i < p.n; ++i) {
    for (int j = 0; j < 4; ++j) {
#pragma HLS LOOP_TRIPCOUNT max = 4
      s += x[j];
    }
  }
  for (int i = 0; i < kMax; ++i)
    for (int j = 0; j < i; ++j)
      s += x[j];
  while (s > 100)
    s -= 7;
  do
    s += 3;
  while (s < 50);
  for (int i = 0; i < p.n || i < kMax; ++i)
    s ^= i;
  for (;;) {
    if (s)
      break;
  }
  return s;
}
