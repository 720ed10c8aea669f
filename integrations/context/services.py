"""Resolve a parsed context URL as one user: with their connection's credential, through the provider's API."""

from __future__ import annotations

from dataclasses import replace

from integrations.connections.services import connection_refresh
from integrations.context.base import ContextUrl
from integrations.context.resolution import ResolvedContext, reader_for, resolve_context
from integrations.models import Connection
from integrations.models.connection import Method
from integrations.projects.clients import client_for_connection


def context_resolve(*, context: ContextUrl, connection: Connection) -> ResolvedContext:
    """Raises `ContextNotFound`, `NotSupportedYet`, the typed provider errors, or `ConnectionBroken` when an
    expiring OAuth token cannot be refreshed."""
    if connection.method == Method.OAUTH:
        connection = connection_refresh(connection_id=connection.pk)  # a no-op unless about to expire
    integration = connection.integration
    with client_for_connection(connection) as client:
        reader = reader_for(integration.scm_provider, client)
        resolved = resolve_context(context, reader=reader, username=connection.username)
        return replace(resolved, commit_api_url=reader.commit_api_url(context.owner, context.repo, resolved.commit))
