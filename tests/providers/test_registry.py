"""Every registered provider is one object that meets the Provider protocol; what a package does not
build yet says so by name instead of guessing."""

from __future__ import annotations

import httpx
import pytest

from integrations.providers import (
    OAUTH_PROVIDER_IDS,
    PROJECT_PROVIDER_IDS,
    PROVIDER_CHOICES,
    PROVIDERS,
    NotSupportedYet,
    Provider,
)
from integrations.providers.http import BearerToken, Unauthorized
from integrations.providers.projects import ProjectSupport
from integrations.providers.protocol import ProviderClient
from integrations.webhooks.parsing import FORMATS


@pytest.mark.parametrize("provider", PROVIDERS.values(), ids=list(PROVIDERS))
def test_each_provider_meets_the_protocol_and_is_registered_under_its_spec_id(provider):
    assert isinstance(provider, Provider)
    assert PROVIDERS[provider.spec.id] is provider
    assert provider.spec.label and provider.spec.connected_message == f"{provider.spec.label} is now connected"
    assert all(scope.reason for scope in provider.spec.scopes)


@pytest.mark.parametrize("provider", PROVIDERS.values(), ids=list(PROVIDERS))
def test_projects_support_and_options_are_declared_not_branched_on(provider):
    if provider.projects is not None:
        assert isinstance(provider.projects, ProjectSupport)
        assert provider.spec.id in PROJECT_PROVIDER_IDS and provider.spec.id in FORMATS
    else:
        assert provider.spec.id not in FORMATS
    # Options keep declared keys only; an empty optional one takes its default.
    options = {o.key: o.placeholder if o.required else "" for o in provider.option_fields} | {"unknown": "x"}
    cleaned = provider.clean_options(options)
    assert set(cleaned) <= {o.key for o in provider.option_fields}
    assert provider.token_url(provider.default_host() or "https://git.example.com", cleaned).startswith("http")


@pytest.mark.parametrize("provider", PROVIDERS.values(), ids=list(PROVIDERS))
def test_a_webhook_scope_of_a_provider_without_projects_says_they_are_bitbucket_only(provider):
    """The dialog lists scopes with their reasons: one for webhooks must not promise projects that do not exist."""
    for scope in provider.spec.scopes:
        if provider.projects is None and "webhook" in scope.reason:
            assert "Bitbucket-only for now" in scope.reason, scope


def test_the_dialog_offers_every_registered_provider_once():
    assert [pid for pid, _ in PROVIDER_CHOICES] == list(PROVIDERS)
    assert len(set(PROVIDERS)) == 5


def test_every_provider_connects_by_oauth_and_takes_pasted_tokens():
    assert set(OAUTH_PROVIDER_IDS) == set(PROVIDERS)
    for provider in PROVIDERS.values():
        if provider.spec.id.startswith("bitbucket"):
            continue  # their token kinds are the token connections' (issue 9)
        assert provider.token_kinds, provider


def test_what_a_package_does_not_build_says_so_by_name():
    from integrations.providers.base import BaseProvider
    from integrations.providers.github.spec import SPEC

    class Bare(BaseProvider):
        spec = SPEC

    with pytest.raises(NotSupportedYet, match="GitHub"):
        Bare().verify_credential(host="https://github.com", credential=BearerToken("t"))


@pytest.mark.parametrize("provider_id", ["bitbucket-cloud", "bitbucket-server"])
def test_the_bitbucket_providers_build_clients_that_read_an_identity(provider_id, emulator, settings):
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    provider = PROVIDERS[provider_id]
    host = emulator.server_url if provider_id == "bitbucket-server" else emulator.cloud_web_url
    assert provider_id in OAUTH_PROVIDER_IDS
    with provider.client(host=host, credential=BearerToken("not-a-token")) as client:
        assert isinstance(client, ProviderClient)
    with pytest.raises(Unauthorized):
        provider.verify_credential(host=host, credential=BearerToken("not-a-token"))


def test_scope_implications_are_the_providers_own():
    cloud, server = PROVIDERS["bitbucket-cloud"], PROVIDERS["bitbucket-server"]
    assert cloud.effective_scopes(["pullrequest:write"]) == {"pullrequest:write", "pullrequest", "repository:write",
                                                            "repository"}
    assert server.effective_scopes(["REPO_WRITE"]) == {"REPO_WRITE", "REPO_READ", "PUBLIC_REPOS"}
    # One provider's implications never apply to another's scopes.
    assert cloud.effective_scopes(["REPO_WRITE"]) == {"REPO_WRITE"}


def test_only_providers_with_self_hosted_instances_probe_a_host():
    timeout = httpx.Timeout(1.0)
    for provider in PROVIDERS.values():
        if provider.spec.id != "bitbucket-server":
            assert provider.probe_host("https://git.example.com", timeout=timeout, oauth_enabled=True) is None


def test_no_code_outside_the_provider_packages_names_a_provider_id():
    """Behaviour per provider lives in its package: outside `integrations/providers/` (and the emulator, which
    plays the providers) no module, template or script branches on or looks up a provider by its id."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ids = "|".join(re.escape(pid) for pid in PROVIDERS)
    literal = re.compile(rf"""["']({ids})["']""")
    found = []
    for top in ("integrations", "runners", "environments", "portal", "control", "templates", "static/js"):
        for path in (root / top).rglob("*"):
            if path.suffix not in (".py", ".html", ".js") or "migrations" in path.parts:
                continue
            relative = path.relative_to(root)
            if relative.parts[:2] == ("integrations", "providers"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if literal.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_every_provider_has_a_test_folder_of_the_same_layout():
    """tests/providers/<package>/: its client (identity), its pasted tokens (accepted, expired, missing a scope)
    and its error classification (401, 403, 429, 5xx); a new provider's folder starts from the same three."""
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for provider in PROVIDERS.values():
        package = type(provider).__module__.rsplit(".", 1)[-1]
        folder = here / package
        assert {p.name for p in folder.glob("test_*.py")} == {"test_client.py", "test_tokens.py", "test_errors.py"}, \
            folder
        assert (folder / "__init__.py").exists()
