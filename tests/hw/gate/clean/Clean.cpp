// Everything here is synthesizable: the gate must accept it (exit 0).
#include "gate_fixture.h"

#include <stdint.h>

static constexpr int kTaps = 3;
static const int32_t kWeights[kTaps] = {1, 2, 1};
static int32_t history[kTaps];

struct Window {
  int32_t taps[kTaps];
  void shift(int32_t v) {
#pragma HLS ARRAY_PARTITION variable = taps complete
    for (int i = kTaps - 1; i > 0; --i)
      taps[i] = taps[i - 1];
    taps[0] = v;
  }
  Window(const Window &) = delete; // a deleted function is not a delete expression
  Window() = default;
};

template <int Width> int32_t sumRow(const int32_t row[Width]) {
  int32_t s = 0;
  for (int i = 0; i < Width; ++i) {
#pragma HLS UNROLL
    s += row[i];
  }
  return s;
}

// "double" and new in a comment, and "float new std::" in a string, are not code.
const char *name() { return "float new std::"; }

int32_t filter(const int32_t *in, int32_t *out, int n) {
#pragma HLS INTERFACE m_axi port=in offset=slave
#pragma HLS INTERFACE mode=m_axi port = out
#pragma HLS INTERFACE s_axilite port=return
#pragma HLS CACHE port=in lines=4
  int32_t buf[tileRows][LaneCount], a[4], b[4];
#pragma HLS ARRAY_PARTITION variable=buf dim=2 complete
#pragma HLS ARRAY_PARTITION variable=b complete
#pragma HLS ARRAY_PARTITION variable=history complete
  for (int r = 0; r < tileRows; ++r)
    for (int c = 0; c < LaneCount; ++c)
      buf[r][c] = in[r * LaneCount + c];
  for (int i = 0; i < int(sizeof(a) / sizeof(a[0])); ++i)
    a[i] = b[i] = 0;
  for (int64_t d = 0; d < cfg::depth && d < n; ++d)
    a[d & 3] += in[d];
  int32_t acc = 0;
  for (int i = 0; i < n; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024
#pragma HLS PIPELINE II=1
    for (int t = 0; t < kTaps; ++t)
      acc += kWeights[t] * in[i];
    out[i] = acc;
  }
  int left = n;
  while (left > 0) {
#pragma HLS LOOP_TRIPCOUNT avg=64
    --left;
  }
  do {
#pragma HLS LOOP_TRIPCOUNT max=8
    ++left;
  } while (left < n);
  for (int32_t w : kWeights)
    acc += w;
  return acc + sumRow<4>(a) + buf[0][0];
}
