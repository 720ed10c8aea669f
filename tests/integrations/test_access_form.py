"""The rules of the "Configure repository access" form, and sealing through the service."""

from __future__ import annotations

import pytest
from django.test import override_settings

from integrations.forms import ScmIntegrationForm
from integrations.models import ScmIntegration
from integrations.services import integration_delete
from integrations.submit import integration_submit
from portal.errors import ValidationFailed
from portal.models import AuditEvent
from runners import services as runner_services
from runners.protocol.sealing import SealedBlob, SealError, generate_private_key, open_client_secret, public_key_b64
from tests.runners.conftest import create_runner, register_runner

SECRET = "s3cr3t-value-that-must-never-leak"


def save(runner, actor, instance=None, **data):
    data.setdefault("oauth_enabled", True)
    data.setdefault("pat_enabled", True)
    form = ScmIntegrationForm(data, instance=instance, runner=runner)
    return integration_submit(form=form, actor=actor).integration


def errors_of(runner, instance=None, **data) -> dict:
    form = ScmIntegrationForm(data, instance=instance, runner=runner)
    assert not form.is_valid()
    return form.errors


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


def test_secret_is_sealed_so_only_the_runner_opens_it_with_the_token_url(world, reg):
    integration = save(reg.runner, world.a.admin, provider="github", client_id="Iv1.abc", client_secret=SECRET)
    assert SECRET not in integration.client_secret_sealed
    doc = open_client_secret(
        reg.private_key,
        SealedBlob.from_text(integration.client_secret_sealed),
        runner_id=reg.runner.pk,
        integration_id=integration.pk,
    )
    assert doc.client_secret == SECRET
    assert doc.token_url == "https://github.com/login/oauth/access_token"
    assert doc.client_id == "Iv1.abc"
    assert integration.secret_state == "set"


def test_a_blob_copied_onto_another_integration_cannot_be_opened(world, reg):
    first = save(reg.runner, world.a.admin, provider="github", client_id="a", client_secret=SECRET)
    second = save(reg.runner, world.a.admin, provider="gitlab", client_id="b", client_secret="other-secret")
    with pytest.raises(SealError):
        open_client_secret(
            reg.private_key,
            SealedBlob.from_text(first.client_secret_sealed),
            runner_id=reg.runner.pk,
            integration_id=second.pk,
        )
    with pytest.raises(SealError):
        open_client_secret(
            generate_private_key(),
            SealedBlob.from_text(first.client_secret_sealed),
            runner_id=reg.runner.pk,
            integration_id=first.pk,
        )


def test_at_least_one_method_must_be_on(world, reg):
    errors = errors_of(reg.runner, provider="gitlab", client_id="x")
    assert "Turn on OAuth" in errors["oauth_enabled"][0]


def test_oauth_needs_client_id_and_secret(world, reg):
    errors = errors_of(reg.runner, provider="bitbucket-cloud", oauth_enabled=True)
    assert "Key (Client ID)" in errors["client_id"][0]
    assert "Secret" in errors["client_secret"][0]


def test_tokens_only_needs_no_oauth_app(world, reg):
    integration = save(reg.runner, world.a.admin, provider="azure-devops", oauth_enabled=False)
    assert integration.secret_state == "not-needed"
    assert integration.host == "https://dev.azure.com"


def test_unknown_provider_is_refused_by_name(world, reg):
    assert "provider" in errors_of(reg.runner, provider="sourceforge", pat_enabled=True)


def test_one_provider_of_a_kind_and_host_per_runner(world, reg):
    save(reg.runner, world.a.admin, provider="gitlab", oauth_enabled=False)
    errors = errors_of(reg.runner, provider="gitlab", pat_enabled=True)
    assert "already configured" in errors["__all__"][0]
    # A self-managed GitLab is another host, so it may sit beside gitlab.com.
    save(reg.runner, world.a.admin, provider="gitlab", host="https://gitlab.example.com", oauth_enabled=False)
    assert ScmIntegration.objects.filter(runner=reg.runner, provider="gitlab").count() == 2


@pytest.mark.parametrize(
    "host, message",
    [
        ("", "Enter the base URL"),
        ("ftp://git.example.com", "http(s) URL"),
        ("https://user:pw@git.example.com", "user names and passwords"),
        ("https://git.example.com/?x=1", "without ?query"),
        ("https://exa mple.com", "valid URL"),
    ],
)
def test_server_host_must_be_a_clean_url(world, reg, host, message):
    errors = errors_of(reg.runner, provider="bitbucket-server", host=host, pat_enabled=True)
    assert message in errors["host"][0]


@override_settings(SCM_ALLOW_HTTP_HOSTS=False)
def test_http_hosts_need_the_operator_setting(world, reg):
    errors = errors_of(reg.runner, provider="bitbucket-server", host="http://git.example.com", pat_enabled=True)
    assert "Use https" in errors["host"][0]


@override_settings(SCM_ALLOW_PRIVATE_HOSTS=False)
@pytest.mark.parametrize(
    "host",
    [
        "https://127.0.0.1",
        "https://10.1.2.3:7990",
        "https://169.254.169.254",
        "https://[::1]/bitbucket",
        "https://localhost",
    ],
)
def test_internal_addresses_are_refused_to_prevent_ssrf(world, reg, host):
    errors = errors_of(reg.runner, provider="bitbucket-server", host=host, pat_enabled=True)
    assert "private, loopback or link-local" in errors["host"][0]


def test_a_runner_without_a_key_takes_everything_but_the_secret(world):
    runner, _token = create_runner(world.a.org, world.a.admin)
    errors = errors_of(runner, provider="github", oauth_enabled=True, client_id="abc", client_secret=SECRET)
    assert "has not registered yet" in errors["client_secret"][0]
    integration = save(runner, world.a.admin, provider="github", client_id="abc")
    assert integration.secret_state == "waiting-for-runner"
    assert not integration.client_secret_set


def test_rotating_the_runner_key_marks_the_secret_for_re_entry(world, reg):
    integration = save(reg.runner, world.a.admin, provider="github", client_id="abc", client_secret=SECRET)
    new_key = generate_private_key()
    runner_services.runner_rotate_key(
        runner=reg.runner, public_key=public_key_b64(new_key), suite="X25519-HKDF-SHA256-CHACHA20POLY1305"
    )
    integration.refresh_from_db()
    assert integration.secret_state == "needs-reentry"
    errors = errors_of(integration.runner, instance=integration, provider="github", oauth_enabled=True, client_id="abc")
    assert "Enter the Client Secret" in errors["client_secret"][0]
    integration = save(
        integration.runner,
        world.a.admin,
        instance=integration,
        provider="github",
        client_id="abc",
        client_secret="new-secret",
    )
    assert integration.secret_state == "set"
    doc = open_client_secret(
        new_key,
        SealedBlob.from_text(integration.client_secret_sealed),
        runner_id=reg.runner.pk,
        integration_id=integration.pk,
    )
    assert doc.client_secret == "new-secret"


def test_changing_client_id_or_host_asks_for_the_secret_again(world, reg):
    integration = save(reg.runner, world.a.admin, provider="gitlab", client_id="abc", client_secret=SECRET)
    errors = errors_of(reg.runner, instance=integration, provider="gitlab", oauth_enabled=True, client_id="xyz")
    assert "sealed together" in errors["client_secret"][0]
    # Keeping everything else as it is keeps the secret without re-entry.
    integration.refresh_from_db()  # a ModelForm writes its input onto the instance, even when invalid
    kept = save(reg.runner, world.a.admin, instance=integration, provider="gitlab", client_id="abc", pat_enabled=False)
    assert kept.client_secret_sealed == integration.client_secret_sealed


def test_audit_trail_records_changes_without_the_secret(world, reg):
    integration = save(reg.runner, world.a.admin, provider="github", client_id="abc", client_secret=SECRET)
    integration_delete(integration=integration, actor=world.a.admin)
    events = AuditEvent.objects.filter(action__startswith="integration.").order_by("id")
    assert [e.action for e in events] == ["integration.created", "integration.deleted"]
    assert events[0].after["client_secret_set"] is True
    assert all(SECRET not in str(e.before) + str(e.after) for e in events)


def test_submitting_an_invalid_form_is_refused_by_field(world, reg):
    form = ScmIntegrationForm({"provider": "github"}, runner=reg.runner)
    with pytest.raises(ValidationFailed) as exc:
        integration_submit(form=form, actor=world.a.admin)
    assert "oauth_enabled" in exc.value.fields


def test_one_message_per_field_the_most_specific(world, reg):
    """Issue 15 item 9: a 5,000-character host or a 10,000-character client ID gets one message, about length."""
    errors = errors_of(reg.runner, provider="bitbucket-server", host="https://" + "h" * 5000 + ".example",
                       oauth_enabled=True, client_id="c" * 10_000, client_secret="s3cret")
    assert len(errors["host"]) == 1 and "255" in errors["host"][0]
    assert len(errors["client_id"]) == 1 and "255" in errors["client_id"][0]
