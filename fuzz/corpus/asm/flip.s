.buffer 1 input 96
.buffer 2 output 96
.input x buf=1 off=0 dtype=i32 shape=3x8 host=fixed frac=8
.output y buf=2 off=0 dtype=i32 shape=3x8
LOAD buf=vec, dtype=i32, reverse=1, pitch=8, rows=3, cols=8, ddr_buf=1, ddr_stride=32 ; push=store
STORE buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load
FINISH
