"""What the repository picker shows: a connection's sources (Cloud workspaces, Server projects: whatever
the provider's `projects` support lists), and one page of repositories at a time, searched at the
provider, with whether a webhook can be installed.

Paging is on demand (one provider page per screen, never the whole list), and answers are cached for
a short while per connection, so thousands of repositories stay fast and a back button is free.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from django.core.cache import cache

from integrations.models import Connection
from integrations.models.connection import Method
from integrations.projects.clients import client_for_connection
from integrations.providers.http import InsufficientScope, ProviderError, Unauthorized
from integrations.providers.projects import (
    PickerAccount,
    ProjectSupport,
    RepositoryChoice,
    RepositoryPage,
    Source,
)

__all__ = ["PickerUnavailable", "RepositoryChoice", "RepositoryPage", "Source", "repository_page",
           "repository_sources", "webhook_scope_missing"]

PAGE_SIZE = 25
CACHE_SECONDS = 60
MAX_QUERY_CHARS = 100


class PickerUnavailable(Exception):
    """The provider could not list repositories now; the message is for the admin."""


def _cache_key(connection: Connection, *parts: object) -> str:
    # The connection's updated_at changes on reconnect and refresh: new scopes, new answers.
    # The integration's options too: an admin's new workspace limit applies at once.
    raw = json.dumps([connection.pk, connection.updated_at.isoformat() if connection.updated_at else "",
                      sorted((connection.integration.options or {}).items()), *parts])
    return "projects:picker:" + hashlib.sha256(raw.encode()).hexdigest()


def _explain(exc: ProviderError, connection: Connection) -> PickerUnavailable:
    label = connection.integration.spec.label
    if isinstance(exc, Unauthorized):
        return PickerUnavailable(f"{label} rejected your connection's token. Reconnect on the Connections page.")
    if isinstance(exc, InsufficientScope):
        return PickerUnavailable(f"Your connection may not list repositories ({exc.detail}). Reconnect and grant "
                                 "the repository scopes.")
    return PickerUnavailable(f"{label} could not list repositories now: {exc.detail}. Try again in a moment.")


def webhook_scope_missing(connection: Connection) -> str:
    """The scope an OAuth connection lacks to install webhooks, or ''. Tokens are judged at install time."""
    if connection.method != Method.OAUTH:
        return ""
    support = connection.integration.scm_provider.projects
    if support is None:
        return ""
    have = connection.integration.scm_provider.effective_scopes(connection.granted_scopes or ())
    return support.webhook_scope_missing(have)


def _support(connection: Connection) -> ProjectSupport:
    support = connection.integration.scm_provider.projects
    if support is None:
        raise PickerUnavailable(f"Projects are Bitbucket-only for now: {connection.integration.spec.name} "
                                "repositories cannot be picked yet.")
    return support


def _account(connection: Connection) -> PickerAccount:
    provider = connection.integration.scm_provider
    return PickerAccount(
        username=connection.username or "", display_name=connection.display_name or "",
        method=connection.method, resource=connection.resource or "",
        scopes=frozenset(provider.effective_scopes(connection.granted_scopes or ())),
        options=dict(connection.integration.options or {}), webhook_scope_missing=webhook_scope_missing(connection))


def repository_sources(connection: Connection) -> list[Source]:
    support = _support(connection)
    key = _cache_key(connection, "sources")
    cached = cache.get(key)
    if cached is not None:
        return [Source(**item) for item in cached]
    try:
        with client_for_connection(connection) as client:
            sources = support.sources(client, _account(connection))
    except ProviderError as exc:
        raise _explain(exc, connection) from None
    cache.set(key, [asdict(s) for s in sources], CACHE_SECONDS)
    return sources


def repository_page(connection: Connection, source: str, *, query: str = "", page: int = 1) -> RepositoryPage:
    support = _support(connection)
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    page = max(1, page)
    key = _cache_key(connection, "page", source, query, page)
    cached = cache.get(key)
    if cached is not None:
        cached["items"] = [RepositoryChoice(**item) for item in cached["items"]]
        return RepositoryPage(**cached)
    sources = {s.key.lower(): s for s in repository_sources(connection)}
    chosen = sources.get(source.lower())
    if chosen is None:
        raise PickerUnavailable(f"Choose a {support.source_label.lower()} from the list.")
    try:
        with client_for_connection(connection) as client:
            result = support.repository_page(client, _account(connection), chosen, query=query, page=page,
                                             page_size=PAGE_SIZE)
    except ProviderError as exc:
        raise _explain(exc, connection) from None
    cache.set(key, {**asdict(result), "items": [asdict(i) for i in result.items]}, CACHE_SECONDS)
    return result
