.buffer 0 weights 96
.buffer 1 input 96
.buffer 2 output 96
.input x buf=1 off=0 dtype=i32 shape=3x8
.output y buf=2 off=0 dtype=i32 shape=3x8
LOAD buf=vec, dtype=i32, pitch=8, rows=3, cols=8, ddr_buf=0, ddr_stride=32
LOAD buf=vec, dtype=i32, addr=32, pitch=8, rows=3, cols=8, ddr_buf=1, ddr_stride=32 ; push=vector
VECTOR op=add, rows=3, cols=8, a_pitch=8, b_addr=32, b_pitch=8, o_addr=64, o_pitch=8 ; pop=load, push=store
STORE buf=vec, dtype=i32, addr=64, pitch=8, rows=3, cols=8, ddr_buf=2, ddr_stride=32 ; pop=vector
FINISH
