"""Prebuild pages: a project's prebuilds, one prebuild with its output and statuses, cancel, re-run, settings.

Members read; org admins cancel, re-run and change the settings. Every project is reached through
`org_for_user` and the project selector: another org's prebuild is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.prebuilds import selectors, services
from integrations.prebuilds.forms import PrebuildSettingsForm
from integrations.projects import selectors as project_selectors
from portal.errors import ApplicationError
from portal.models import Role
from portal.selectors import org_for_user
from portal.views.helpers import paginate

PER_PAGE = 25


def _project(request, org_slug: str, project_id: int, *, admin: bool = False):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN if admin else Role.MEMBER)
    return org, membership, project_selectors.project_get(org=org, project_id=project_id)


@login_required
@require_GET
def prebuild_list(request, org_slug: str, project_id: int):
    org, membership, project = _project(request, org_slug, project_id)
    return render(request, "prebuilds/prebuild_list.html", {
        "org": org, "project": project, "is_admin": membership.has_role(Role.ADMIN),
        "page": paginate(request, selectors.prebuild_list(project=project), per_page=PER_PAGE),
    })


@login_required
@require_GET
def prebuild_detail(request, org_slug: str, project_id: int, prebuild_id: int):
    org, membership, project = _project(request, org_slug, project_id)
    prebuild = selectors.prebuild_get(project=project, prebuild_id=prebuild_id)
    return render(request, "prebuilds/prebuild_detail.html", {
        "org": org, "project": project, "prebuild": prebuild, "is_admin": membership.has_role(Role.ADMIN),
        "statuses": list(selectors.commit_status_list(prebuild=prebuild)),
    })


@login_required
@require_POST
def prebuild_cancel(request, org_slug: str, project_id: int, prebuild_id: int):
    org, _, project = _project(request, org_slug, project_id, admin=True)
    prebuild = selectors.prebuild_get(project=project, prebuild_id=prebuild_id)
    try:
        prebuild = services.prebuild_cancel(prebuild=prebuild, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Prebuild cancelled." if not prebuild.is_active else
                         "Cancelling: the runner stops the command at its next report.")
    return redirect("prebuild_detail", org.slug, project.pk, prebuild.pk)


@login_required
@require_POST
def prebuild_rerun(request, org_slug: str, project_id: int, prebuild_id: int):
    org, _, project = _project(request, org_slug, project_id, admin=True)
    prebuild = selectors.prebuild_get(project=project, prebuild_id=prebuild_id)
    try:
        prebuild = services.prebuild_rerun(prebuild=prebuild, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Prebuild queued again (attempt {prebuild.attempt}).")
    return redirect("prebuild_detail", org.slug, project.pk, prebuild.pk)


@login_required
@require_POST
def prebuild_settings(request, org_slug: str, project_id: int):
    org, _, project = _project(request, org_slug, project_id, admin=True)
    form = PrebuildSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.prebuild_settings_update(project=project, actor=request.user,
                                              enabled=form.cleaned_data["prebuilds"],
                                              branches=form.cleaned_data["prebuild_branches"],
                                              pull_requests=form.cleaned_data["prebuild_pull_requests"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Prebuild settings saved.")
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else field}: "
                                    f"{' '.join(errors)}")
    return redirect(f"{project.get_absolute_url()}#prebuilds")
