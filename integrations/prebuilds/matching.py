"""Which refs a project builds: its branch patterns (fnmatch globs), or its default branch."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

BRANCH_PREFIX = "refs/heads/"
# When a project does not know its default branch yet (made before the field existed).
FALLBACK_DEFAULT_BRANCHES = ("main", "master")


def branch_patterns(text: str) -> list[str]:
    """`main, release/*` or one per line -> ["main", "release/*"]; blanks and duplicates dropped."""
    return list(dict.fromkeys(part.strip() for part in re.split(r"[,\n]", text or "") if part.strip()))


def pattern_errors(text: str) -> list[str]:
    problems = []
    for pattern in branch_patterns(text):
        if len(pattern) > 200 or any(ch.isspace() for ch in pattern) or pattern.startswith(BRANCH_PREFIX):
            problems.append(f"{pattern[:40]!r}: enter branch names or globs such as release/*, without "
                            "spaces or refs/heads/.")
    return problems


def builds_branch(*, patterns: str, default_branch: str, branch: str) -> bool:
    wanted = branch_patterns(patterns)
    if not wanted:
        return branch == default_branch if default_branch else branch in FALLBACK_DEFAULT_BRANCHES
    return any(fnmatchcase(branch, pattern) for pattern in wanted)
