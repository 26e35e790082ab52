"""Source text of one HLS file as the synthesis front end sees it.

Comments and the contents of string/character literals are blanked (line structure kept, so
every later finding keeps its line number), code inside simulation-only preprocessor blocks is
blanked, and what remains is tokenized. Only the `__SYNTHESIS__` conditionals are evaluated:
every other conditional keeps all of its branches, so all of them are checked.
"""

import re

_IDENT_START = re.compile(r"[A-Za-z_]")
_IDENT = re.compile(r"[A-Za-z_]\w*")
# A pp-number: digits, letters, '.', digit separators and exponent signs.
_PP_NUMBER = re.compile(r"\.?\d(?:[\w.]|'(?=\w)|[eEpP][+-])*")
_RAW_PREFIXES = ("R", "LR", "uR", "UR", "u8R")


def strip_comments_and_literals(text):
    """Returns `text` with comments replaced by spaces and literal contents by spaces.

    Quotes stay, so a literal remains a (blank) token; newlines stay, so lines keep their
    numbers. Handles digit separators (1'000), escapes and raw strings R"d(...)d".
    """
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j, n)
            closed = j < n and text[j] == c
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + (c if closed else ""))
            i = j + 1 if closed else j
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _PP_NUMBER.match(text, i)
            out.append(m.group(0))
            i = m.end()
        elif _IDENT_START.match(c):
            m = _IDENT.match(text, i)
            word = m.group(0)
            j = m.end()
            if word in _RAW_PREFIXES and j < n and text[j] == '"':
                open_paren = text.find("(", j)
                delim = text[j + 1:open_paren] if open_paren >= 0 else ""
                close = text.find(")" + delim + '"', open_paren + 1) if open_paren >= 0 else -1
                end = n if close < 0 else close + len(delim) + 2
                out.append(word + '"' + re.sub(r"[^\n]", " ", text[j + 1:end - 1]) + '"')
                i = end
            else:
                out.append(word)
                i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


# The only conditionals that are evaluated: "is this synthesis?".
_SIM_FIRST = re.compile(
    r"^(?:ifndef\s+__SYNTHESIS__|if\s+!\s*defined\s*(?:\(\s*__SYNTHESIS__\s*\)|\s__SYNTHESIS__))"
    r"\s*$")
_SYN_FIRST = re.compile(
    r"^(?:ifdef\s+__SYNTHESIS__|if\s+defined\s*(?:\(\s*__SYNTHESIS__\s*\)|\s__SYNTHESIS__))\s*$")
_DIRECTIVE = re.compile(r"^\s*#\s*(\w+)\s*(.*?)\s*$")


class _Frame:
    """One open #if group: `kind` is 'sim' (first branch sim-only), 'syn' (later branches
    sim-only) or 'other' (every branch visible)."""

    def __init__(self, kind, line):
        self.kind, self.line, self.branch = kind, line, 0

    def sim_only(self):
        return (self.kind == "sim" and self.branch == 0) or (self.kind == "syn" and
                                                               self.branch > 0)


class SourceFile:
    """One file after stripping. Attributes:

    lines       stripped lines (index 0 = line 1)
    synth       stripped lines with sim-only code and all directives blanked
    directives  (line, name, rest) of every directive synthesis sees
    pragmas     (line, text after 'HLS') of every synthesis-visible '#pragma HLS'
    errors      (line, message) of malformed conditionals
    """

    def __init__(self, path, text):
        self.path = path
        stripped = strip_comments_and_literals(text)
        self.lines = stripped.split("\n")
        self.synth = []
        self.directives = []
        self.pragmas = []
        self.errors = []
        self._split()

    def _split(self):
        stack = []
        continued = False
        for number, line in enumerate(self.lines, 1):
            if continued:
                # The tail of a directive continued with a backslash.
                continued = line.rstrip().endswith("\\")
                self.synth.append("")
                continue
            m = _DIRECTIVE.match(line)
            if not m:
                hidden = any(f.sim_only() for f in stack)
                self.synth.append("" if hidden else line)
                continue
            continued = line.rstrip().endswith("\\")
            name, rest = m.group(1), m.group(2).rstrip("\\").strip()
            self.synth.append("")
            directive = name + (" " + rest if rest else "")
            if name in ("if", "ifdef", "ifndef"):
                kind = ("sim" if _SIM_FIRST.match(directive) else
                        "syn" if _SYN_FIRST.match(directive) else "other")
                visible = not any(f.sim_only() for f in stack)
                stack.append(_Frame(kind, number))
                if visible:
                    self.directives.append((number, name, rest))
                continue
            if name in ("elif", "else", "endif"):
                if not stack:
                    self.errors.append((number, "#%s without a matching #if" % name))
                    continue
                if name == "endif":
                    stack.pop()
                else:
                    stack[-1].branch += 1
                continue
            if any(f.sim_only() for f in stack):
                continue
            self.directives.append((number, name, rest))
            if name == "pragma":
                pm = re.match(r"^HLS\b\s*(.*)$", rest, re.IGNORECASE)
                if pm:
                    self.pragmas.append((number, pm.group(1)))
        for frame in stack:
            self.errors.append((frame.line, "#if without a matching #endif"))


_PUNCT = re.compile(r"::|->|<<=|<=|>=|==|!=|&&|\|\||<<|\+\+|--|\+=|-=|\*=|/=|%=|&=|\|=|\^=|"
                    r"\.\.\.|[^\s\w]")
_TOKEN = re.compile(r"\s+|(?P<num>\.?\d(?:[\w.]|'(?=\w)|[eEpP][+-])*)|(?P<id>[A-Za-z_]\w*)|"
                    r"(?P<str>\"[^\"\n]*\"|'[^'\n]*')|(?P<punct>" + _PUNCT.pattern + ")")


class Token:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return "%s@%d" % (self.text, self.line)


def tokenize(source):
    """Tokens of the synthesis view, plus each HLS pragma's position in the token stream:
    returns (tokens, [(token_index, line, pragma_text)])."""
    tokens = []
    pragma_at = {line: text for line, text in source.pragmas}
    pragmas = []
    for number, line in enumerate(source.synth, 1):
        if number in pragma_at:
            pragmas.append((len(tokens), number, pragma_at[number]))
            continue
        for m in _TOKEN.finditer(line):
            kind = m.lastgroup
            if kind:
                tokens.append(Token(kind, m.group(0), number))
    return tokens, pragmas
