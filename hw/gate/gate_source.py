"""Source-text checks of the HLS gate: forbidden constructs, `#pragma HLS` names and loop bounds.

These read the synthesis view of each file (gate_text.SourceFile) with a deliberately small
structural model of C++: brace scopes classified as namespace / class / enum / function /
block / initializer, declarations recognised by shape (`type name` followed by `= ; [ { , ) (`).
The model is generous where it is unsure (an odd declaration counts as declaring a name), so a
finding is a real problem in the code the HLS compiler sees, not a guess.
"""

import difflib
import os
import re

import gate_text

# Checked in this order on each line; each match is one finding.
_FORBIDDEN = [
    (re.compile(r"\b__u?int128(?:_t)?\b"), "'__int128' is not synthesizable; use ap_int/ap_uint "
     "or a fixed-width integer"),
    (re.compile(r"\blong\s+double\b"), "floating-point type 'long double' is not allowed in the "
     "overlay (integer-only datapath)"),
    (re.compile(r"\bdouble\b"), "floating-point type 'double' is not allowed in the overlay "
     "(integer-only datapath)"),
    (re.compile(r"\bfloat\b"), "floating-point type 'float' is not allowed in the overlay "
     "(integer-only datapath)"),
    (re.compile(r"\bnew\b"), "'new': heap allocation is not synthesizable"),
    (re.compile(r"(?:^|[^=\s])\s*\bdelete\b"), "'delete': heap allocation is not "
     "synthesizable"),
    (re.compile(r"\b(?:malloc|calloc|realloc|aligned_alloc)\b"), "'{0}': heap allocation is not "
     "synthesizable"),
    (re.compile(r"(?<![.>:\w])\s*\bfree\s*\("), "'free': heap allocation is not synthesizable"),
    (re.compile(r"\bstd\s*::"), "'std::' (C++ standard library) is not available to synthesis"),
    (re.compile(r"\bnamespace\s+std\b"), "'namespace std' (C++ standard library) is not "
     "available to synthesis"),
    (re.compile(r"\bthrow\b"), "'throw': exceptions are not synthesizable"),
    (re.compile(r"\btry\b"), "'try': exceptions are not synthesizable"),
    (re.compile(r"\bcatch\b"), "'catch': exceptions are not synthesizable"),
    (re.compile(r"\bdynamic_cast\b"), "'dynamic_cast' (RTTI) is not synthesizable"),
    (re.compile(r"\btypeid\b"), "'typeid' (RTTI) is not synthesizable"),
    (re.compile(r"\bgoto\b"), "'goto' is not synthesizable"),
]
_FLOAT_LITERAL = re.compile(r"^(?:\d[\d']*\.[\d']*|\.\d[\d']*|\d[\d']*(?=[eE]))(?:[eE][+-]?\d+)?"
                            r"[fFlL]?$")

KNOWN_PRAGMAS = (
    "PIPELINE", "UNROLL", "DATAFLOW", "INTERFACE", "ARRAY_PARTITION", "ARRAY_RESHAPE", "STREAM",
    "LOOP_TRIPCOUNT", "INLINE", "BIND_STORAGE", "BIND_OP", "DEPENDENCE", "LOOP_FLATTEN",
    "LOOP_MERGE", "ALLOCATION", "FUNCTION_INSTANTIATE", "RESOURCE", "LATENCY", "OCCURRENCE",
    "PROTOCOL", "STABLE", "AGGREGATE", "DISAGGREGATE", "EXPRESSION_BALANCE", "RESET", "TOP")
_PRAGMA_NAME = re.compile(r"\b(variable|port)\s*=\s*(\S+)", re.IGNORECASE)

_KEYWORDS = frozenset("""
alignas alignof asm auto bool break case catch char char16_t char32_t class const constexpr
const_cast continue decltype default delete do double dynamic_cast else enum explicit export
extern false float for friend goto if inline int long mutable namespace new noexcept nullptr
operator private protected public register reinterpret_cast return short signed sizeof static
static_assert static_cast struct switch template this thread_local throw true try typedef typeid
typename union unsigned using virtual void volatile wchar_t while final override
""".split())
# Words after which an identifier is an expression, never a declared name.
_NOT_A_TYPE = frozenset("""
return case goto else do new delete throw sizeof alignof operator typeid decltype co_return
co_yield using namespace
""".split())
_DECL_FOLLOW = frozenset(["=", ";", "[", "{", ",", ")", "(", ":"])
_STATIC_PUNCT = frozenset("+ - * / % << < > <= >= == != && || ( ) & | ^ ~ ! ? : ,".split())
_TYPE_NAME = re.compile(r"^(?:u?int(?:8|16|32|64)_t|size_t|ptrdiff_t|int|unsigned|signed|long|"
                        r"short|char|bool|static_cast|const|true|false)$")
_CONST_NAME = re.compile(r"^k[A-Z]")
_LOOP_WORDS = ("for", "while", "do")


class Finding:
    __slots__ = ("path", "line", "message", "tag")

    def __init__(self, path, line, message, tag):
        self.path, self.line, self.message, self.tag = path, line, message, tag


class Knowledge:
    """What is known across files: compile-time constant names, enumerators and the members of
    every class seen, by class name."""

    def __init__(self):
        self.constants = set()
        self.class_members = {}

    def learn(self, source):
        tokens, _ = gate_text.tokenize(source)
        _collect_constants(tokens, self.constants)
        for line_no, name, rest in source.directives:
            m = re.match(r"^([A-Za-z_]\w*)\s+([-+*/%()<>|&~^\s\dxXa-fA-FuUlL']+)$", rest)
            if name == "define" and m:
                self.constants.add(m.group(1))
        _Walker(source, tokens, [], self, check=False).run()


def _collect_constants(tokens, out):
    """Names declared constexpr or static const (variables and constexpr functions)."""
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.text not in ("constexpr", "static"):
            continue
        has_const = tok.text == "constexpr"
        j = i + 1
        while j < n and tokens[j].text not in ("=", ";", "{", "[", "(", "}"):
            has_const = has_const or tokens[j].text in ("const", "constexpr")
            j += 1
        # A function counts only when constexpr: a static function returning const is not.
        is_function = j < n and tokens[j].text == "("
        if is_function and not any(t.text == "constexpr" for t in tokens[i:j]):
            continue
        if has_const and j < n and j - 1 > i and tokens[j - 1].kind == "id" and \
                tokens[j - 1].text not in _KEYWORDS:
            out.add(tokens[j - 1].text)


def _match_brackets(tokens):
    """Index of the partner of every bracket token (-1 when unbalanced)."""
    partner = [-1] * len(tokens)
    stack = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for i, tok in enumerate(tokens):
        if tok.text in ("(", "[", "{"):
            stack.append(i)
        elif tok.text in pairs:
            # Drop unmatched openers of another kind (an unbalanced #if branch).
            while stack and tokens[stack[-1]].text != pairs[tok.text]:
                stack.pop()
            if stack:
                j = stack.pop()
                partner[i], partner[j] = j, i
    return partner


class _Scope:
    def __init__(self, kind, start, name=None):
        self.kind = kind  # ns, class, enum, func, block, init
        self.start = start  # first token of the current statement
        self.names = set()
        self.tparams = set()
        self.name = name  # class name, or the qualifying class of an out-of-line function
        self.func = None  # function name, for messages


class _Walker:
    """One pass over a file's tokens; with check=True it reports pragma and loop findings."""

    def __init__(self, source, tokens, pragmas, knowledge, check):
        self.src, self.toks, self.pragmas = source, tokens, pragmas
        self.know, self.check = knowledge, check
        self.partner = _match_brackets(tokens)
        self.findings = []
        self.do_tails = set()

    def report(self, line, message, tag):
        self.findings.append(Finding(self.src.path, line, message, tag))

    # --- driving ---------------------------------------------------------------------------

    def run(self):
        toks = self.toks
        stack = [_Scope("ns", 0)]
        pending = sorted(self.pragmas)
        p = 0
        depth = 0  # parentheses/brackets open in the current statement
        for i, tok in enumerate(toks):
            while p < len(pending) and pending[p][0] <= i:
                if self.check:
                    self._check_pragma(pending[p][1], pending[p][2], stack)
                p += 1
            t = tok.text
            scope = stack[-1]
            if t in ("(", "["):
                depth += 1
            elif t in (")", "]"):
                depth = max(0, depth - 1)
            elif t == ";" and depth == 0:
                self._declare(scope, scope.start, i)
                scope.start = i + 1
            elif t == "{":
                stack.append(self._open(stack, i))
                depth = 0
            elif t == "}":
                if len(stack) > 1:
                    closed = stack.pop()
                    if closed.kind == "class" and closed.name:
                        self.know.class_members.setdefault(closed.name, set()).update(
                            closed.names)
                    if closed.kind in ("ns", "func", "block"):
                        self._declare(stack[-1], stack[-1].start, i)
                        stack[-1].start = i + 1
                depth = 0
            elif t in _LOOP_WORDS and self.check and scope.kind in ("func", "block", "init"):
                self._check_loop(i, stack)
        if self.check:
            while p < len(pending):
                self._check_pragma(pending[p][1], pending[p][2], stack)
                p += 1

    # --- scopes and declarations -------------------------------------------------------------

    def _open(self, stack, i):
        toks = self.toks
        parent = stack[-1]
        head = toks[parent.start:i]
        words = [t.text for t in head]
        prev = toks[i - 1].text if i > 0 else ";"
        if parent.kind in ("ns", "class"):
            if "enum" in words:
                return self._enum_scope(i)
            if "namespace" in words or (words[:1] == ["extern"] and len(words) == 2):
                return _Scope("ns", i + 1)
            top = self._top_level(parent.start, i)
            if "=" in top:
                return _Scope("init", i + 1)
            first_paren = top.index("(") if "(" in top else len(top)
            if any(w in ("class", "struct", "union") for w in top[:first_paren]):
                scope = _Scope("class", i + 1, self._class_name(head))
                scope.tparams = self._template_params(parent.start, i)
                scope.names |= self.know.class_members.get(scope.name, set())
                return scope
            if "(" in top:
                return self._function_scope(parent.start, i)
            return _Scope("init", i + 1)
        # Inside a function.
        if parent.kind == "init":
            return _Scope("init", i + 1)
        if prev == "]":
            opener = self.partner[i - 1]
            before = toks[opener - 1] if opener > 0 else None
            is_array = before is not None and (before.kind == "id" or before.text == "]")
            return _Scope("init" if is_array else "block", i + 1)
        if prev in ("=", ",", "(", "return") or (toks[i - 1].kind == "id" and
                                                  prev not in _KEYWORDS) or prev == ">":
            return _Scope("init", i + 1)
        scope = _Scope("block", i + 1)
        if prev == ")" and self.partner[i - 1] >= 0:
            self._declare_in(scope, self.partner[i - 1] + 1, i - 1, at_depth=0)
        elif prev in ("const", "mutable", "noexcept") or toks[i - 1].kind == "id":
            pass
        return scope

    def _enum_scope(self, i):
        scope = _Scope("enum", i + 1)
        end = self.partner[i] if self.partner[i] >= 0 else len(self.toks)
        for j in range(i + 1, end):
            if self.toks[j].kind == "id" and self.toks[j - 1].text in ("{", ",") and \
                    self.toks[j + 1].text in ("=", ",", "}"):
                self.know.constants.add(self.toks[j].text)
        return scope

    def _function_scope(self, start, i):
        toks = self.toks
        scope = _Scope("func", i + 1)
        scope.tparams = self._template_params(start, i)
        j = start
        while j < i:
            if toks[j].text == "(" and self.partner[j] > 0:
                self._declare_in(scope, j + 1, self.partner[j], at_depth=0)
                if scope.func is None and j > start:
                    scope.func = toks[j - 1].text
                    if j - 3 >= start and toks[j - 2].text == "::":
                        scope.name = toks[j - 3].text
                        scope.names |= self.know.class_members.get(scope.name, set())
                j = self.partner[j] + 1
            else:
                j += 1
        return scope

    def _top_level(self, start, end):
        """Words of toks[start:end] outside of any parentheses/brackets/template arguments."""
        out, depth = [], 0
        for t in self.toks[start:end]:
            if t.text in ("[", "{"):
                depth += 1
            elif t.text in ("]", "}"):
                depth -= 1
            elif depth == 0:
                out.append(t.text)
        return out

    def _class_name(self, head):
        words = [t.text for t in head]
        for k, w in enumerate(words):
            if w in ("class", "struct", "union") and k + 1 < len(words) and \
                    head[k + 1].kind == "id" and words[k + 1] not in _KEYWORDS:
                return words[k + 1]
        return None

    def _template_params(self, start, end):
        toks = self.toks
        names = set()
        for j in range(start, end - 1):
            if toks[j].text == "template" and toks[j + 1].text == "<":
                k, depth = j + 2, 1
                while k < end and depth:
                    t = toks[k].text
                    depth += 1 if t == "<" else -1 if t == ">" else 0
                    if toks[k].kind == "id" and t not in _KEYWORDS and \
                            toks[k + 1].text in (",", ">", "=") and toks[k - 1].text != "=":
                        names.add(t)
                    k += 1
        return names

    def _is_declarator(self, j):
        toks = self.toks
        tok = toks[j]
        if tok.kind != "id" or tok.text in _KEYWORDS or j == 0 or j + 1 >= len(toks):
            return False
        if toks[j + 1].text not in _DECL_FOLLOW:
            return False
        prev = toks[j - 1]
        if prev.kind == "id":
            return prev.text not in _NOT_A_TYPE
        if prev.text == ">":
            return True
        if prev.text in ("*", "&", "&&"):
            k = j - 1
            while k > 0 and toks[k].text in ("*", "&", "&&", "const"):
                k -= 1
            return toks[k].kind == "id" and toks[k].text not in _NOT_A_TYPE or toks[k].text == ">"
        return False

    def _declare_in(self, scope, start, end, at_depth):
        depth = 0
        seen_decl = False
        for j in range(start, end):
            t = self.toks[j].text
            if t in ("(", "[", "{"):
                depth += 1
            elif t in (")", "]", "}"):
                depth -= 1
            elif depth == at_depth and (self._is_declarator(j) or
                                        (seen_decl and self.toks[j - 1].text == "," and
                                         self.toks[j].kind == "id" and
                                         self.toks[j + 1].text in _DECL_FOLLOW)):
                scope.names.add(t)
                seen_decl = True

    def _declare(self, scope, start, end):
        self._declare_in(scope, start, end, at_depth=0)

    # --- checks ------------------------------------------------------------------------------

    def _visible(self, stack):
        names = set()
        for scope in stack:
            names |= scope.names
        return names

    def _check_pragma(self, line, text, stack):
        words = text.split()
        if not words:
            return
        kind = re.match(r"^[A-Za-z_]+", words[0])
        kind = kind.group(0).upper() if kind else words[0]
        if kind not in KNOWN_PRAGMAS:
            close = difflib.get_close_matches(kind, KNOWN_PRAGMAS, n=1, cutoff=0.8)
            if close:
                self.report(line, "unknown HLS pragma '%s' (did you mean %s?)" % (words[0],
                                                                                 close[0]),
                            "hls-pragma")
            return
        if kind == "LOOP_TRIPCOUNT" and not re.search(r"\b(max|avg)\s*=", text, re.IGNORECASE):
            self.report(line, "'#pragma HLS LOOP_TRIPCOUNT' needs max= (with min=) or avg=",
                        "hls-pragma")
        visible = None
        func = next((s.func for s in reversed(stack) if s.kind == "func"), None)
        for m in _PRAGMA_NAME.finditer(text):
            key, value = m.group(1).lower(), m.group(2)
            root = re.match(r"^[A-Za-z_]\w*", value)
            if key == "port" and value.lower() == "return":
                continue
            if visible is None:
                visible = self._visible(stack)
            if not root or root.group(0) not in visible:
                where = "function '%s'" % func if func else "this scope"
                self.report(line, "#pragma HLS %s names %s=%s, which is not a parameter or a "
                             "variable declared before it in %s" % (kind, key, value, where),
                             "hls-pragma")

    def _is_static(self, toks, stack):
        tparams = set()
        for scope in stack:
            tparams |= scope.tparams
        j = 0
        while j < len(toks):
            tok = toks[j]
            if tok.text == "sizeof":
                nxt = j + 1
                if nxt < len(toks) and toks[nxt].text == "(":
                    depth = 0
                    while nxt < len(toks):
                        depth += {"(": 1, ")": -1}.get(toks[nxt].text, 0)
                        if depth == 0:
                            break
                        nxt += 1
                j = nxt + 1
                continue
            if tok.kind == "num":
                if _FLOAT_LITERAL.match(tok.text):
                    return False
            elif tok.kind == "id":
                chain = [tok.text]
                while j + 2 < len(toks) and toks[j + 1].text == "::" and toks[j + 2].kind == "id":
                    j += 2
                    chain.append(toks[j].text)
                last = chain[-1]
                if not ("cfg" in chain[:-1] or _CONST_NAME.match(last) or
                        last in self.know.constants or last in tparams or
                        _TYPE_NAME.match(last)):
                    return False
            elif tok.text == "::":
                pass
            elif tok.text not in _STATIC_PUNCT:
                return False
            j += 1
        return bool(toks)

    def _split_top(self, toks, separators):
        parts, cur, depth = [], [], 0
        for t in toks:
            if t.text in ("(", "[", "{"):
                depth += 1
            elif t.text in (")", "]", "}"):
                depth -= 1
            if depth == 0 and t.text in separators:
                parts.append(cur)
                cur = []
            else:
                cur.append(t)
        parts.append(cur)
        return parts

    def _statement_end(self, k):
        """Index of the last token of the statement starting at k."""
        toks, n = self.toks, len(self.toks)
        if k >= n:
            return n - 1
        t = toks[k].text
        if t == "{":
            return self.partner[k] if self.partner[k] >= 0 else n - 1
        if t in ("for", "while", "switch", "if"):
            j = k + 1
            if t == "if" and j < n and toks[j].text == "constexpr":
                j += 1
            if j < n and toks[j].text == "(" and self.partner[j] >= 0:
                end = self._statement_end(self.partner[j] + 1)
                if t == "if" and end + 1 < n and toks[end + 1].text == "else":
                    end = self._statement_end(end + 2)
                return end
        if t == "do":
            end = self._statement_end(k + 1)
            j = end + 1
            if j + 1 < n and toks[j].text == "while" and self.partner[j + 1] >= 0:
                return min(self.partner[j + 1] + 1, n - 1)
            return end
        depth = 0
        for j in range(k, n):
            t = toks[j].text
            if t in ("(", "[", "{"):
                depth += 1
            elif t in (")", "]", "}"):
                depth -= 1
                if depth < 0:
                    return j - 1
            elif t == ";" and depth == 0:
                return j
        return n - 1

    def _has_tripcount(self, body_start, body_end):
        limit = body_end
        for j in range(body_start, body_end + 1):
            if self.toks[j].text in _LOOP_WORDS:
                limit = j
                break
        for index, _, text in self.pragmas:
            if body_start <= index <= limit and re.match(r"^LOOP_TRIPCOUNT\b", text, re.I):
                return True
        return False

    def _check_loop(self, i, stack):
        toks = self.toks
        word = toks[i].text
        if word == "while" and i in self.do_tails:
            return
        if word == "do":
            end = self._statement_end(i + 1)
            if end + 1 < len(toks) and toks[end + 1].text == "while":
                self.do_tails.add(end + 1)
            if not self._has_tripcount(i + 1, end):
                self.report(toks[i].line, "'do' loop without '#pragma HLS LOOP_TRIPCOUNT' in its "
                            "body (a do/while loop has no static bound)", "hls-loop-bound")
            return
        if i + 1 >= len(toks) or toks[i + 1].text != "(" or self.partner[i + 1] < 0:
            return
        close = self.partner[i + 1]
        body_end = self._statement_end(close + 1)
        if self._has_tripcount(close + 1, body_end):
            return
        header = toks[i + 2:close]
        text = _join(header)
        if word == "while":
            self.report(toks[i].line, "'while (%s)' without '#pragma HLS LOOP_TRIPCOUNT' in its "
                        "body (a while loop has no static bound)" % text, "hls-loop-bound")
            return
        if self._for_is_static(header, stack):
            return
        self.report(toks[i].line, "loop 'for (%s)' has no compile-time bound; bound it by a "
                    "constant or add '#pragma HLS LOOP_TRIPCOUNT max=N' to its body" % text,
                    "hls-loop-bound")

    def _for_is_static(self, header, stack):
        parts = self._split_top(header, (";",))
        if len(parts) == 1:  # range-for: the range must be a constant (array) name
            rng = self._split_top(header, (":",))
            return len(rng) == 2 and self._is_static(rng[1], stack)
        if len(parts) != 3:
            return False
        init, cond, incr = parts
        var = None
        top = self._split_top(init, (",",))
        for decl in top:
            for k, t in enumerate(decl):
                if t.text in ("=", "{", "(") and k > 0 and decl[k - 1].kind == "id":
                    var = decl[k - 1].text
                    break
            if var:
                break
        if var is None:
            for k, t in enumerate(incr):
                if t.kind == "id":
                    var = t.text
                    break
        if var is None:
            return False
        for conj in self._split_top(cond, ("&&",)):
            if len(conj) >= 3 and conj[0].text == var and \
                    conj[1].text in ("<", "<=", ">", ">=", "!=") and \
                    self._is_static(conj[2:], stack):
                return True
            if len(conj) >= 3 and conj[-1].text == var and \
                    conj[-2].text in ("<", "<=", ">", ">=", "!=") and \
                    self._is_static(conj[:-2], stack):
                return True
        return False


def _join(tokens):
    """Tokens back to compact C++ text, for messages."""
    text = " ".join(t.text for t in tokens)
    text = re.sub(r"\s*(\.|->|::)\s*", r"\1", text)
    text = re.sub(r"([(\[!~])\s+|\s+([)\],;])", lambda m: m.group(1) or m.group(2), text)
    return re.sub(r"(\+\+|--)\s+(?=\w)", r"\1", text)


def check_forbidden(source):
    """Check 3: forbidden types and constructs in the synthesis view of the file."""
    findings = []
    lines = list(source.synth)
    for number, name, rest in source.directives:
        if name == "define":
            lines[number - 1] = rest
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        for pattern, message in _FORBIDDEN:
            m = pattern.search(line)
            if m:
                findings.append(Finding(source.path, number, message.format(m.group(0).strip()),
                                        "hls-forbidden"))
        for m in re.finditer(r"(?<![\w.])(\.?\d(?:[\w.]|'(?=\w)|[eEpP][+-])*)", line):
            lit = m.group(1)
            if not lit.lower().startswith("0x") and _FLOAT_LITERAL.match(lit):
                findings.append(Finding(source.path, number, "floating-point literal '%s' is not "
                                        "allowed in the overlay (integer-only datapath)" % lit,
                                        "hls-forbidden"))
                break
    return findings


def check_structure(source, knowledge):
    """Checks 4 and 5: `#pragma HLS` names and kinds, and loop bounds."""
    tokens, pragmas = gate_text.tokenize(source)
    walker = _Walker(source, tokens, pragmas, knowledge, check=True)
    walker.run()
    return walker.findings


def header_files(directory):
    """Every header under `directory` (recursively), for the constant and class scan."""
    out = []
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            if name.endswith((".h", ".hpp", ".hh", ".inc")):
                out.append(os.path.join(root, name))
    return sorted(out)
