"""Self-healing: the beat sweep checks every project's hook at the provider and puts back what was broken."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from integrations.projects.models import Project, WebhookState
from integrations.projects.tasks import projects_due_for_check, sweep_plan, webhooks_sweep
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db
CLOUD_EVENTS = {"repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled"}


@pytest.fixture
def installed(projects_setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cloud = projects_setup.create("cloud", "acme/webapp")
        server = projects_setup.create("server", "ACME/backend")
    # Last checked long ago: the next sweep looks at both.
    Project.objects.update(webhook_checked_at=timezone.now() - timedelta(days=1))
    return {"cloud": Project.objects.get(pk=cloud.pk), "server": Project.objects.get(pk=server.pk)}


def repairs(project) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="project.webhook_repaired", target_id=str(project.pk)))


@pytest.mark.parametrize("flavour", ["cloud", "server"])
def test_a_hook_deleted_on_the_provider_is_reinstalled_by_the_sweep(projects_setup, installed, flavour):
    project = installed[flavour]
    projects_setup.emulator.control("DELETE", f"/{flavour}/hooks", params={"repository": project.repository})
    assert projects_setup.hooks(flavour, project.repository) == []

    webhooks_sweep()

    hooks = projects_setup.hooks(flavour, project.repository)
    assert len(hooks) == 1 and hooks[0]["url"] == project.receiver_url and hooks[0]["active"]
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.ACTIVE
    assert project.webhook_id == str(hooks[0]["uuid" if flavour == "cloud" else "id"])
    [event] = repairs(project)
    assert event.after["problems"] == "deleted at the provider" and event.actor is None


def test_a_deactivated_hook_with_changed_events_is_repaired_in_place(projects_setup, installed):
    project = installed["cloud"]
    token = projects_setup.connections["cloud"].access_token
    url = f"{projects_setup.emulator.cloud_api_url}/2.0/repositories/acme/webapp/hooks/{project.webhook_id}"
    answer = httpx.put(url, json={"active": False, "events": ["repo:push"]},
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200

    webhooks_sweep()

    [hook] = projects_setup.hooks("cloud", "acme/webapp")
    assert hook["uuid"] == project.webhook_id  # the same hook, updated
    assert hook["active"] and set(hook["events"]) == CLOUD_EVENTS
    [event] = repairs(project)
    assert event.after["problems"] == "deactivated, its events were changed"


def test_a_healthy_hook_is_left_alone_and_only_marked_checked(projects_setup, installed):
    projects_setup.emulator.control("DELETE", "/requests")
    webhooks_sweep()
    writes = [r for r in projects_setup.emulator.requests() if r["method"] != "GET"]
    assert writes == []
    assert not AuditEvent.objects.filter(action="project.webhook_repaired").exists()
    assert all(p.webhook_checked_at > timezone.now() - timedelta(minutes=1) for p in Project.objects.all())


def test_a_project_that_cannot_be_repaired_says_why(projects_setup, installed):
    project = installed["cloud"]
    projects_setup.emulator.control("DELETE", "/cloud/hooks", params={"repository": "acme/webapp"})
    projects_setup.emulator.control("POST", "/cloud/tokens/revoke",
                                    json={"token": projects_setup.connections["cloud"].access_token})
    webhooks_sweep()
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.FAILED
    assert "rejected the connection's token" in project.webhook_error
    assert AuditEvent.objects.filter(action="project.webhook_failed", target_id=str(project.pk)).exists()


def test_a_hook_gone_and_a_permission_lost_shows_missing(projects_setup, installed):
    project = installed["server"]
    projects_setup.emulator.control("DELETE", "/server/hooks", params={"repository": "ACME/backend"})
    # The connection can still list the (now empty) hooks but may no longer create one.
    projects_setup.emulator.control("POST", "/faults", json={"path": r"/webhooks$", "method": "POST",
                                                             "kind": "status", "status": 400})
    webhooks_sweep()
    project.refresh_from_db()
    assert project.webhook_state == WebhookState.MISSING
    assert project.webhook_error.startswith("The webhook was deleted in Bitbucket and could not be reinstalled")


def test_projects_checked_recently_are_not_due(installed):
    Project.objects.filter(pk=installed["cloud"].pk).update(webhook_checked_at=timezone.now())
    due = projects_due_for_check()
    assert [pk for ids in due.values() for pk in ids] == [installed["server"].pk]


def test_the_sweep_caps_tasks_per_host():
    # 200 projects on one host: never more than four chunk tasks (four requests at once) for that host.
    plan = sweep_plan({"https://bitbucket.org": list(range(1, 201)), "https://git.example.com": [900, 901]})
    big = [lane for lane in plan if lane[0] < 900]
    assert len(big) == 4 and sorted(pk for lane in big for pk in lane) == list(range(1, 201))
    assert [lane for lane in plan if lane[0] >= 900] == [[900, 901]]
    assert sweep_plan({"h": list(range(30))}) == [list(range(0, 30, 2)), list(range(1, 30, 2))]
