#!/usr/bin/env python3
"""Self-tests of the HLS gate (hw/gate/hls_gate.py) over the fixtures in tests/hw/gate/.

Each fixture directory is one --src; the test asserts the exact `file:line: error:` lines of
the check it exercises and the exit status. The compiler is $HLS_GATE_CXX (default g++): the
recursion check needs g++ >= 10.
"""

import os
import re
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GATE = os.path.join(ROOT, "hw", "gate", "hls_gate.py")
FIXTURES = os.path.join(HERE, "gate")
FIXTURE_INCLUDE = os.path.join(FIXTURES, "include")
CXX = os.environ.get("HLS_GATE_CXX", "g++")
_ERROR = re.compile(r"^(\S+?):(\d+): error: (.*) \[(hls-[a-z-]+)\]$")


def run_gate(case, *extra):
    cmd = [sys.executable, GATE, "--src", os.path.join(FIXTURES, case), "--include",
           FIXTURE_INCLUDE, "--cxx", CXX] + list(extra)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    errors = []
    for line in proc.stdout.splitlines():
        m = _ERROR.match(line)
        if m:
            errors.append((m.group(1), int(m.group(2)), m.group(4), m.group(3)))
    return proc, errors


def where(errors, tag=None):
    """(file name, line) of each error, of one check when `tag` is given."""
    return sorted((os.path.basename(f), line) for f, line, t, _ in errors if tag in (None, t))


@unittest.skipUnless(shutil.which(CXX), "no compiler %s" % CXX)
class HlsGateTest(unittest.TestCase):
    def assertGate(self, case, expected, tag=None, status=1):
        proc, errors = run_gate(case)
        self.assertEqual(proc.returncode, status, proc.stdout + proc.stderr)
        self.assertEqual(where(errors, tag), sorted(expected), proc.stdout)
        return proc, errors

    def test_clean_fixture_passes(self):
        proc, _ = self.assertGate("clean", [], status=0)
        self.assertIn("hls_gate: OK: 1 file (1 compiled), no violations", proc.stdout)

    def test_sim_only_blocks_are_not_checked(self):
        # std::vector, double and float live only in #ifndef __SYNTHESIS__ / #else branches.
        self.assertGate("sim_only", [], status=0)

    def test_paths_are_relative_to_the_repo(self):
        _, errors = run_gate("pragma")
        self.assertTrue(errors)
        for path, _, _, _ in errors:
            self.assertEqual(path, "tests/hw/gate/pragma/Pragmas.cpp")

    def test_each_file_compiles_alone_without_the_cxx_library(self):
        proc, errors = self.assertGate("compile", [("Cxxheader.cpp", 3), ("Syntax.cpp", 3)],
                                       tag="hls-compile")
        messages = [m for _, _, _, m in errors]
        self.assertTrue(any("cstdint" in m for m in messages), proc.stdout)

    def test_runtime_symbols_are_reported(self):
        proc, errors = self.assertGate("symbols", [("Runtime.cpp", 5), ("Runtime.cpp", 5),
                                                   ("Runtime.cpp", 10)],
                                       tag="hls-runtime-symbol")
        self.assertIn("'__cxa_guard_acquire'", proc.stdout)
        self.assertRegex(proc.stdout, r"operator delete\(void\*.*\(_ZdlPv")

    def test_heap_in_text_and_object(self):
        self.assertGate("heap", [("Heap.cpp", 7), ("Heap.cpp", 9), ("Heap.cpp", 10),
                                 ("Heap.cpp", 12)], tag="hls-forbidden")
        proc, _ = self.assertGate("heap", [("Heap.cpp", 7), ("Heap.cpp", 9), ("Heap.cpp", 10),
                                           ("Heap.cpp", 12)], tag="hls-runtime-symbol")
        for symbol in ("(_Znam)", "(_ZdaPv)", "'malloc'", "'free'"):
            self.assertIn(symbol, proc.stdout)

    def test_forbidden_constructs(self):
        expected = [9, 10, 11, 12, 12, 13, 14, 18, 19, 20, 21, 29, 29, 34]
        proc, errors = self.assertGate("forbidden", [("Types.cpp", n) for n in expected],
                                       tag="hls-forbidden")
        messages = "\n".join(m for _, _, t, m in errors if t == "hls-forbidden")
        for word in ("__int128", "'double'", "'float'", "'long double'", "'1.5'", "std::",
                     "goto", "try", "throw", "catch", "dynamic_cast", "typeid"):
            self.assertIn(word, messages)
        # Lines 4-7 and 31-32 are sim-only; line 34 is the #else branch synthesis sees.
        self.assertNotIn(("Types.cpp", 6), where(errors))

    def test_pragma_names_and_keywords(self):
        proc, _ = self.assertGate("pragma", [("Pragmas.cpp", n) for n in (6, 7, 9, 12, 13, 14,
                                                                          19)])
        self.assertIn("port=outp", proc.stdout)
        self.assertIn("variable=bufr", proc.stdout)
        self.assertIn("'PIPLINE' (did you mean PIPELINE?)", proc.stdout)
        self.assertIn("'unrol' (did you mean UNROLL?)", proc.stdout)
        self.assertNotIn("SOMETHING_VENDOR_SPECIFIC", proc.stdout)

    def test_loop_bounds(self):
        self.assertGate("loops", [("Loops.cpp", n) for n in (12, 18, 25, 27, 29, 32, 34)])

    def test_recursion_across_files(self):
        proc, _ = self.assertGate("recursion", [("Even.cpp", 4), ("Odd.cpp", 5)])
        self.assertIn("isEven(unsigned int) -> isOdd(unsigned int) -> isEven(unsigned int)",
                      proc.stdout)
        self.assertIn("depth(unsigned int) -> depth(unsigned int)", proc.stdout)

    @unittest.skipUnless(shutil.which("clang++"), "no clang++")
    def test_clang_says_recursion_needs_gxx(self):
        proc = subprocess.run([sys.executable, GATE, "--src", os.path.join(FIXTURES, "recursion"),
                               "--cxx", "clang++"], capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("recursion check skipped: it needs g++", proc.stderr)

    def test_list_sources(self):
        proc, _ = run_gate("recursion", "--list-sources")
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(proc.stdout.splitlines(), [
            "tests/hw/gate/recursion/Even.cpp: compile, runtime-symbols, recursion, forbidden, "
            "pragma, loop-bound",
            "tests/hw/gate/recursion/Odd.cpp: compile, runtime-symbols, recursion, forbidden, "
            "pragma, loop-bound"])

    def test_bad_invocation_exits_2(self):
        proc = subprocess.run([sys.executable, GATE, "--src", os.path.join(FIXTURES, "none")],
                              capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("is not a directory", proc.stderr)


if __name__ == "__main__":
    unittest.main()
