#!/usr/bin/python3
"""Simulator speed: linear-engine MAC/s and SSM state-updates/s of the `sim` device.

Usage: runtime/bench/sim_speed.py BUILD_DIR
Assembles two programs (a repeated APoT-4 LINEAR, a repeated selective SSM with the state
carried), runs each through vimq-run and reports work per wall-clock second. The programs
repeat one instruction so that load/store time is negligible; sizes fit zcu102's buffers.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

M, K, N, LIN_REPEAT = 64, 384, 128, 50
L, C, NS, SSM_REPEAT = 32, 256, 16, 100


def linear_program():
    nws = N * (K // 32)
    lines = [
        ".target zcu102",
        f".buffer 0 weights {N * K + nws * 4}",
        f".buffer 1 input {M * K}",
        f".buffer 2 input {M * 4}",
        f".buffer 3 output {M * N * 4}",
        f".input a buf=1 off=0 dtype=i8 shape={M}x{K}",
        f".input xabs buf=2 off=0 dtype=i32 shape={M}",
        f".output y buf=3 off=0 dtype=i32 shape={M}x{N}",
        f"LOAD buf=act, dtype=i8, pitch={K}, rows={M}, cols={K}, ddr_buf=1, ddr_stride={K}",
        f"LOAD buf=vec, dtype=i32, rows=1, cols={M}, ddr_buf=2",
        f"LOAD buf=wgt, dtype=u8, pitch={K}, rows={N}, cols={K}, ddr_buf=0, ddr_stride={K}",
        f"LOAD buf=vec, dtype=i32, addr=1024, rows=1, cols={nws}, ddr_buf=0, ddr_off={N * K}"
        " ; push=linear",
    ]
    for r in range(LIN_REPEAT):
        tok = " ; pop=load" if r == 0 else " ; push=store" if r == LIN_REPEAT - 1 else ""
        lines.append(f"LINEAR wfmt=apot4, m={M}, k={K}, n={N}, block=32, a_pitch={K}, "
                     f"ws_addr=1024, o_addr=8192, o_pitch={N}, shift=8{tok}")
    lines.append(f"STORE buf=vec, dtype=i32, addr=8192, pitch={N}, rows={M}, cols={N}, "
                 f"ddr_buf=3, ddr_stride={N * 4} ; pop=linear")
    lines.append("FINISH")
    return "\n".join(lines) + "\n"


def ssm_program():
    tp = C + 2 * NS
    u, z = L * tp, L * tp + L * C
    y, a = z + L * C, z + 2 * L * C
    lines = [
        ".target zcu102",
        f".buffer 0 weights {(C * NS + C) * 4}",
        f".buffer 1 input {L * tp * 4}",
        f".buffer 3 output {L * C * 4}",
        f".input t buf=1 off=0 dtype=i32 shape={L}x{tp}",
        f".output y buf=3 off=0 dtype=i32 shape={L}x{C}",
        f"LOAD buf=vec, dtype=i32, pitch={tp}, rows={L}, cols={tp}, ddr_buf=1, "
        f"ddr_stride={tp * 4}",
        f"LOAD buf=vec, dtype=i32, addr={a}, rows=1, cols={C * NS + C}, ddr_buf=0 ; push=ssm",
    ]
    for r in range(SSM_REPEAT):
        tok = " ; pop=load" if r == 0 else " ; push=store" if r == SSM_REPEAT - 1 else ""
        lines.append(f"SSM gate=1, dskip=1, carry_in={int(r > 0)}, carry_out=1, approx=1, "
                     f"len={L}, ch={C}, heads=1, n={NS}, groups=1, u_addr={u}, x_pitch={C}, "
                     f"bc_addr={C}, t_pitch={tp}, a_addr={a}, z_addr={z}, y_addr={y}, "
                     f"frac=12{tok}")
    lines.append(f"STORE buf=vec, dtype=i32, addr={y}, pitch={C}, rows={L}, cols={C}, "
                 f"ddr_buf=3, ddr_stride={C * 4} ; pop=ssm")
    lines.append("FINISH")
    return "\n".join(lines) + "\n"


def run(build, tmp, name, program, inputs):
    src, bundle = os.path.join(tmp, name + ".s"), os.path.join(tmp, name + ".vimq")
    with open(src, "w") as f:
        f.write(program)
    subprocess.run([os.path.join(build, "bin", "vimq-as"), src, "-o", bundle], check=True)
    args = [os.path.join(build, "bin", "vimq-run"), bundle, "--output",
            os.path.join(tmp, name + "_out")]
    for key, array in inputs.items():
        path = os.path.join(tmp, f"{name}_{key}.npy")
        np.save(path, array)
        args += ["--input", f"{key}={path}"]
    start = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - start


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        lin = run(build, tmp, "linear", linear_program(),
                  {"a": rng.integers(-127, 128, (M, K)).astype(np.int8),
                   "xabs": rng.integers(1, 100, (M,)).astype(np.int32)})
        t = rng.integers(-4096, 4096, (L, C + 2 * NS)).astype(np.int32)
        t[:, :C] = np.abs(t[:, :C]) // 4  # delta >= 0
        ssm = run(build, tmp, "ssm", ssm_program(), {"t": t})
    macs = LIN_REPEAT * M * K * N
    updates = SSM_REPEAT * L * C * NS
    print(f"linear: {macs} MACs in {lin:.2f} s = {macs / lin / 1e6:.0f} M MAC/s")
    print(f"ssm:    {updates} state updates in {ssm:.2f} s = {updates / ssm / 1e6:.1f} M/s")


if __name__ == "__main__":
    main()
