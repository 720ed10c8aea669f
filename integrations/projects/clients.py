"""API clients for a Connection, built in one place: through the integration's provider object."""

from __future__ import annotations

import httpx
from django.conf import settings

from integrations.connections.credentials import connection_credential
from integrations.models import Connection
from integrations.providers.protocol import ProviderClient


def client_for_connection(connection: Connection) -> ProviderClient:
    """A client for the connection's provider and host, authenticated as the connection's user.

    Raises `NotSupportedYet` (naming the provider) for a provider whose package has no API client yet."""
    integration = connection.integration
    timeout = httpx.Timeout(settings.SCM_HTTP_TIMEOUT, connect=min(5.0, settings.SCM_HTTP_TIMEOUT))
    return integration.scm_provider.client(host=integration.host, credential=connection_credential(connection),
                                           timeout=timeout)
