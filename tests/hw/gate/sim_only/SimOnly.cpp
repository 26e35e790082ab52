// Code the synthesis front end never sees (sim-only blocks) may use anything: exit 0.
#include <stdint.h>

#ifndef __SYNTHESIS__
#include <vector>
#endif

int32_t total(const int32_t *x, int n) {
#ifndef __SYNTHESIS__
  std::vector<double> copy(x, x + n);
  double s = 0;
  for (double v : copy)
    s += v;
  return int32_t(s);
#else
  int32_t s = 0;
  for (int i = 0; i < 64; ++i)
    s += i < n ? x[i] : 0;
  return s;
#endif
}

#if !defined(__SYNTHESIS__)
float simOnlyScale() { return 0.5f; }
#endif

#ifdef __SYNTHESIS__
int32_t scale() { return 2; }
#else
int32_t scale() { return int32_t(simOnlyScale() * 4.0); }
#endif
