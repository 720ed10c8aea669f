"""Admin-entered hosts cannot make the portal reach its own network (findings F3 and F5).

F3: the host was resolved once for the check and again by the HTTP client, and later calls with users'
tokens were never checked. F5: IPv6 forms that embed an IPv4 address passed the private-address check.
"""

from __future__ import annotations

import ssl

import httpx
import pytest
from django.core.exceptions import ValidationError

from integrations.connections.identity import fetch_identity
from integrations.hosts import check_public_address
from integrations.models import ScmIntegration
from integrations.providers.http import ProviderSession, ProviderUnavailable
from integrations.providers.transport import PinnedTransport
from tests.integrations.access_helpers import dialog_post
from tests.runners.conftest import register_runner
from tests.security.local_servers import local_server

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"  # a global address; nothing here ever connects to it
INTERNAL_PAGE = "internal-admin-console-token-7f3a"


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


@pytest.fixture
def private_hosts_refused(settings):
    settings.SCM_ALLOW_PRIVATE_HOSTS = False
    settings.SCM_ALLOW_HTTP_HOSTS = True


def _server_dialog(client, runner, host):
    return dialog_post(client, runner, {"provider": "bitbucket-server", "host": host, "pat_enabled": True})


@pytest.mark.parametrize("address", [
    "64:ff9b::7f00:1",        # NAT64 of 127.0.0.1
    "64:ff9b:1::a00:1",       # local-use NAT64 of 10.0.0.1
    "2002:7f00:1::",          # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",      # 6to4 of 169.254.169.254 (cloud metadata)
    "::127.0.0.1",            # IPv4-compatible
    "::ffff:127.0.0.1",       # IPv4-mapped
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
])
def test_ipv6_forms_of_internal_ipv4_addresses_are_refused(world, reg, client_for, private_hosts_refused, address):
    response = _server_dialog(client_for(world.a.admin), reg.runner, f"http://[{address}]:7990")
    assert response.status_code == 200
    assert "resolves to a private, loopback or link-local address" in response.content.decode()
    assert not ScmIntegration.objects.exists()


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111"])
def test_ipv6_forms_of_public_addresses_pass_the_check(settings, address):
    settings.SCM_ALLOW_PRIVATE_HOSTS = False
    check_public_address(f"https://[{address}]")


def test_a_rebinding_resolver_cannot_point_the_probe_at_loopback(world, reg, client_for, emulator, fake_dns,
                                                                  private_hosts_refused):
    """The resolver answers a public address to the check and 127.0.0.1 to the connection."""
    fake_dns.set("rebind.test", PUBLIC, "127.0.0.1")
    host = emulator.server_url.replace("127.0.0.1", "rebind.test")
    response = _server_dialog(client_for(world.a.admin), reg.runner, host)
    assert response.status_code == 200
    assert "rebind.test resolves to a private, loopback or link-local address" in response.content.decode()
    assert emulator.requests(path="application-properties") == []
    assert not ScmIntegration.objects.exists()


def test_calls_with_a_users_token_check_the_address_again(world, reg, emulator, fake_dns, private_hosts_refused):
    """A host that was public when it was saved and now resolves to loopback gets no token sent to it."""
    fake_dns.set("later.test", "127.0.0.1")
    integration = ScmIntegration.objects.create(
        organization=world.a.org, runner=reg.runner, provider="bitbucket-server",
        host=emulator.server_url.replace("127.0.0.1", "later.test"), oauth_enabled=False, pat_enabled=True)
    with pytest.raises(ProviderUnavailable, match="later.test resolves to a private"):
        fetch_identity(integration, "users-own-token-value", ())
    assert emulator.requests() == []


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(fake_dns):
    """One lookup per connection; the Host header and the TLS server name are the host's name, and the
    certificate is verified against it."""
    fake_dns.set("pinned.test", "127.0.0.1")
    with local_server({"/rest/api/1.0/application-properties": (200, {"version": "8.19.1"})},
                      tls_for="pinned.test") as server:
        trust = ssl.create_default_context(cadata=server.cert_pem.decode())
        session = ProviderSession(server.url("pinned.test", "https"), provider="bitbucket-server",
                                  transport=PinnedTransport(allow_private=True, verify=trust))
        try:
            assert session.get_json("/rest/api/1.0/application-properties") == {"version": "8.19.1"}
        finally:
            session.close()
    assert fake_dns.asked == ["pinned.test"]
    assert server.server_names == ["pinned.test"]
    assert server.hits[0]["host"] == f"pinned.test:{server.port}"


def test_a_certificate_for_another_name_is_still_refused(fake_dns):
    fake_dns.set("pinned.test", "127.0.0.1")
    with local_server({"/": (200, {})}, tls_for="other.test") as server:
        trust = ssl.create_default_context(cadata=server.cert_pem.decode())
        with httpx.Client(transport=PinnedTransport(allow_private=True, verify=trust)) as http, \
                pytest.raises(httpx.ConnectError, match="certificate"):
            http.get(server.url("pinned.test", "https") + "/")
    assert server.hits == []


def test_the_hosts_answer_never_reaches_the_page(world, reg, client_for):
    """An internal service's error text (here a token) is not echoed into the form."""
    routes = {"/rest/api/1.0/application-properties": (404, {"errors": [{"message": INTERNAL_PAGE}]})}
    with local_server(routes) as server:
        response = _server_dialog(client_for(world.a.admin), reg.runner, server.url())
    page = response.content.decode()
    assert "it answered HTTP 404" in page
    assert INTERNAL_PAGE not in page


def test_a_version_longer_than_bitbucket_would_report_is_a_form_error(world, reg, client_for):
    """F7: a `version` of more than 32 characters was a 500 (the column is 32 wide)."""
    routes = {"/rest/api/1.0/application-properties": (200, {"version": "8.19.1-" + "x" * 40})}
    with local_server(routes) as server:
        response = _server_dialog(client_for(world.a.admin), reg.runner, server.url())
    assert response.status_code == 200
    assert "does not report a Bitbucket version the portal understands" in response.content.decode()
    assert not ScmIntegration.objects.exists()


def test_validation_error_is_raised_for_internal_names(settings, fake_dns):
    settings.SCM_ALLOW_PRIVATE_HOSTS = False
    fake_dns.set("intranet.test", "10.1.2.3")
    with pytest.raises(ValidationError, match="intranet.test resolves to a private"):
        check_public_address("https://intranet.test")

