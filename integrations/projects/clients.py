"""API clients for a Connection, built in one place: through the integration's provider object."""

from __future__ import annotations

import httpx
from django.conf import settings

from integrations.models import Connection
from integrations.models.connection import Method
from integrations.providers.http import BasicCredentials, BearerToken, Credential
from integrations.providers.protocol import ProviderClient

# Methods that authenticate with HTTP Basic: the login (email or user name) goes with the secret.
_BASIC = {Method.API_TOKEN, Method.APP_PASSWORD}



def credential_for(connection: Connection) -> Credential:
    if connection.method in _BASIC:
        return BasicCredentials(connection.login or connection.username, connection.access_token,
                                kind=connection.method)
    return BearerToken(connection.access_token, kind=connection.method)


def client_for_connection(connection: Connection) -> ProviderClient:
    """A client for the connection's provider and host, authenticated as the connection's user.

    Raises `NotSupportedYet` (naming the provider) for a provider whose package has no API client yet."""
    integration = connection.integration
    timeout = httpx.Timeout(settings.SCM_HTTP_TIMEOUT, connect=min(5.0, settings.SCM_HTTP_TIMEOUT))
    return integration.scm_provider.client(host=integration.host, credential=credential_for(connection),
                                           timeout=timeout)
