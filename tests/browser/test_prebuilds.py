"""Prebuilds in real headless Chromium: the project page's list and settings, a prebuild's page with its output
and build statuses, Re-run; at desktop and phone widths (screenshots go to $SCREENS_DIR when set)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.prebuilds.models import CommitStatus, Prebuild
from tests.browser.conftest import sign_in
from tests.projects.conftest import projects_setup  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = """Prebuild of acme/webapp at refs/heads/main (3f1c2a9d8e7b)
Commit:  3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39
Author:  Alice Liddell <alice@acme.example>
Date:    2026-12-03T08:15:49.123456+00:00
Message: Ship it
Report written to prebuild-report.json. Prebuild done.
"""


def _shots(tmp_path) -> Path:
    return Path(os.environ.get("SCREENS_DIR") or tmp_path)


def _prebuilds(project):
    now = timezone.now()
    common = {"organization": project.organization, "project": project, "runner": project.runner}
    ok = Prebuild.objects.create(**common, ref="refs/heads/main", commit="3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
                                 trigger="push", state="succeeded", exit_code=0, output=REPORT,
                                 queued_at=now - timedelta(minutes=9), started_at=now - timedelta(minutes=9),
                                 finished_at=now - timedelta(minutes=8, seconds=48))
    for state, description in (("in_progress", "Queued on acme-aws"), ("in_progress", "Running on acme-aws"),
                               ("successful", "Prebuild succeeded")):
        CommitStatus.objects.create(prebuild=ok, state=state, description=description, post_state="posted",
                                    attempts=1, posted_at=now)
    failed = Prebuild.objects.create(**common, ref="refs/heads/release/2.0", commit="9" * 40, trigger="push",
                                     state="failed", exit_code=2, reason="The prebuild command exited with 2.",
                                     output="make: *** [test] Error 2\n", queued_at=now - timedelta(minutes=5),
                                     started_at=now - timedelta(minutes=5), finished_at=now - timedelta(minutes=4))
    CommitStatus.objects.create(prebuild=failed, state="failed", description="The prebuild command exited with 2.",
                                post_state="failed", attempts=9,
                                error="bitbucket-cloud answered HTTP 503: Service unavailable")
    Prebuild.objects.create(**common, ref="refs/heads/feature/login", commit="7" * 12, trigger="pull_request",
                            pull_request_id=12, state="running", output="Installing dependencies…\n",
                            queued_at=now - timedelta(seconds=40), started_at=now - timedelta(seconds=35))
    Prebuild.objects.create(**common, ref="refs/heads/main", commit="5" * 40, trigger="push", state="superseded",
                            reason="Superseded by a newer push (3f1c2a9d8e7b) before it started.",
                            queued_at=now - timedelta(minutes=10), finished_at=now - timedelta(minutes=9))
    return ok, failed


@pytest.mark.parametrize("width", [1280, 390])
def test_the_project_page_and_a_prebuild_page(projects_setup, page, tmp_path, width):  # noqa: F811
    project = projects_setup.create("cloud", "acme/webapp")
    ok, failed = _prebuilds(project)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, projects_setup.admin.email)
    page.goto(project.get_absolute_url())
    section = page.locator("#prebuilds")
    expect(section.locator("tr[data-prebuild]")).to_have_count(4)
    expect(section.locator(f'tr[data-prebuild="{ok.pk}"] [data-prebuild-state]')).to_have_text("Succeeded")
    section.locator("summary").click()
    expect(section.locator("#id_prebuild_branches")).to_be_visible()
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(_shots(tmp_path) / f"project-prebuilds-{width}.png"))

    page.goto(ok.get_absolute_url())
    expect(page.locator("#prebuild-output")).to_contain_text("Prebuild done.")
    expect(page.locator("tr[data-status-post=posted]")).to_have_count(3)
    page.screenshot(path=str(_shots(tmp_path) / f"prebuild-succeeded-{width}.png"), full_page=True)

    page.goto(failed.get_absolute_url())
    expect(page.locator("#prebuild-reason")).to_have_text("The prebuild command exited with 2.")
    expect(page.locator("tr[data-status-post=failed]")).to_contain_text("HTTP 503")
    page.screenshot(path=str(_shots(tmp_path) / f"prebuild-failed-{width}.png"), full_page=True)
    page.get_by_role("button", name="Re-run").click()
    expect(page.locator("h1 [data-prebuild-state]")).to_have_text("Queued")
    expect(page.locator(".messages, .msg").first).to_be_visible()
    failed.refresh_from_db()
    assert failed.state == "queued" and failed.attempt == 2
