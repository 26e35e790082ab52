#!/usr/bin/env python3
"""The synthesizability gate over the overlay's HLS sources (docs/hls-gate.md).

Checks every hw/src/*.cpp and *.h against the subset of C++ the HLS compiler accepts and
prints one `FILE:LINE: error: MESSAGE [check]` line per violation, then a summary line.
Exit status: 0 clean, 1 violations, 2 bad invocation (missing directory, no compiler).
"""

import argparse
import glob
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # never leave __pycache__ in the source tree

import gate_compile  # noqa: E402
import gate_source  # noqa: E402
import gate_text  # noqa: E402

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Check tags in the order they are documented; the summary counts by these.
TAGS = ("hls-compile", "hls-runtime-symbol", "hls-forbidden", "hls-pragma", "hls-loop-bound",
        "hls-recursion", "hls-preproc")


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Check HLS C++ sources for synthesizability (see docs/hls-gate.md).")
    ap.add_argument("--src", required=True, help="directory of the HLS sources (*.cpp, *.h)")
    ap.add_argument("--include", action="append", default=[], metavar="DIR",
                    help="include directory for the compile check (repeatable)")
    ap.add_argument("--cxx", default=os.environ.get("CXX") or "g++",
                    help="C++ compiler (default: $CXX or g++; the recursion check needs g++)")
    ap.add_argument("--nm", default="nm", help="symbol lister (default: nm)")
    ap.add_argument("--objdir", help="keep objects and call graphs here (default: a temp dir)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel compiles (default: 2)")
    ap.add_argument("--root", default=_REPO_ROOT,
                    help="paths are printed relative to this directory (default: the repo)")
    ap.add_argument("--list-sources", action="store_true",
                    help="print the files the gate checks and the checks each gets, then exit")
    return ap.parse_args(argv)


class Report:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.items = set()

    def display(self, path):
        full = os.path.abspath(path)
        rel = os.path.relpath(full, self.root)
        return full if rel.startswith("..") else rel

    def add(self, path, line, message, tag):
        self.items.add((self.display(path), int(line), tag, message))

    def emit(self, out):
        order = {tag: k for k, tag in enumerate(TAGS)}
        items = sorted(self.items, key=lambda x: (x[0], x[1], order.get(x[2], 99), x[3]))
        for path, line, tag, message in items:
            out.write("%s:%d: error: %s [%s]\n" % (path, line, message, tag))
        return items


def _locate(source, patterns):
    """First line of the synthesis view matching one of `patterns` (1 when none does)."""
    for pattern in patterns:
        regex = re.compile(pattern)
        for number, line in enumerate(source.synth, 1):
            if regex.search(line):
                return number
    return 1


def _symbol_patterns(mangled, demangled, patterns):
    if patterns is not None:
        return patterns
    if not mangled.startswith("_Z"):
        return [r"\b%s\b" % re.escape(mangled)]
    m = re.search(r"std::(?:__\w+::)*([A-Za-z_]\w*)", demangled)
    return ([r"\b%s\b" % m.group(1)] if m else []) + [r"\bstd\b"]


def run(args):
    src_dir = args.src
    if not os.path.isdir(src_dir):
        sys.stderr.write("hls_gate: error: --src %s is not a directory\n" % src_dir)
        return 2
    for inc in args.include:
        if not os.path.isdir(inc):
            sys.stderr.write("hls_gate: error: --include %s is not a directory\n" % inc)
            return 2
    cpps = sorted(glob.glob(os.path.join(src_dir, "*.cpp")))
    headers = sorted(glob.glob(os.path.join(src_dir, "*.h")))
    report = Report(args.root)
    if not cpps and not headers:
        sys.stderr.write("hls_gate: error: no *.cpp or *.h in %s\n" % src_dir)
        return 2
    if args.list_sources:
        for path in cpps:
            print("%s: compile, runtime-symbols, recursion, forbidden, pragma, loop-bound" %
                  report.display(path))
        for path in headers:
            print("%s: forbidden, pragma, loop-bound (compiled through the .cpp files that "
                  "include it)" % report.display(path))
        return 0

    # Source-text checks (3-5); constants and class members are learnt from every file first.
    sources = {}
    for path in cpps + headers:
        with open(path, encoding="utf-8", errors="replace") as f:
            sources[path] = gate_text.SourceFile(path, f.read())
    knowledge = gate_source.Knowledge()
    for inc in args.include:
        for path in gate_source.header_files(inc):
            with open(path, encoding="utf-8", errors="replace") as f:
                knowledge.learn(gate_text.SourceFile(path, f.read()))
    for path in headers + cpps:
        knowledge.learn(sources[path])
    for path, source in sources.items():
        for line, message in source.errors:
            report.add(path, line, message, "hls-preproc")
        for f in gate_source.check_forbidden(source) + gate_source.check_structure(source,
                                                                                   knowledge):
            report.add(f.path, f.line, f.message, f.tag)

    # Compiler checks (1, 2, 6).
    try:
        compiler = gate_compile.Compiler(args.cxx)
    except RuntimeError as e:
        sys.stderr.write("hls_gate: error: %s\n" % e)
        return 2
    with tempfile.TemporaryDirectory(prefix="hls_gate.") as tmp:
        objdir = args.objdir or tmp
        os.makedirs(objdir, exist_ok=True)
        results = gate_compile.compile_all(compiler, cpps, args.include, objdir, args.jobs)
        symbols = []
        graph = gate_compile.CallGraph()
        # An error in a shared header is printed once, naming the sources it broke.
        compile_errors = {}
        for result in results:
            for path, line, message in result.errors:
                broken = compile_errors.setdefault((path, line, message), [])
                if result.source not in broken:
                    broken.append(result.source)
        for (path, line, message), broken in compile_errors.items():
            if [os.path.abspath(b) for b in broken] != [os.path.abspath(path)]:
                message += " (compiling %s)" % ", ".join(report.display(b) for b in broken)
            report.add(path, line, message, "hls-compile")
        for result in results:
            if result.obj:
                symbols += [(result.source, s) for s in
                            gate_compile.forbidden_symbols(args.nm, result.obj)]
            if result.ci:
                graph.add_ci(result.ci)
        cycles = graph.cycles()
        names = gate_compile.demangle([s[0] for _, s in symbols] + [n for c in cycles for n in c])
        for path, (mangled, reason, words) in symbols:
            pretty = names.get(mangled, mangled)
            line = _locate(sources[path], _symbol_patterns(mangled, pretty, words))
            label = "'%s' (%s)" % (pretty, mangled) if pretty != mangled else "'%s'" % mangled
            report.add(path, line, "object references %s: %s is not synthesizable" %
                       (label, reason), "hls-runtime-symbol")
        for cycle in cycles:
            file, line, _ = graph.location.get(cycle[0], (cpps[0] if cpps else src_dir, 1, False))
            chain = " -> ".join(names.get(n, n) for n in cycle)
            report.add(file, line, "recursion is not synthesizable: %s" % chain, "hls-recursion")
    if not compiler.callgraph and cpps:
        sys.stderr.write("hls_gate: note: recursion check skipped: it needs g++ >= 10 "
                         "(-fcallgraph-info); run with --cxx g++\n")

    items = report.emit(sys.stdout)
    total = len(cpps) + len(headers)
    checked = "%d file%s (%d compiled)" % (total, "" if total == 1 else "s", len(cpps))
    if not items:
        print("hls_gate: OK: %s, no violations" % checked)
        return 0
    counts = {}
    for _, _, tag, _ in items:
        counts[tag] = counts.get(tag, 0) + 1
    by_check = ", ".join("%s %d" % (t, counts[t]) for t in TAGS if t in counts)
    files = len({item[0] for item in items})
    print("hls_gate: FAILED: %d violation%s in %d file%s (%s); checked %s" %
          (len(items), "" if len(items) == 1 else "s", files, "" if files == 1 else "s",
           by_check, checked))
    return 1


def main(argv=None):
    return run(parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
