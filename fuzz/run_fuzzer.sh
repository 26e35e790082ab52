#!/usr/bin/env bash
# ctest fuzz_<harness>: fuzz from a fresh copy of the seeds in an empty working folder (the
# assembler's .init must find no .npy files; crashes land there), then print the stats.
#   run_fuzzer.sh HARNESS SEEDS WORKDIR [libFuzzer flags...]
# A crash, leak, timeout or out-of-memory makes libFuzzer exit non-zero: the test fails and
# WORKDIR keeps the input (crash-*, leak-*, ...) to turn into a regression (fuzz/README.md).
set -euo pipefail
harness="$1" seeds="$2" work="$3"
shift 3
rm -rf "$work"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
cd "$work"
exec "$harness" -print_final_stats=1 "$@" corpus
