"""Compiler-based checks of the HLS gate: each .cpp compiles alone without the C++ library
(check 1), its object references no heap or C++ runtime symbol (check 2), and the call graph
over all objects has no cycle (check 6, from GCC's -fcallgraph-info)."""

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

# The flags the HLS front end's language subset corresponds to.
BASE_FLAGS = ["-D__SYNTHESIS__", "-std=c++14", "-nostdinc++", "-fno-exceptions", "-fno-rtti",
              "-O1", "-c", "-fdiagnostics-color=never", "-Wno-unknown-pragmas"]

_DIAG = re.compile(r"^(.+?):(\d+):(?:\d+:)?\s*(?:fatal error|error):\s*(.*)$")
_TOOL_DIAG = re.compile(r"^[^:\s]+:\s*(?:fatal error|error):\s*(.*)$")

# (pattern over the mangled name, why it is forbidden, regexes locating its cause in the source;
# None: derive them from the name)
_FORBIDDEN_SYMBOLS = [
    (re.compile(r"^_Z(?:nw|na)"), "heap allocation (operator new)", [r"\bnew\b"]),
    (re.compile(r"^_Z(?:dl|da)"), "heap deallocation (operator delete)",
     [r"\bdelete\b", r"\bvirtual\b"]),
    (re.compile(r"^(?:malloc|calloc|realloc|free|aligned_alloc|posix_memalign)$"),
     "C heap allocation", None),
    (re.compile(r"^__cxa_throw|^__cxa_allocate_exception|^__cxa_begin_catch"),
     "C++ exception runtime", [r"\bthrow\b", r"\btry\b"]),
    (re.compile(r"^__cxa_pure_virtual|^__cxa_deleted_virtual"), "C++ runtime (virtual call "
     "support)", [r"\bvirtual\b"]),
    # A function-local static with a dynamic initializer (indented, unlike file-scope ones).
    (re.compile(r"^__cxa_guard_"), "C++ runtime (thread-safe static initialization)",
     [r"^\s+static\b"]),
    (re.compile(r"^__cxa_"), "C++ runtime", []),
    (re.compile(r"^__gxx_personality"), "C++ exception runtime", [r"\bthrow\b", r"\btry\b"]),
    (re.compile(r"^_Unwind_"), "stack unwinding runtime", [r"\bthrow\b", r"\btry\b"]),
    (re.compile(r"^_Z(?:T[VIST])?N?[rVKRO]*St"), "C++ standard library", None),
]


class Compiler:
    """The C++ compiler to check with, and whether it can write call graphs."""

    def __init__(self, cxx):
        self.cxx = cxx
        try:
            out = subprocess.run([cxx, "--version"], capture_output=True, text=True,
                                 check=False).stdout
        except OSError as e:
            raise RuntimeError("cannot run the compiler '%s': %s" % (cxx, e.strerror))
        self.is_clang = "clang" in out.lower()
        self.callgraph = False
        if not self.is_clang:
            version = subprocess.run([cxx, "-dumpversion"], capture_output=True, text=True,
                                     check=False).stdout.strip()
            major = re.match(r"^(\d+)", version)
            self.callgraph = bool(major) and int(major.group(1)) >= 10


class ObjectResult:
    """Compiling one source: its diagnostics, its object and call-graph file (when built)."""

    def __init__(self, source):
        self.source = source
        self.errors = []  # (path as printed by the compiler, line, message)
        self.obj = None
        self.ci = None


def compile_one(compiler, source, includes, objdir):
    result = ObjectResult(source)
    stem = os.path.splitext(os.path.basename(source))[0]
    obj = os.path.join(objdir, stem + ".o")
    ci = os.path.join(objdir, stem + ".ci")
    for stale in (obj, ci):
        if os.path.exists(stale):
            os.remove(stale)
    cmd = [compiler.cxx] + BASE_FLAGS + ["-I" + d for d in includes] + [source, "-o", obj]
    if compiler.callgraph:
        cmd.append("-fcallgraph-info")
    # The C locale keeps the compiler's quotes ASCII, so the output is the same everywhere.
    env = dict(os.environ, LC_ALL="C")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    for line in proc.stderr.splitlines():
        m = _DIAG.match(line)
        if m:
            result.errors.append((m.group(1), int(m.group(2)), m.group(3)))
            continue
        m = _TOOL_DIAG.match(line)
        if m:
            result.errors.append((source, 1, m.group(1)))
    if proc.returncode != 0:
        if not result.errors:
            first = next((l for l in proc.stderr.splitlines() if l.strip()), "no output")
            result.errors.append((source, 1, "compiler failed (exit %d): %s" %
                                  (proc.returncode, first)))
        return result
    result.obj = obj
    result.ci = ci if os.path.exists(ci) else None
    return result


def compile_all(compiler, sources, includes, objdir, jobs):
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda s: compile_one(compiler, s, includes, objdir), sources))


def demangle(names):
    """Mangled name -> demangled name, with one c++filt run (identity when it is missing)."""
    names = sorted(set(names))
    if not names:
        return {}
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names) + "\n", capture_output=True,
                             text=True, check=False).stdout.splitlines()
    except OSError:
        out = []
    if len(out) != len(names):
        return {n: n for n in names}
    return dict(zip(names, out))


def forbidden_symbols(nm, obj):
    """[(mangled symbol, reason, locate words)] of every forbidden symbol the object references
    or defines (a weak definition is an inline library function compiled into it)."""
    proc = subprocess.run([nm, obj], capture_output=True, text=True, check=False)
    found = []
    seen = set()
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name = parts[-1]
        if name in seen:
            continue
        for pattern, reason, words in _FORBIDDEN_SYMBOLS:
            if pattern.search(name):
                found.append((name, reason, words))
                seen.add(name)
                break
    return found


_CI_NODE = re.compile(r'node:\s*\{\s*title:\s*"((?:[^"\\]|\\.)*)"\s*label:\s*"((?:[^"\\]|\\.)*)"'
                      r'([^}]*)\}')
_CI_EDGE = re.compile(r'edge:\s*\{\s*sourcename:\s*"((?:[^"\\]|\\.)*)"\s*targetname:\s*'
                      r'"((?:[^"\\]|\\.)*)"')


class CallGraph:
    """The union of the per-object call graphs, keyed by mangled name."""

    def __init__(self):
        self.edges = {}
        self.location = {}  # mangled name -> (file, line) of its definition (or declaration)

    def add_ci(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for m in _CI_NODE.finditer(text):
            title, label, rest = m.group(1), m.group(2), m.group(3)
            self.edges.setdefault(title, set())
            loc = re.search(r"\\n(.+?):(\d+)(?::\d+)?$", label)
            defined = "ellipse" not in rest
            known = self.location.get(title)
            if loc and (known is None or (defined and not known[2])):
                self.location[title] = (loc.group(1), int(loc.group(2)), defined)
        for m in _CI_EDGE.finditer(text):
            self.edges.setdefault(m.group(1), set()).add(m.group(2))
            self.edges.setdefault(m.group(2), set())

    def cycles(self):
        """One cycle (list of mangled names, first == last) per strongly connected component
        that is recursive, found with Tarjan's algorithm (iterative)."""
        index, low, on_stack, stack, sccs = {}, {}, set(), [], []
        counter = [0]
        for root in sorted(self.edges):
            if root in index:
                continue
            work = [(root, iter(sorted(self.edges[root])))]
            index[root] = low[root] = counter[0]
            counter[0] += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node, it = work[-1]
                advanced = False
                for nxt in it:
                    if nxt not in index:
                        index[nxt] = low[nxt] = counter[0]
                        counter[0] += 1
                        stack.append(nxt)
                        on_stack.add(nxt)
                        work.append((nxt, iter(sorted(self.edges[nxt]))))
                        advanced = True
                        break
                    if nxt in on_stack:
                        low[node] = min(low[node], index[nxt])
                if advanced:
                    continue
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    scc = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        scc.append(member)
                        if member == node:
                            break
                    sccs.append(scc)
        out = []
        for scc in sccs:
            members = set(scc)
            if len(scc) == 1 and scc[0] not in self.edges[scc[0]]:
                continue
            start = min(scc, key=lambda n: (self.location.get(n, ("~", 0, False))[:2], n))
            out.append(self._path(start, members))
        return out

    def _path(self, start, members):
        """Shortest call path start -> ... -> start inside one component (breadth-first)."""
        parent = {}
        frontier = [start]
        while frontier:
            nxt_frontier = []
            for node in frontier:
                for nxt in sorted(self.edges[node]):
                    if nxt not in members:
                        continue
                    if nxt == start:
                        path = [node]
                        while path[-1] != start:
                            path.append(parent[path[-1]])
                        return list(reversed(path)) + [start]
                    if nxt not in parent:
                        parent[nxt] = node
                        nxt_frontier.append(nxt)
            frontier = nxt_frontier
        return [start, start]
