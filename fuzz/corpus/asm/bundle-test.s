.target zcu102
.fingerprint 0x1122334455667788
.buffer 0 weights 64
.bytes 0 0 1 2 3 4 250
.buffer 1 input 128
.buffer 2 output 128
.input x buf=1 off=0 dtype=i32 shape=2x16 host=fixed frac=8
.output y buf=2 off=0 dtype=i32 shape=2x16
.meta {"producer": "test"}
LOAD buf=vec, dtype=i32, pitch=16, rows=2, cols=16, ddr_buf=1, ddr_stride=64 ; push=store
STORE buf=vec, dtype=i32, pitch=16, rows=2, cols=16, ddr_buf=2, ddr_stride=64 ; pop=load
FINISH
