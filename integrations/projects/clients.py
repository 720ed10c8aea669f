"""API clients for a Connection, built in one place.

When providers become objects with their own client factory (the provider refactor), this is the one
function to point at it.
"""

from __future__ import annotations

import httpx
from django.conf import settings

from integrations.models import Connection
from integrations.models.connection import Method
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.http import BasicCredentials, BearerToken, Credential

# Methods that authenticate with HTTP Basic: the login (email or user name) goes with the secret.
_BASIC = {Method.API_TOKEN, Method.APP_PASSWORD}

Client = BitbucketCloudClient | BitbucketServerClient


def credential_for(connection: Connection) -> Credential:
    if connection.method in _BASIC:
        return BasicCredentials(connection.login or connection.username, connection.access_token,
                                kind=connection.method)
    return BearerToken(connection.access_token, kind=connection.method)


def client_for_connection(connection: Connection) -> Client:
    """A client for the connection's provider and host, authenticated as the connection's user."""
    integration = connection.integration
    credential = credential_for(connection)
    timeout = httpx.Timeout(settings.SCM_HTTP_TIMEOUT, connect=min(5.0, settings.SCM_HTTP_TIMEOUT))
    if integration.provider == "bitbucket-cloud":
        return BitbucketCloudClient(api_url=settings.BITBUCKET_CLOUD_API_URL,
                                    web_url=settings.BITBUCKET_CLOUD_WEB_URL, credential=credential, timeout=timeout)
    if integration.provider == "bitbucket-server":
        return BitbucketServerClient(integration.host, credential=credential, timeout=timeout)
    raise ValueError(f"Projects are not supported for {integration.provider}")
