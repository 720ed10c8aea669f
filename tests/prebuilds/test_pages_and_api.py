"""The prebuild pages and API: members read, admins cancel, re-run and change settings, other orgs get 404,
bad input is named, and the pages cost a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.prebuilds.models import CommitStatus, Prebuild, PrebuildState
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(projects_setup):
    project = projects_setup.create("cloud", "acme/webapp")
    prebuild = Prebuild.objects.create(organization=project.organization, project=project, runner=project.runner,
                                       ref="refs/heads/main", commit="a" * 40, trigger="push",
                                       state=PrebuildState.FAILED, reason="The prebuild command exited with 3.",
                                       exit_code=3, output="step 1\nboom <script>alert(1)</script>\n")
    CommitStatus.objects.create(prebuild=prebuild, state="failed", description="Prebuild failed",
                                post_state="failed", error="bitbucket-cloud answered HTTP 403: no scope")
    return project, prebuild


def test_members_read_the_list_and_the_output_but_cannot_act(built, projects_setup, client_for):
    project, prebuild = built
    member = client_for(projects_setup.world.a.member)
    page = member.get(project.get_absolute_url()).content.decode()
    assert "aaaaaaaaaaaa" in page and 'data-prebuild-state="failed"' in page
    assert "Prebuild settings" not in page  # admins only
    detail = member.get(prebuild.get_absolute_url()).content.decode()
    assert "boom &lt;script&gt;" in detail and "exited with 3" in detail
    assert "not posted" in detail and "HTTP 403" in detail  # a status that could not be posted says why
    assert "Re-run" not in detail
    url = reverse("prebuild_rerun", args=[project.organization.slug, project.pk, prebuild.pk])
    assert member.post(url).status_code == 403
    assert Prebuild.objects.get(pk=prebuild.pk).attempt == 1


def test_admins_rerun_and_cancel_with_an_audit_trail(built, projects_setup, client_for):
    project, prebuild = built
    admin = client_for(projects_setup.admin)
    org = project.organization.slug
    admin.post(reverse("prebuild_rerun", args=[org, project.pk, prebuild.pk]))
    prebuild.refresh_from_db()
    assert (prebuild.state, prebuild.attempt, prebuild.output) == (PrebuildState.QUEUED, 2, "")
    response = admin.post(reverse("prebuild_cancel", args=[org, project.pk, prebuild.pk]), follow=True)
    assert "Prebuild cancelled." in response.content.decode()
    again = admin.post(reverse("prebuild_cancel", args=[org, project.pk, prebuild.pk]), follow=True)
    assert "nothing to cancel" in again.content.decode()
    assert list(AuditEvent.objects.filter(action__startswith="prebuild.").values_list("action", flat=True)
                .order_by("id")) == ["prebuild.rerun", "prebuild.cancelled"]


def test_settings_form_saves_and_names_a_bad_pattern(built, projects_setup, client_for):
    project, _ = built
    admin = client_for(projects_setup.admin)
    url = reverse("prebuild_settings", args=[project.organization.slug, project.pk])
    admin.post(url, {"prebuilds": "on", "prebuild_branches": "main,  release/* ,main"})
    project.refresh_from_db()
    assert (project.prebuilds, project.prebuild_branches, project.prebuild_pull_requests) == (
        True, "main, release/*", False)
    bad = admin.post(url, {"prebuilds": "on", "prebuild_branches": "refs/heads/x"}, follow=True)
    assert "Branches:" in bad.content.decode()
    project.refresh_from_db()
    assert project.prebuild_branches == "main, release/*"


def test_another_orgs_prebuild_is_a_404(built, projects_setup, client_for, api_client_for):
    project, prebuild = built
    globex = client_for(projects_setup.world.b.owner)
    assert globex.get(prebuild.get_absolute_url()).status_code == 404
    api = api_client_for(projects_setup.world.b.owner)
    assert api.get(f"/api/v1/orgs/acme/projects/{project.pk}/prebuilds/").status_code == 404


def test_the_api_lists_reads_reruns_and_patches_settings(built, projects_setup, api_client_for):
    project, prebuild = built
    api = api_client_for(projects_setup.admin)
    base = f"/api/v1/orgs/acme/projects/{project.pk}/prebuilds/"
    listed = api.get(base).json()
    assert [(p["id"], p["state"], p["commit"]) for p in listed["results"]] == [(prebuild.pk, "failed", "a" * 40)]
    assert "output" not in listed["results"][0]
    detail = api.get(f"{base}{prebuild.pk}/").json()
    assert detail["output"].startswith("step 1") and detail["commit_statuses"][0]["post_state"] == "failed"
    rerun = api.post(f"{base}{prebuild.pk}/rerun/")
    assert rerun.status_code == 202 and rerun.json()["attempt"] == 2
    assert api.post(f"{base}{prebuild.pk}/rerun/").status_code == 409  # queued: cancel first
    assert api.post(f"{base}{prebuild.pk}/cancel/").json()["state"] == "cancelled"
    patched = api.patch(f"{base}settings/", {"prebuild_branches": "develop"}, format="json")
    assert patched.status_code == 200 and patched.json()["prebuild_branches"] == "develop"
    assert patched.json()["prebuilds"] is True
    wrong = api.patch(f"{base}settings/", {"prebuilds": "yes"}, format="json")
    assert wrong.status_code == 400 and "prebuilds" in wrong.json()["error"]["fields"]
    unknown = api.patch(f"{base}settings/", {"branches": "x"}, format="json")
    assert unknown.status_code == 400 and "branches" in unknown.json()["error"]["fields"]
    bad = api.patch(f"{base}settings/", {"prebuild_branches": "a b"}, format="json")
    assert bad.status_code == 400 and "prebuild_branches" in bad.json()["error"]["fields"]
    member = api_client_for(projects_setup.world.a.member)
    assert member.get(base).status_code == 200
    assert member.post(f"{base}{prebuild.pk}/cancel/").status_code == 403


@pytest.mark.parametrize("page", ["project", "prebuilds", "prebuild"])
def test_pages_cost_the_same_queries_for_1_and_30_prebuilds(built, projects_setup, client_for, page):
    project, prebuild = built
    client = client_for(projects_setup.admin)
    url = {"project": project.get_absolute_url(), "prebuild": prebuild.get_absolute_url(),
           "prebuilds": reverse("prebuild_list", args=[project.organization.slug, project.pk])}[page]

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for n in range(30):
        extra = Prebuild.objects.create(organization=project.organization, project=project, runner=project.runner,
                                        ref="refs/heads/main", commit=f"{n:040x}", trigger="push")
        CommitStatus.objects.create(prebuild=prebuild if page == "prebuild" else extra, state="in_progress")
    assert count() == one
