"""A subset of Bitbucket's query language (BBQL) for `q=` and `sort=` on repository lists.

Supported: `field op value` with `=`, `!=`, `~` (contains, case-insensitive), `!~`; string values in
double quotes (with `\\"` escapes), `true`/`false`, numbers; `AND`, `OR` (AND binds tighter) and
parentheses. Fields: name, slug, full_name, description, language, is_private, project.key. A query
Bitbucket would refuse answers 400 like Bitbucket does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from emulator.cloud.errors import cloud_error
from emulator.cloud.models import CloudRepository

FIELDS: dict[str, Callable[[CloudRepository], Any]] = {
    "name": lambda r: r.name,
    "slug": lambda r: r.slug,
    "full_name": lambda r: r.full_name,
    "description": lambda r: r.description,
    "language": lambda r: r.language,
    "is_private": lambda r: r.is_private,
    "project.key": lambda r: r.project_key,
    "created_on": lambda r: r.created_on,
    "updated_on": lambda r: r.updated_on,
}
_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<op>!=|!~|=|~)|"(?P<str>(?:[^"\\]|\\.)*)"'
                    r'|(?P<word>[A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?))')

Predicate = Callable[[CloudRepository], bool]


def _invalid(message: str):
    return cloud_error(400, f"Invalid query: {message}")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise _invalid(f"unexpected input at position {pos}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value)
        out.append((kind, value))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _invalid("the query ends too early")
        self.i += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.expr()
        if self.peek() is not None:
            raise _invalid(f"unexpected {self.peek()[1]!r}")
        return predicate

    def expr(self) -> Predicate:
        terms = [self.conjunction()]
        while self.peek() == ("word", "OR"):
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda r, ts=tuple(terms): any(t(r) for t in ts))

    def conjunction(self) -> Predicate:
        terms = [self.term()]
        while self.peek() == ("word", "AND"):
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else (lambda r, ts=tuple(terms): all(t(r) for t in ts))

    def term(self) -> Predicate:
        kind, value = self.take()
        if kind == "lp":
            inner = self.expr()
            if self.take()[0] != "rp":
                raise _invalid("missing )")
            return inner
        if kind != "word" or value not in FIELDS:
            raise _invalid(f"{value!r} is not a field of repository")
        getter = FIELDS[value]
        op_kind, op = self.take()
        if op_kind != "op":
            raise _invalid(f"expected an operator after {value}")
        literal_kind, literal = self.take()
        wanted: Any
        if literal_kind == "str":
            wanted = literal
        elif literal in ("true", "false"):
            wanted = literal == "true"
        elif literal_kind == "word":
            try:
                wanted = float(literal)
            except ValueError:
                raise _invalid(f"{literal!r} is not a value") from None
        else:
            raise _invalid(f"{literal!r} is not a value")
        return _compare(getter, op, wanted)


def _compare(getter: Callable[[CloudRepository], Any], op: str, wanted: Any) -> Predicate:
    if op in ("~", "!~"):
        needle = str(wanted).lower()
        contains = lambda r: needle in str(getter(r) or "").lower()  # noqa: E731
        return contains if op == "~" else (lambda r: not contains(r))
    equal = lambda r: getter(r) == wanted  # noqa: E731
    return equal if op == "=" else (lambda r: not equal(r))


def filter_repositories(repos: list[CloudRepository], query: str | None) -> list[CloudRepository]:
    if not query or not query.strip():
        return repos
    predicate = _Parser(query).parse()
    return [repo for repo in repos if predicate(repo)]


def sort_repositories(repos: list[CloudRepository], sort: str | None) -> list[CloudRepository]:
    if not sort:
        return repos
    field = sort.lstrip("-")
    if field not in FIELDS:
        raise _invalid(f"cannot sort by {field!r}")
    getter = FIELDS[field]
    return sorted(repos, key=lambda r: (getter(r) is None, getter(r)), reverse=sort.startswith("-"))
