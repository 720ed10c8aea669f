"""Installing a project's webhook: exactly one hook at the provider, whatever happens; failures in plain words.

Every hook count here is read back from the emulator, not from the portal's own records.
"""

from __future__ import annotations

import time

import httpx
import pytest

from integrations.projects import webhook_sync
from integrations.projects.models import Project, WebhookState
from integrations.projects.tasks import webhook_install_task
from portal.models import AuditEvent
from tests.concurrency import run_together

CLOUD_EVENTS = {"repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled"}
SERVER_EVENTS = {"repo:refs_changed", "pr:opened", "pr:from_ref_updated", "pr:merged"}

pytestmark = pytest.mark.django_db


def wait_until(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize(("flavour", "repository", "events"), [
    ("cloud", "acme/webapp", CLOUD_EVENTS),
    ("server", "ACME/backend", SERVER_EVENTS),
    ("server", "~alice/notes", SERVER_EVENTS),
])
def test_creating_a_project_installs_one_signed_hook(projects_setup, django_capture_on_commit_callbacks, flavour,
                                                     repository, events):
    with django_capture_on_commit_callbacks(execute=True):
        project = projects_setup.create(flavour, repository)
    project.refresh_from_db()
    hooks = projects_setup.hooks(flavour, project.repository)
    assert len(hooks) == 1
    hook = hooks[0]
    assert hook["url"] == project.receiver_url and hook["active"] and hook["secret_set"]
    assert set(hook["events"]) == events
    assert project.webhook_state == WebhookState.ACTIVE and project.webhook_error == ""
    assert project.webhook_id == str(hook["uuid"] if flavour == "cloud" else hook["id"])
    actions = set(AuditEvent.objects.filter(target_id=str(project.pk)).values_list("action", flat=True))
    assert {"project.created", "project.webhook_installed"} <= actions


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_installs_make_exactly_one_hook(projects_setup):
    project = Project.objects.get(pk=_project_without_install(projects_setup, "cloud", "acme/api").pk)
    errors = run_together(lambda: webhook_install_task(project.pk), 20)
    assert not errors, errors
    hooks = projects_setup.hooks("cloud", "acme/api")
    assert len(hooks) == 1, hooks
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.ACTIVE and project.webhook_id == hooks[0]["uuid"]
    creates = projects_setup.emulator.requests(path=r"/hooks$", method="POST")
    assert len(creates) == 1  # the other nineteen found the hook and updated it


def _project_without_install(ps, flavour: str, repository: str) -> Project:
    """A project row whose install task has not run (as if the broker had not delivered it yet)."""
    return ps.create(flavour, repository)  # on_commit callbacks are not run in a plain db test


def test_an_existing_hook_with_our_url_is_adopted_and_repaired(projects_setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        project = projects_setup.create("cloud", "acme/webapp")
    project.refresh_from_db()
    hook_id = project.webhook_id
    # Someone edits the hook in Bitbucket, and the portal loses its record of the hook id.
    token = projects_setup.connections["cloud"].access_token
    url = f"{projects_setup.emulator.cloud_api_url}/2.0/repositories/acme/webapp/hooks/{hook_id}"
    answer = httpx.put(url, json={"events": ["issue:created"], "active": False, "secret": None},
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    Project.objects.filter(pk=project.pk).update(webhook_id="")

    outcome = webhook_sync.webhook_install(project_id=project.pk)

    hooks = projects_setup.hooks("cloud", "acme/webapp")
    assert [h["uuid"] for h in hooks] == [hook_id]  # the same hook, not a second one
    assert set(hooks[0]["events"]) == CLOUD_EVENTS and hooks[0]["active"] and hooks[0]["secret_set"]
    assert outcome.action == "updated"


def test_a_retry_after_a_create_that_timed_out_but_succeeded_adds_no_second_hook(projects_setup, settings):
    settings.SCM_HTTP_TIMEOUT = 1.0
    project = _project_without_install(projects_setup, "server", "ACME/frontend")
    emulator = projects_setup.emulator
    emulator.control("POST", "/faults", json={"path": r"/webhooks$", "method": "POST", "kind": "latency",
                                              "delay_ms": 2500, "times": 1})
    with pytest.raises(webhook_sync.WebhookTransientError, match="Host unreachable"):
        webhook_sync.webhook_install(project_id=project.pk, final_attempt=False)
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.INSTALLING and "Retrying" in project.webhook_error
    # The provider finished creating the hook after the portal gave up waiting (Celery retries after a backoff).
    assert wait_until(lambda: len(projects_setup.hooks("server", "ACME/frontend")) == 1)

    webhook_sync.webhook_install(project_id=project.pk)

    hooks = projects_setup.hooks("server", "ACME/frontend")
    assert len(hooks) == 1 and hooks[0]["url"] == project.receiver_url
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.ACTIVE and project.webhook_id == str(hooks[0]["id"])


def test_duplicates_with_our_url_are_removed(projects_setup):
    project = _project_without_install(projects_setup, "server", "ACME/backend")
    token = projects_setup.connections["server"].access_token
    url = f"{projects_setup.emulator.server_url}/rest/api/1.0/projects/ACME/repos/backend/webhooks"
    for name in ("copy 1", "copy 2"):
        answer = httpx.post(url, json={"name": name, "url": project.receiver_url, "events": ["repo:refs_changed"]},
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
    webhook_sync.webhook_install(project_id=project.pk)
    hooks = projects_setup.hooks("server", "ACME/backend")
    assert len(hooks) == 1 and set(hooks[0]["events"]) == SERVER_EVENTS


def test_missing_webhook_scope_is_named(projects_setup):
    connection = projects_setup.cloud_connection(projects_setup.world.a.owner,
                                                 scopes=["account", "repository", "pullrequest"])
    from integrations.projects import services

    project = services.project_create(org=projects_setup.org, actor=projects_setup.world.a.owner,
                                      connection=connection, repository="acme/docs")
    with pytest.raises(webhook_sync.WebhookFailed):
        webhook_sync.webhook_install(project_id=project.pk)
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.FAILED
    assert project.webhook_error.startswith("Missing scope: the connection was not granted the webhook scope")
    assert projects_setup.hooks("cloud", "acme/docs") == []


@pytest.mark.parametrize(("flavour", "repository", "need"), [
    ("cloud", "partner/shared", "admin rights"),
    ("server", "OTHER/readonly", "REPO_ADMIN permission"),
])
def test_not_an_admin_is_named(projects_setup, flavour, repository, need):
    project = _project_without_install(projects_setup, flavour, repository)
    with pytest.raises(webhook_sync.WebhookFailed):
        webhook_sync.webhook_install(project_id=project.pk)
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.FAILED
    assert project.webhook_error.startswith(f"Not an admin: alice lacks {need} on {project.repository}")
    assert projects_setup.hooks(flavour, project.repository) == []


def test_an_unreachable_host_is_retried_then_named(projects_setup):
    project = _project_without_install(projects_setup, "server", "ACME/backend")
    projects_setup.emulator.control("POST", "/faults", json={"path": r"/webhooks", "kind": "drop"})
    with pytest.raises(webhook_sync.WebhookTransientError):
        webhook_sync.webhook_install(project_id=project.pk, final_attempt=False)
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.INSTALLING  # retries remain: still installing
    assert project.webhook_error.endswith("Retrying.")
    webhook_install_task.apply(args=(project.pk,))  # the last attempt (eager runs never retry in-process)
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.FAILED
    assert project.webhook_error.startswith(f"Host unreachable: {projects_setup.server.host} did not answer")


def test_retries_back_off_and_respect_retry_after():
    from integrations.projects.tasks import _backoff

    for n in range(5):  # 15 s, 30 s, 60 s ... with up to a quarter of jitter on top
        assert 15 * 2**n <= _backoff(n) <= 15 * 2**n * 1.25
    assert all(_backoff(n) <= 600 * 1.25 for n in range(12))  # capped at ten minutes
    assert _backoff(3, retry_after=7) == 7  # the provider's Retry-After wins


def test_deleting_a_project_removes_its_hook_and_a_404_is_success(projects_setup,
                                                                  django_capture_on_commit_callbacks):
    from integrations.projects import services

    with django_capture_on_commit_callbacks(execute=True):
        kept = projects_setup.create("cloud", "acme/webapp")
        gone = projects_setup.create("cloud", "acme/api")
    assert len(projects_setup.hooks("cloud", "acme/webapp")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.project_delete(project=kept, actor=projects_setup.admin)
    assert projects_setup.hooks("cloud", "acme/webapp") == []
    # Someone already deleted the other hook in Bitbucket: deleting the project still works.
    projects_setup.emulator.control("DELETE", "/cloud/hooks", params={"repository": "acme/api"})
    with django_capture_on_commit_callbacks(execute=True):
        services.project_delete(project=gone, actor=projects_setup.admin)
    assert not Project.objects.filter(pk__in=[kept.pk, gone.pk]).exists()
    assert set(AuditEvent.objects.filter(action="project.deleted").values_list("target_label", flat=True)) == {
        "acme/webapp", "acme/api"}
