// Pragma names must exist where the pragma is; pragma keywords must be spelled right.
#include <stdint.h>

void top(const int32_t *in, int32_t *out, int n) {
#pragma HLS INTERFACE m_axi port=in
#pragma HLS INTERFACE m_axi port = outp
#pragma HLS INTERFACE mode=s_axilite port=count
#pragma HLS INTERFACE s_axilite port=return
#pragma HLS ARRAY_PARTITION variable=buf complete
  int32_t buf[8];
#pragma HLS ARRAY_PARTITION variable=buf complete
#pragma HLS ARRAY_PARTITION variable = bufr complete
#pragma HLS PIPLINE II=1
#pragma HLS unrol
#pragma HLS SOMETHING_VENDOR_SPECIFIC
  for (int i = 0; i < 8; ++i)
    buf[i] = in[i];
  for (int i = 0; i < n; ++i) {
#pragma HLS LOOP_TRIPCOUNT min=1
    out[i] = buf[i & 7];
  }
}
