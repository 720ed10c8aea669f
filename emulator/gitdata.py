"""A repository's refs and commits, shared by the Cloud and Server models.

There is no real git here: commits are records with deterministic hashes, enough to resolve
branch, tag, commit and pull-request URLs and to build push payloads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from emulator.clock import now

ZERO_HASH = "0" * 40


@dataclass
class Commit:
    hash: str
    message: str
    author_name: str
    author_email: str
    date: datetime
    parents: list[str] = field(default_factory=list)
    # The account that authored it, when the author maps to an emulator user.
    author_username: str | None = None


@dataclass
class GitData:
    main_branch: str = "main"
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    # Build statuses per commit hash, in the order they were posted (a repost of a key is a new entry:
    # the history is what tests and the demo read back; the latest entry per key is what Bitbucket shows).
    build_statuses: dict[str, list[dict]] = field(default_factory=dict)

    def commit(
        self,
        *,
        seed: str,
        message: str,
        author_name: str,
        author_email: str,
        parents: list[str],
        author_username: str | None = None,
    ) -> Commit:
        counter = len(self.commits)
        digest = hashlib.sha1(f"{seed}\0{counter}\0{message}\0{parents}".encode()).hexdigest()  # noqa: S324
        created = Commit(
            hash=digest,
            message=message,
            author_name=author_name,
            author_email=author_email,
            date=now(),
            parents=list(parents),
            author_username=author_username,
        )
        self.commits[digest] = created
        return created

    def push(self, *, seed: str, branch: str, message: str, author_name: str, author_email: str,
             author_username: str | None = None) -> tuple[str | None, Commit]:
        """Add one commit on top of ``branch`` (creating it from main if new); return (old head, commit)."""
        old = self.branches.get(branch)
        base = old or self.branches.get(self.main_branch)
        created = self.commit(
            seed=seed, message=message, author_name=author_name, author_email=author_email,
            parents=[base] if base else [], author_username=author_username,
        )
        self.branches[branch] = created.hash
        return old, created

    def find_commit(self, ref: str) -> Commit | None:
        """Resolve a full or abbreviated hash, or a branch or tag name."""
        if ref in self.branches:
            return self.commits.get(self.branches[ref])
        if ref in self.tags:
            return self.commits.get(self.tags[ref])
        if len(ref) >= 7:
            matches = [c for h, c in self.commits.items() if h.startswith(ref.lower())]
            if len(matches) == 1:
                return matches[0]
        return None

    def history(self, head: str, limit: int = 1000) -> list[Commit]:
        """Commits reachable from ``head``, newest first (first-parent is enough here)."""
        out: list[Commit] = []
        seen: set[str] = set()
        queue = [head]
        while queue and len(out) < limit:
            current = self.commits.get(queue.pop(0))
            if current is None or current.hash in seen:
                continue
            seen.add(current.hash)
            out.append(current)
            queue.extend(current.parents)
        return out


def initial_git_data(*, seed: str, main_branch: str, author_name: str, author_email: str,
                     author_username: str | None, branches: list[str] | None = None,
                     tags: list[str] | None = None) -> GitData:
    data = GitData(main_branch=main_branch)
    first = data.commit(seed=seed, message="Initial commit\n", author_name=author_name,
                        author_email=author_email, parents=[], author_username=author_username)
    data.branches[main_branch] = first.hash
    for name in branches or []:
        if name != main_branch:
            data.push(seed=seed, branch=name, message=f"Work on {name}\n", author_name=author_name,
                      author_email=author_email, author_username=author_username)
    for name in tags or []:
        data.tags[name] = first.hash
    return data
