"""RE2 patterns (buf.validate's `string.pattern`) as ECMAScript regular expressions.

protovalidate matches patterns with RE2. The TypeScript checks and OpenAPI's `pattern` need the
same language in ECMAScript (used with the `u` flag, so both match code points). Most RE2 syntax
means the same there; this rewrites what is spelled differently, reports what RE2 rejects (the Go
server would fail on it), and gives up — leaving the pattern to the Go server — on the few RE2
constructs ECMAScript cannot express the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

# ECMAScript `u`-mode syntax characters: the only punctuation it lets a backslash escape.
_SYNTAX = set("^$\\.*+?()[]{}|/")
# RE2's Perl classes; ECMAScript's \s also matches Unicode spaces, RE2's only these.
_SPACE = "\\t\\n\\f\\r "
_CLASS_ESCAPES = {"d": "\\d", "D": "\\D", "w": "\\w", "W": "\\W", "s": _SPACE}
_SIMPLE_ESCAPES = {"t": "\\t", "n": "\\n", "r": "\\r", "f": "\\f", "v": "\\v", "a": "\\x07"}
# RE2's flags that ECMAScript has as regex flags, for a group at the very start of the pattern.
_LEADING_FLAGS = {"i": "i", "s": "s", "m": "m"}


@dataclass(frozen=True)
class Translation:
    source: str = ""  # the ECMAScript pattern (with `flags`), when there is one
    flags: str = ""  # ECMAScript flags besides `u` (from a leading (?i), (?s), (?m))
    error: str = ""  # why RE2 rejects the pattern: generation fails
    unsupported: str = ""  # why ECMAScript cannot check it the same way: left to the Go server


class _Reject(Exception):
    pass


class _Unsupported(Exception):
    pass


def translate(pattern: str) -> Translation:
    try:
        source, flags = _Translator(pattern).run()
    except _Reject as e:
        return Translation(error=str(e))
    except _Unsupported as e:
        return Translation(unsupported=str(e))
    return Translation(source=source, flags=flags)


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: List[str] = []
        self.depth = 0
        # Whether the previous item can take a repetition operator.
        self.repeatable = False

    def run(self) -> "tuple[str, str]":
        flags = self._leading_flags()
        while self.i < len(self.p):
            self._item()
        if self.depth:
            raise _Reject("missing closing )")
        return "".join(self.out), flags

    def _leading_flags(self) -> str:
        if not self.p.startswith("(?") or self.p[2:3] in (":", "P", "<", "=", "!"):
            return ""
        end = self.p.find(")")
        letters = self.p[2:end] if end > 0 else ""
        if end < 0 or not letters or any(c not in _LEADING_FLAGS for c in letters):
            return ""
        self.i = end + 1
        return "".join(sorted({_LEADING_FLAGS[c] for c in letters}))

    def _item(self) -> None:
        c = self.p[self.i]
        if c == "\\":
            self._escape(in_class=False)
            self.repeatable = True
        elif c == "[":
            self._class()
            self.repeatable = True
        elif c == "(":
            self._group()
        elif c == ")":
            if not self.depth:
                raise _Reject("unexpected )")
            self.depth -= 1
            self.out.append(c)
            self.i += 1
            self.repeatable = True
        elif c in "*+?":
            self._repeat(c)
        elif c == "{" and self._counted() is not None:
            self._repeat(self._counted() or "")
        elif c in "{}/":
            # Literal in RE2 (a `{` that starts no repetition); ECMAScript's u mode wants it escaped.
            self.out.append("\\" + c)
            self.i += 1
            self.repeatable = True
        else:
            self.out.append(c)
            self.i += 1
            self.repeatable = c not in "|^$"

    def _counted(self) -> Optional[str]:
        """The `{n}`, `{n,}` or `{n,m}` at the position, or None."""
        end = self.p.find("}", self.i)
        if end < 0:
            return None
        body = self.p[self.i + 1:end]
        low, comma, high = body.partition(",")
        if not low.isdigit() or (high and not high.isdigit()):
            return None
        if int(low) > 1000 or (high and int(high) > 1000):
            raise _Reject(f"repetition count {self.p[self.i:end + 1]} is above RE2's limit of 1000")
        if high and int(high) < int(low):
            raise _Reject(f"repetition {self.p[self.i:end + 1]} has its maximum below its minimum")
        return self.p[self.i:end + 1]

    def _repeat(self, operator: str) -> None:
        if not self.repeatable:
            raise _Reject(f"missing argument to repetition operator {operator}")
        self.i += len(operator)
        if self.p[self.i:self.i + 1] in ("*", "+") or (self.p[self.i:self.i + 1] == "?" and self.out and self.out[-1].endswith("?")):
            raise _Reject(f"bad repetition operator {operator}{self.p[self.i]}")
        if self.p[self.i:self.i + 1] == "?":  # non-greedy
            operator += "?"
            self.i += 1
        self.out.append(operator)
        self.repeatable = False

    def _group(self) -> None:
        rest = self.p[self.i:]
        if rest.startswith("(?=") or rest.startswith("(?!") or rest.startswith("(?<=") or rest.startswith("(?<!"):
            raise _Reject("RE2 has no lookahead or lookbehind")
        if rest.startswith("(?P<") or rest.startswith("(?<"):
            start = 4 if rest.startswith("(?P<") else 3
            end = rest.find(">")
            name = rest[start:end] if end > 0 else ""
            if not name or not (name[0].isalpha() or name[0] == "_") or not all(ch.isalnum() or ch == "_" for ch in name):
                raise _Reject("invalid named capture group")
            self.out.append(f"(?<{name}>")
            self.i += end + 1
        elif rest.startswith("(?:"):
            self.out.append("(?:")
            self.i += 3
        elif rest.startswith("(?"):
            raise _Unsupported("inline flags inside the pattern have no ECMAScript equivalent")
        else:
            self.out.append("(")
            self.i += 1
        self.depth += 1
        self.repeatable = False

    def _escape(self, in_class: bool) -> None:
        if self.i + 1 >= len(self.p):
            raise _Reject("trailing backslash at end of expression")
        c = self.p[self.i + 1]
        self.i += 2
        if c.isdigit() and c != "0":
            raise _Reject("RE2 has no backreferences")
        if c in _CLASS_ESCAPES:
            text = _CLASS_ESCAPES[c]
            if c == "s" and not in_class:
                text = f"[{text}]"
            self.out.append(text)
        elif c in _SIMPLE_ESCAPES:
            self.out.append(_SIMPLE_ESCAPES[c])
        elif c in ("b", "B") and not in_class:
            self.out.append("\\" + c)
        elif c == "A" and not in_class:
            self.out.append("^")
        elif c == "z" and not in_class:
            # ECMAScript's $ is the end of the input as long as the m flag is off.
            if "m" in self.p[:self.i]:
                raise _Unsupported("\\z together with multi-line mode")
            self.out.append("$")
        elif c in ("p", "P"):
            self._unicode_class(c)
        elif c == "x":
            self._hex()
        elif c == "0":
            self.out.append("\\0")
        elif c == "Q" or c == "C":
            raise _Unsupported(f"\\{c} has no ECMAScript equivalent")
        elif not c.isalnum():
            # RE2 escapes any punctuation; ECMAScript's u mode only its syntax characters (and `-`
            # inside a class).
            self.out.append("\\" + c if c in _SYNTAX or (in_class and c == "-") else f"\\u{{{ord(c):x}}}")
        else:
            raise _Reject(f"invalid escape sequence \\{c}")

    def _unicode_class(self, c: str) -> None:
        if self.p[self.i:self.i + 1] == "{":
            end = self.p.find("}", self.i)
            if end < 0:
                raise _Reject("invalid character class range")
            name = self.p[self.i + 1:end]
            self.i = end + 1
        elif self.i < len(self.p):
            name = self.p[self.i]
            self.i += 1
        else:
            raise _Reject("invalid character class range")
        negated = name.startswith("^")
        name = name[1:] if negated else name
        if not name.isalpha():
            raise _Reject(f"invalid character class \\{c}{{{name}}}")
        letter = ("P" if c == "p" else "p") if negated else c
        # RE2 names scripts (Greek) and general categories (L, Lu) as ECMAScript does with \p{...}.
        self.out.append(f"\\{letter}{{{name}}}")

    def _hex(self) -> None:
        if self.p[self.i:self.i + 1] == "{":
            end = self.p.find("}", self.i)
            digits = self.p[self.i + 1:end] if end > 0 else ""
            self.i = end + 1 if end > 0 else len(self.p)
        else:
            digits = self.p[self.i:self.i + 2]
            self.i += 2
        if not digits or any(ch not in "0123456789abcdefABCDEF" for ch in digits) or int(digits, 16) > 0x10FFFF:
            raise _Reject("invalid escape sequence \\x")
        self.out.append(f"\\u{{{int(digits, 16):x}}}")

    def _class(self) -> None:
        start = self.i
        self.out.append("[")
        self.i += 1
        if self.p[self.i:self.i + 1] == "^":
            self.out.append("^")
            self.i += 1
        first = True
        while True:
            if self.i >= len(self.p):
                raise _Reject(f"missing closing ] in {self.p[start:]}")
            c = self.p[self.i]
            if c == "]" and not first:
                self.out.append("]")
                self.i += 1
                return
            if self.p.startswith("[:", self.i):
                raise _Unsupported("POSIX classes such as [:alpha:] have no ECMAScript equivalent")
            if c == "\\":
                self._escape(in_class=True)
            elif c in "[]{}()/|":
                self.out.append("\\" + c)
                self.i += 1
            else:
                self.out.append(c)
                self.i += 1
            first = False
