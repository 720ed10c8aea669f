"""Runner pages. Org admins manage runners; members see them read-only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.errors import ApplicationError
from portal.models import Role
from portal.one_time import one_time_put, one_time_take
from portal.selectors import org_for_user
from portal.views.helpers import paginate, report
from runners import services
from runners.forms import RunnerForm
from runners.selectors import agent_commands, runner_for_org, runners_for_org


@login_required
def runner_list(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug)
    page = paginate(request, runners_for_org(org))
    return render(request, "runners/runner_list.html", {"org": org, "membership": membership, "page": page})


def _token_key(runner) -> str:
    return f"runner-registration-token:{runner.pk}"


def _show_registration(request, org, runner, token: str, *, created: bool):
    # Post/redirect/get: the token travels to the next GET in the session (encrypted) and is shown once.
    one_time_put(request, _token_key(runner), token)
    url = reverse("runner_registration", args=[org.slug, runner.pk])
    return redirect(f"{url}?created=1" if created else url)


@login_required
def runner_registration(request, org_slug: str, runner_id: int):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    token = one_time_take(request, _token_key(runner))
    if token is None:
        # Reloaded, or opened from history: the token was shown once; the runner's page offers a new one.
        messages.info(request, "The registration token was shown once. Generate a new one here if it was lost.")
        return redirect("runner_detail", org_slug=org.slug, runner_id=runner.pk)
    return _registration_page(request, org, membership, runner, token, created=request.GET.get("created") == "1")


def _registration_page(request, org, membership, runner, token: str, *, created: bool):
    context = {"org": org, "membership": membership, "runner": runner, "token": token, "created": created,
               "commands": agent_commands(token), "token_ttl_hours": settings.RUNNER_REGISTRATION_TOKEN_TTL_HOURS}
    response = render(request, "runners/runner_registration.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def runner_create(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    form = RunnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            runner, token = services.runner_create(org=org, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            report(request, exc, form)
        else:
            return _show_registration(request, org, runner, token, created=True)
    return render(request, "runners/runner_form.html", {"org": org, "membership": membership, "form": form})


@login_required
def runner_detail(request, org_slug: str, runner_id: int):
    org, membership = org_for_user(request.user, org_slug)
    runner = runner_for_org(org, runner_id)
    context = {"org": org, "membership": membership, "runner": runner,
               "token_ttl_hours": settings.RUNNER_REGISTRATION_TOKEN_TTL_HOURS}
    return render(request, "runners/runner_detail.html", context)


@login_required
def runner_edit(request, org_slug: str, runner_id: int):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    # The form validates its own copy: the service compares against the untouched row for the audit trail.
    form = RunnerForm(request.POST or None, instance=runner_for_org(org, runner_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.runner_update(runner=runner, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            report(request, exc, form)
        else:
            messages.success(request, f"Saved {runner.name}.")
            return redirect("runner_detail", org_slug=org.slug, runner_id=runner.pk)
    return render(request, "runners/runner_form.html",
                  {"org": org, "membership": membership, "form": form, "runner": runner})


@login_required
def runner_delete(request, org_slug: str, runner_id: int):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    if request.method == "POST":
        name = runner.name
        services.runner_delete(runner=runner, actor=request.user)
        messages.success(request, f"Deleted the runner {name}.")
        return redirect("runner_list", org_slug=org.slug)
    return render(request, "runners/runner_delete.html", {"org": org, "membership": membership, "runner": runner})


@login_required
@require_POST
def runner_token_regenerate(request, org_slug: str, runner_id: int):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    token = services.runner_registration_token_regenerate(runner=runner, actor=request.user)
    return _show_registration(request, org, runner, token, created=False)


@login_required
def runner_status(request, org_slug: str, runner_id: int):
    """The small polled partial. While waiting for registration, htmx is sent on once the key arrives."""
    org, membership = org_for_user(request.user, org_slug)
    runner = runner_for_org(org, runner_id)
    waiting = request.GET.get("waiting") == "1"
    response = render(request, "runners/_status.html",
                      {"org": org, "membership": membership, "runner": runner, "waiting": waiting})
    if waiting and runner.has_public_key and request.headers.get("HX-Request"):
        response["HX-Redirect"] = reverse("runner_detail", args=[org.slug, runner.pk])
    return response
