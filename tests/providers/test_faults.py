"""Outages and dropped connections injected by the emulator, for both Bitbucket flavours (each provider's own
401 / 403 / 429 / 5xx classification is in its folder's `test_errors.py`).

The rule under test: a 5xx, 429 or broken connection raises a typed error; it is never read as
"no more pages" (Read the Docs' fault), and no message ever carries the credential.
"""

from __future__ import annotations

import socket

import httpx
import pytest

from emulator.testing import RunningEmulator, start_emulator
from integrations.providers import host_limits
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.http import BasicCredentials, BearerToken, ProviderError, ProviderUnavailable, RateLimited
from integrations.providers.paging import iter_cloud_values, iter_server_values
from tests.providers.accounts import CloudAccount, ServerAccount, seed_cloud_repos, seed_server_repos


def fault(emulator: RunningEmulator, path: str, kind: str, **extra) -> None:
    emulator.control("POST", "/faults", json={"path": path, "kind": kind, **extra})


def test_dropped_connection_is_provider_unavailable(cloud: CloudAccount):
    fault(cloud.emulator, r"^/2\.0/user$", "drop")
    client = cloud.client()
    with pytest.raises(ProviderUnavailable) as info:
        client.current_user()
    assert info.value.status is None
    assert client.session.exchanges[-1].status is None and client.session.exchanges[-1].error


def test_latency_beyond_read_timeout_is_provider_unavailable(cloud: CloudAccount):
    fault(cloud.emulator, r"^/2\.0/user$", "latency", delay_ms=3000, times=1)
    client = cloud.client(timeout=httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0))
    with pytest.raises(ProviderUnavailable) as info:
        client.current_user()
    assert "timed out" in str(info.value)


def test_connection_refused_is_provider_unavailable():
    with socket.socket() as sock:  # a port nobody listens on once this socket closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = BitbucketCloudClient(api_url=f"http://127.0.0.1:{port}", credential=BearerToken("tok-refused-123"))
    with pytest.raises(ProviderUnavailable) as info:
        client.current_user()
    assert "tok-refused-123" not in str(info.value) + repr(info.value)
    # Nothing chains back to the httpx exception (which holds the request and its headers).
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_cloud_5xx_mid_paging_raises_instead_of_truncating(cloud: CloudAccount):
    seed_cloud_repos(cloud.emulator, "acme", 6)
    client = cloud.client()
    values = iter_cloud_values(client.session, "/2.0/repositories/acme", {"pagelen": 2})
    first_page = [next(values), next(values)]
    assert [r["slug"] for r in first_page] == ["repo-00", "repo-01"]
    fault(cloud.emulator, r"^/2\.0/repositories/acme$", "status", status=503)
    with pytest.raises(ProviderUnavailable):
        list(values)


def test_cloud_429_mid_paging_raises_instead_of_truncating(cloud: CloudAccount):
    seed_cloud_repos(cloud.emulator, "acme", 6)
    values = iter_cloud_values(cloud.client().session, "/2.0/repositories/acme", {"pagelen": 2})
    next(values), next(values)
    fault(cloud.emulator, r"^/2\.0/repositories/acme$", "rate_limit", retry_after=5)
    with pytest.raises(RateLimited) as info:
        list(values)
    assert info.value.retry_after == 5


def test_server_5xx_and_429_mid_paging_raise(server: ServerAccount):
    seed_server_repos(server.emulator, "PRJ", 5)
    session = server.client().session
    for kind, error in (("status", ProviderUnavailable), ("rate_limit", RateLimited)):
        server.emulator.control("DELETE", "/faults")
        values = iter_server_values(session, "/rest/api/1.0/repos", limit=2)
        next(values), next(values)
        fault(server.emulator, r"/rest/api/1\.0/repos$", kind)
        with pytest.raises(error):
            list(values)


def test_server_drop_mid_paging_raises(server: ServerAccount):
    seed_server_repos(server.emulator, "PRJ", 5)
    values = iter_server_values(server.client().session, "/rest/api/1.0/repos", limit=2)
    next(values), next(values)
    fault(server.emulator, r"/rest/api/1\.0/repos$", "drop")
    with pytest.raises(ProviderUnavailable):
        list(values)


@pytest.fixture(scope="module")
def foreign_links_emulator():
    # Links in this emulator's answers name another host, as a hostile or misrouted `next` would.
    running = start_emulator(public_url="http://elsewhere.invalid:9")
    try:
        yield running
    finally:
        running.stop()


def test_next_on_another_host_is_not_followed(foreign_links_emulator: RunningEmulator):
    emulator = foreign_links_emulator
    emulator.reset()
    emulator.control("POST", "/cloud/users", json={"username": "alice"})
    emulator.control("POST", "/cloud/workspaces", json={"slug": "acme", "owner": "alice"})
    seed_cloud_repos(emulator, "acme", 3)
    token = emulator.control("POST", "/cloud/tokens", json={"kind": "oauth", "user": "alice"})["token"]
    client = BitbucketCloudClient(api_url=emulator.base_url, credential=BearerToken(token))
    with pytest.raises(ProviderUnavailable) as info:
        client.repositories("acme", pagelen=2)
    assert "another host" in str(info.value)
    assert len(emulator.requests(path=r"^/2\.0/repositories/acme$")) == 1


def test_no_error_message_or_repr_contains_the_credential(cloud: CloudAccount, server: ServerAccount):
    """Collect one error of every kind from clients holding known secrets, and look for them."""
    cloud_secret = cloud.token
    api_secret = cloud.token_for("api_token", user="alice", scopes=["read:user:bitbucket"])
    server_secret = server.token
    emulator = cloud.emulator
    seed_cloud_repos(emulator, "acme", 1)
    bearer = cloud.client()
    basic = cloud.client(BasicCredentials("alice@example.com", api_secret))
    dc = server.client(BasicCredentials("bob", server_secret))
    short = cloud.client(timeout=httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0))

    errors: list[ProviderError] = []

    def collect(call) -> None:
        with pytest.raises(ProviderError) as info:
            call()
        errors.append(info.value)

    collect(lambda: basic.repositories("acme"))  # 403 scope
    collect(lambda: bearer.repository("acme", "nope"))  # 404
    collect(lambda: bearer.session.get_json("/2.0/workspaces"))  # 410
    collect(lambda: dc.repository("PRJ", "nope"))  # 404 (Server)
    fault(emulator, r"^/2\.0/user$", "rate_limit", times=1)
    collect(bearer.current_user)  # 429
    host_limits.namespace += ":after-429"  # the 429 paused the host; go on as if the pause had passed
    fault(emulator, r"^/2\.0/user$", "status", status=502, times=1)
    collect(bearer.current_user)  # 5xx
    fault(emulator, r"^/2\.0/user$", "drop", times=1)
    collect(bearer.current_user)  # dropped
    fault(emulator, r"^/2\.0/user$", "latency", delay_ms=3000, times=1)
    collect(short.current_user)  # timeout
    fault(emulator, r"/rest/api/1\.0/projects$", "drop", times=1)
    collect(dc.projects)  # dropped (Server, Basic)
    emulator.control("POST", "/cloud/tokens/revoke", json={"token": cloud_secret})
    emulator.control("POST", "/server/tokens/revoke", json={"token": server_secret})
    collect(bearer.current_user)  # 401
    collect(dc.projects)  # 401 (Server)

    assert len({type(e) for e in errors}) >= 6
    texts = [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(c) for c in (bearer, basic, dc, bearer.session, dc.session)]
    texts += [repr(c.credential) for c in (bearer.session, basic.session, dc.session)]
    texts += [repr(x) for c in (bearer, basic, dc, short) for x in c.session.exchanges]
    for text in texts:
        for secret in (cloud_secret, api_secret, server_secret, "Bearer ", "Basic "):
            assert secret not in text, text
    for error in errors:
        assert error.__cause__ is None and error.__context__ is None


def test_html_where_json_is_expected_is_provider_unavailable(cloud: CloudAccount):
    # The consent page is a real 200 text/html answer: what a captive proxy or login page looks like.
    consumer = cloud.emulator.control(
        "POST", "/cloud/consumers", json={"name": "Portal", "callback_url": "https://portal.example/cb"}
    )
    session = cloud.client().session
    with pytest.raises(ProviderUnavailable) as info:
        session.get_json("/site/oauth2/authorize", params={"client_id": consumer["key"], "response_type": "code"})
    assert "not JSON" in str(info.value) and info.value.status == 200


def test_redirect_is_not_followed(cloud: CloudAccount):
    consumer = cloud.emulator.control(
        "POST", "/cloud/consumers", json={"name": "Portal", "callback_url": "https://portal.example/cb"}
    )
    session = cloud.client().session
    with pytest.raises(ProviderUnavailable) as info:
        session.get_json("/site/oauth2/authorize", params={"client_id": consumer["key"], "response_type": "token"})
    assert info.value.status == 302
    assert "base URL" in str(info.value)
