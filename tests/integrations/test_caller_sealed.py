"""Client secrets sealed by the caller (a browser, an API client): what the portal checks without the key,
what the agent checks with it, and the seal-context the dialog's script reads."""

from __future__ import annotations

import base64
import json
import os

import pytest
from django.urls import reverse

from integrations.models import ScmIntegration
from integrations.models.integration import oauth_key_for
from portal.models import AuditEvent
from runners import services as runner_services
from runners.agent.jobs import secret_check
from runners.agent.state import AgentState
from runners.protocol.jobs import SecretCheckPayload
from runners.protocol.sealing import (
    BROWSER_SUITE_NAME,
    SUITE_NAME,
    SealedBlob,
    client_secret_document,
    generate_private_key,
    open_client_secret,
    public_key_b64,
    seal,
    sealing_info_for_key,
)
from tests.runners.conftest import create_runner

pytestmark = pytest.mark.django_db
SECRET = "caller-sealed-secret-1f2e3d4c"
GITHUB_TOKEN_URL = "https://github.com/login/oauth/access_token"


@pytest.fixture
def agent(world, tmp_path):
    """A runner registered the way a current agent registers (it opens the browser suite)."""
    runner, token = create_runner(world.a.org, world.a.admin)
    key = generate_private_key()
    runner, _ = runner_services.runner_register(
        registration_token=token, public_key=public_key_b64(key), suite=SUITE_NAME,
        opens_suites=[SUITE_NAME, BROWSER_SUITE_NAME])
    state = AgentState(directory=tmp_path, portal="http://portal.test", runner_id=runner.pk, runner_name=runner.name,
                       organization="acme", credential="x", private_key=key)
    return runner, state


def sealed_like_the_browser(runner, *, integration_key: str, client_id: str = "Iv1.abc",
                            token_url: str = GITHUB_TOKEN_URL, suite: str = BROWSER_SUITE_NAME) -> str:
    document = client_secret_document(client_id=client_id, client_secret=SECRET, token_url=token_url)
    blob = seal(runner.public_key, document, sealing_info_for_key(runner.pk, integration_key), suite=suite)
    return base64.b64encode(blob.ciphertext).decode()


def api_post(client, runner, body: dict):
    return client.post(reverse("api_integration_list", args=["acme", runner.pk]), body, format="json")


def github_key(runner) -> str:
    return oauth_key_for(runner_id=runner.pk, provider="github", host="https://github.com")


def test_the_api_stores_a_caller_sealed_secret_the_agent_opens(world, agent, api_client_for):
    runner, state = agent
    sealed = sealed_like_the_browser(runner, integration_key=github_key(runner))
    response = api_post(api_client_for(world.a.admin), runner, {
        "provider": "github", "client_id": "Iv1.abc", "client_secret_sealed": sealed, "suite": BROWSER_SUITE_NAME})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret_state"] == "set" and body["secret_suite"] == BROWSER_SUITE_NAME
    assert body["integration_key"] == github_key(runner)
    integration = ScmIntegration.objects.get()
    blob = SealedBlob.from_text(integration.client_secret_sealed)
    assert blob.integration_key == integration.oauth_key and integration.sealed_by_caller
    document = open_client_secret(state.keys, blob, runner_id=runner.pk, integration_id=integration.pk,
                                  integration_key=integration.oauth_key)
    assert document.client_secret == SECRET
    event = AuditEvent.objects.get(action="integration.created")
    assert event.after["sealed_by"] == "caller" and SECRET not in json.dumps(event.after)


def _error_fields(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"client_secret": SECRET}, "client_secret_sealed", "not both"),
    ({"suite": ""}, "suite", "needs both"),
    ({"suite": "X448-HKDF-SHA512-AES256GCM"}, "client_secret_sealed", "Unknown suite"),
    ({"client_secret_sealed": "not base64!"}, "client_secret_sealed", "Not base64"),
    ({"client_secret_sealed": base64.b64encode(b"\0" * 40).decode()}, "client_secret_sealed", "encapsulated key"),
    ({"client_secret_sealed": base64.b64encode(b"\0" * 9000).decode()}, "client_secret_sealed", "Longer than"),
    ({"suite": "MLKEM768X25519-HKDF-SHA256-CHACHA20POLY1305"}, "client_secret_sealed", "encapsulated key"),
])
def test_what_the_portal_can_check_without_the_key_is_refused_by_name(world, agent, api_client_for, change, field,
                                                                      message):
    runner, _ = agent
    body = {"provider": "github", "client_id": "Iv1.abc", "suite": BROWSER_SUITE_NAME,
            "client_secret_sealed": sealed_like_the_browser(runner, integration_key=github_key(runner)), **change}
    fields = _error_fields(api_post(api_client_for(world.a.admin), runner, body))
    assert field in fields and message in " ".join(fields[field])
    assert not ScmIntegration.objects.exists()
    assert SECRET not in json.dumps(fields)


def test_an_agent_that_predates_caller_sealing_is_not_sent_one(world, api_client_for):
    runner, token = create_runner(world.a.org, world.a.admin, name="old")
    key = generate_private_key()
    runner, _ = runner_services.runner_register(registration_token=token, public_key=public_key_b64(key),
                                                suite=SUITE_NAME)  # no opens_suites: an older agent
    body = {"provider": "github", "client_id": "Iv1.abc", "suite": SUITE_NAME,
            "client_secret_sealed": sealed_like_the_browser(runner, integration_key=github_key(runner),
                                                            suite=SUITE_NAME)}
    fields = _error_fields(api_post(api_client_for(world.a.admin), runner, body))
    assert "predates" in fields["client_secret_sealed"][0]


@pytest.mark.parametrize(("tamper", "reason"), [
    ("flip", "Cannot open the client secret"),
    ("other_integration", "Cannot open the client secret"),
    ("token_url", "another token URL"),
    ("client_id", "another client ID"),
])
def test_the_agent_refuses_a_tampered_or_misdirected_blob(world, agent, tamper, reason):
    runner, state = agent
    key = github_key(runner)
    sealed = base64.b64decode(sealed_like_the_browser(
        runner, integration_key="0123456789abcdef" if tamper == "other_integration" else key,
        token_url="https://attacker.example/token" if tamper == "token_url" else GITHUB_TOKEN_URL,
        client_id="someone-else" if tamper == "client_id" else "Iv1.abc"))
    if tamper == "flip":
        sealed = sealed[:-3] + bytes([sealed[-3] ^ 1]) + sealed[-2:]
    blob = SealedBlob(suite=BROWSER_SUITE_NAME, ciphertext=sealed, integration_key=key)
    answer = secret_check(state, SecretCheckPayload(sealed=blob.to_text(), integration_id=1, integration_key=key,
                                                    token_url=GITHUB_TOKEN_URL, client_id="Iv1.abc"))
    assert answer.opens is False and reason in answer.reason and "Re-enter the secret" in answer.reason
    assert SECRET not in answer.reason


def test_seal_context_gives_the_browser_what_it_binds_to(world, agent, client_for):
    runner, _ = agent
    url = reverse("integration_seal_context", args=["acme", runner.pk])
    admin = client_for(world.a.admin)
    context = admin.get(url, {"provider": "bitbucket-server", "host": "https://git.example.com/bitbucket/"}).json()
    key = oauth_key_for(runner_id=runner.pk, provider="bitbucket-server", host="https://git.example.com/bitbucket")
    assert context["info"] == f"scm-portal/v2 runner={runner.pk} integration-key={key}"
    assert context["token_url"] == "https://git.example.com/bitbucket/rest/oauth2/latest/token"
    assert context["suite"] == BROWSER_SUITE_NAME and context["public_key"] == runner.public_key
    pending = admin.get(url, {"provider": "bitbucket-server", "host": ""})
    assert pending.status_code == 409 and "host URL first" in pending.json()["error"]["message"]
    assert client_for(world.a.member).get(url, {"provider": "github"}).status_code in (403, 404)
    assert client_for(world.b.owner).get(url, {"provider": "github"}).status_code == 404


def test_seal_context_builds_the_token_url_from_the_options_as_typed(world, agent, client_for, api_client_for,
                                                                     settings):
    settings.MICROSOFT_ENTRA_URL = "https://login.entra.example"
    runner, _ = agent
    url = reverse("integration_seal_context", args=["acme", runner.pk])
    admin = client_for(world.a.admin)
    assert admin.get(url, {"provider": "azure-devops"}).json()["token_url"] == \
        "https://login.entra.example/organizations/oauth2/v2.0/token"
    typed = admin.get(url, {"provider": "azure-devops", "options.tenant": " Contoso.onmicrosoft.com "}).json()
    assert typed["token_url"] == "https://login.entra.example/Contoso.onmicrosoft.com/oauth2/v2.0/token"
    bad = admin.get(url, {"provider": "azure-devops", "options.tenant": "not a tenant"})
    assert bad.status_code == 409 and "Correct the Microsoft Entra tenant first" in bad.json()["error"]["message"]
    # A saved integration: the saved tenant unless another is typed; an option that is not in the URL is ignored.
    integration = ScmIntegration.objects.create(organization=world.a.org, runner=runner, provider="azure-devops",
                                                host="https://dev.azure.com", pat_enabled=True,
                                                options={"organization": "fabrikam", "tenant": "saved.example"})
    saved = admin.get(url, {"integration": integration.pk, "options.organization": "!!"}).json()
    assert saved["token_url"] == "https://login.entra.example/saved.example/oauth2/v2.0/token"
    api_url = reverse("api_integration_seal_context", args=["acme", runner.pk])
    over_api = api_client_for(world.a.admin).get(api_url, {"integration": integration.pk, "options.tenant": "t2"})
    assert over_api.json()["token_url"] == "https://login.entra.example/t2/oauth2/v2.0/token"


def test_the_dialog_says_where_the_secret_is_sealed(world, agent, client_for):
    runner, _ = agent
    page = client_for(world.a.admin).get(reverse("integration_add", args=["acme", runner.pk]), {"provider": "github"})
    html = page.content.decode()
    assert 'data-browser-seal="1"' in html and "with JavaScript on, it is sealed in this browser" in html
    assert 'name="client_secret_sealed"' in html


@pytest.mark.django_db(transaction=True)
def test_a_real_agent_reports_a_blob_that_does_not_open_at_once(world, agent_runner, api_client_for, client_for):
    runner = agent_runner
    good = base64.b64decode(sealed_like_the_browser(runner, integration_key=github_key(runner)))
    flipped = base64.b64encode(good[:-1] + bytes([good[-1] ^ 1])).decode()
    response = api_post(api_client_for(world.a.admin), runner, {
        "provider": "github", "client_id": "Iv1.abc", "client_secret_sealed": flipped, "suite": BROWSER_SUITE_NAME})
    assert response.status_code == 201, response.content
    assert response.json()["secret_state"] == "needs-reentry"
    integration = ScmIntegration.objects.get()
    assert integration.secret_rejected
    event = AuditEvent.objects.get(action="integration.secret_rejected")
    assert "Re-enter the secret" in event.after["reason"]
    dialog = client_for(world.a.admin).get(reverse("integration_edit", args=["acme", runner.pk, integration.pk]))
    assert "The runner could not open the secret sealed for it" in dialog.content.decode()

    # Entered again, sealed properly: set, and the agent agrees.
    response = client_for(world.a.admin).post(reverse("integration_edit", args=["acme", runner.pk, integration.pk]), {
        "provider": "github", "oauth_enabled": "on", "pat_enabled": "on", "client_id": "Iv1.abc",
        "client_secret_sealed": base64.b64encode(good).decode(), "suite": BROWSER_SUITE_NAME}, follow=True)
    integration.refresh_from_db()
    assert integration.secret_state == "set", response.content.decode()[:2000]


@pytest.mark.django_db(transaction=True)
def test_the_seal_command_seals_for_the_api_with_the_hybrid_key(world, agent_runner, live_server, api_client_for):
    """`python -m runners.agent seal` on an API user's machine; the runner's agent opens the result."""
    import subprocess
    import sys

    from tests.integrations.oauth_fixtures import ROOT

    runner = agent_runner
    api = api_client_for(world.a.admin)
    done = subprocess.run(
        [sys.executable, "-m", "runners.agent", "seal", "--portal", live_server.url, "--org", "acme", "--runner",
         str(runner.pk), "--provider", "github", "--client-id", "Iv1.cli"],
        input=SECRET + "\n", cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PORTAL_API_TOKEN": api.token_value})
    assert done.returncode == 0, done.stderr
    sealed = json.loads(done.stdout)
    assert sealed["suite"] == runner.hybrid_key_suite and SECRET not in done.stdout
    response = api_post(api, runner, {"provider": "github", "client_id": "Iv1.cli", **sealed})
    assert response.status_code == 201, response.content
    # Checked at once by the real agent: it opened it and found the token URL and client ID expected.
    assert response.json()["secret_state"] == "set" and response.json()["secret_suite"] == sealed["suite"]

    refused = subprocess.run(
        [sys.executable, "-m", "runners.agent", "seal", "--portal", live_server.url, "--org", "acme", "--runner",
         str(runner.pk), "--provider", "bitbucket-server", "--client-id", "x"],
        input=SECRET + "\n", cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PORTAL_API_TOKEN": api.token_value})
    assert refused.returncode != 0 and "host URL first" in refused.stderr


@pytest.mark.django_db(transaction=True)
def test_the_seal_command_seals_with_an_unsaved_tenant(world, agent_runner, live_server, api_client_for, settings):
    """An Azure DevOps tenant is part of the token URL sealed with the secret: `--option tenant=` seals with it,
    and the agent, asked at once, finds the token URL the new integration has."""
    import subprocess
    import sys

    from tests.integrations.oauth_fixtures import ROOT

    settings.MICROSOFT_ENTRA_URL = "https://login.entra.example"
    runner = agent_runner
    api = api_client_for(world.a.admin)
    done = subprocess.run(
        [sys.executable, "-m", "runners.agent", "seal", "--portal", live_server.url, "--org", "acme", "--runner",
         str(runner.pk), "--provider", "azure-devops", "--client-id", "app-1", "--option", "tenant=contoso.example"],
        input=SECRET + "\n", cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PORTAL_API_TOKEN": api.token_value})
    assert done.returncode == 0, done.stderr
    response = api_post(api, runner, {"provider": "azure-devops", "client_id": "app-1", **json.loads(done.stdout),
                                      "options": {"organization": "fabrikam", "tenant": "contoso.example"}})
    assert response.status_code == 201, response.content
    assert response.json()["secret_state"] == "set"
    assert ScmIntegration.objects.get().token_url == "https://login.entra.example/contoso.example/oauth2/v2.0/token"

    bad = subprocess.run(
        [sys.executable, "-m", "runners.agent", "seal", "--portal", live_server.url, "--org", "acme", "--runner",
         str(runner.pk), "--provider", "azure-devops", "--client-id", "app-1", "--option", "tenant"],
        input=SECRET + "\n", cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PORTAL_API_TOKEN": api.token_value})
    assert bad.returncode != 0 and "KEY=VALUE" in bad.stderr
