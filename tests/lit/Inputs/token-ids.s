# Token ids through a gathering LOAD (tests/lit/tools/token-ids.test): an `index` input of
# 2 x 3 ids < 5 selects rows of a 5 x 3 int16 table whose row r is r*10 - 20 + [0, 1, 2].
.target zcu102
.buffer 0 weights 30
.bytes 0 0 236 255 237 255 238 255 246 255 247 255 248 255 0 0 1 0 2 0 10 0 11 0 12 0 20 0 21 0 22 0
.buffer 1 input 24
.buffer 2 output 72
.input ids buf=1 off=0 dtype=i32 shape=2x3 host=index limit=5
.output y buf=2 off=0 dtype=i32 shape=2x3x3
LOAD buf=vec, dtype=i32, addr=100, pitch=6, rows=1, cols=6, ddr_buf=1, ddr_stride=24
LOAD buf=vec, dtype=i16, gather=1, pitch=3, rows=6, cols=3, ddr_buf=0, ddr_stride=6, idx_addr=100, limit=5 ; push=store
STORE buf=vec, dtype=i32, pitch=3, rows=6, cols=3, ddr_buf=2, ddr_stride=12 ; pop=load
FINISH
