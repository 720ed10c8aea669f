"""GitHub: configured in the repository-access dialog; connecting accounts is not built yet.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`). What it does not
override (the API client, and so identity and token verification) raises `NotSupportedYet`.
"""

from __future__ import annotations

from integrations.providers.base import BaseProvider
from integrations.providers.github import context
from integrations.providers.github.spec import SPEC

__all__ = ["PROVIDER", "SPEC"]


class GitHub(BaseProvider):
    spec = SPEC
    context_parser = context.PARSER


PROVIDER = GitHub()
