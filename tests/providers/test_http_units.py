"""Pure functions of the shared HTTP layer (no network needed)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from integrations.providers.http import (
    BasicCredentials,
    BearerToken,
    InsufficientScope,
    parse_retry_after,
    raise_for_response,
)
from integrations.providers.oauth import make_pkce_pair
from integrations.providers.tokens import parse_token_response

PAYLOADS = Path(__file__).resolve().parents[1] / "reference" / "bitbucket" / "payloads" / "api"


def test_retry_after_seconds_and_http_date():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("17") == 17
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_token_response_cloud_scopes_and_server_scope():
    cloud = parse_token_response(json.loads((PAYLOADS / "cloud-oauth2-token-response.json").read_text()))
    assert cloud.scopes == ("my", "scopes", "here")
    assert cloud.expires_in == 7200
    assert cloud.refresh_token == "my-refresh-token"
    server = parse_token_response(json.loads((PAYLOADS / "server-oauth2-token-response.json").read_text()))
    assert server.scopes == ("PUBLIC_REPOS",)
    assert server.token_type == "bearer"
    assert "dummy_access_token" not in repr(server)


def test_pkce_pair_is_s256():
    verifier, challenge = make_pkce_pair()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected
    assert make_pkce_pair()[0] != verifier


def test_credentials_repr_hides_secrets():
    assert "s3cr3t-token" not in repr(BearerToken("s3cr3t-token"))
    assert "s3cr3t-pass" not in repr(BasicCredentials("me@example.com", "s3cr3t-pass"))


def test_provider_echoing_the_token_is_redacted():
    # A hand-built response stands in for a provider that echoes the credential back.
    request = httpx.Request("GET", "https://api.example/2.0/user", headers={"Authorization": "Bearer leaky-tok"})
    body = {"type": "error", "error": {"message": "token leaky-tok is not valid"}}
    response = httpx.Response(400, json=body, request=request)
    with pytest.raises(Exception) as info:
        raise_for_response(response, provider="bitbucket-cloud")
    assert "leaky-tok" not in str(info.value)
    assert "HTTP 400" in str(info.value)


def test_cloud_scope_detail_names_missing_scope():
    request = httpx.Request("GET", "https://api.example/2.0/user/emails")
    body = {
        "type": "error",
        "error": {
            "message": "Your credentials lack one or more required privilege scopes.",
            "detail": {"granted": ["account"], "required": ["email"]},
        },
    }
    response = httpx.Response(403, json=body, request=request)
    with pytest.raises(InsufficientScope) as info:
        raise_for_response(response, provider="bitbucket-cloud")
    assert info.value.missing_scopes == ("email",)
    assert "email" in str(info.value)
