"""The user's environments: the list, and "New environment" (paste a URL; Connect first when needed, then
continue with the same URL)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from environments import selectors, services
from environments.forms import EnvironmentRequestForm
from integrations.oauth import popup
from portal.errors import ApplicationError, ValidationFailed
from portal.selectors import org_for_user
from portal.views.helpers import paginate


@login_required
@require_GET
def environment_list(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug)
    page = paginate(request, selectors.environment_request_list(org=org, user=request.user), per_page=25)
    return render(request, "environments/environment_list.html", {"org": org, "membership": membership,
                                                                  "page": page})


@login_required
@require_GET
def environment_detail(request, org_slug: str, environment_id: int):
    org, membership = org_for_user(request.user, org_slug)
    env = selectors.environment_request_get(org=org, user=request.user, request_id=environment_id)
    return render(request, "environments/environment_detail.html", {"org": org, "membership": membership,
                                                                    "env": env})


def _connect_context(request, org, integration, form) -> dict:
    """The Connect form for `integration`, returning to this page with the pasted URL kept."""
    back = reverse("environment_new", args=[org.slug]) + "?" + urlencode({
        "runner": form.data.get("runner", ""), "url": form.data.get("url", ""), "continue": "1"})
    return {
        "integration": integration,
        "popup_next": popup.done_url(integration, popup=True),
        "page_next": popup.done_url(integration, popup=False, return_to=back),
        "status_url": reverse("connection_status", args=[org.slug, integration.pk]),
        "can_connect": integration.oauth_ready,
    }


@login_required
@require_http_methods(["GET", "POST"])
def environment_new(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug)
    connect = None
    autosubmit = False
    if request.method == "POST":
        form = EnvironmentRequestForm(request.POST, org=org)
        if form.is_valid():
            try:
                env = services.environment_request_create(runner=form.cleaned_data["runner"], user=request.user,
                                                          url=form.cleaned_data["url"])
            except services.NeedsConnection as exc:
                connect = {**_connect_context(request, org, exc.integration, form), "message": exc.message}
            except ValidationFailed as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Environment requested: {env.repository} at "
                                          f"{env.ref or env.commit[:12]} on {env.runner.name}.")
                return redirect("environment_detail", org.slug, env.pk)
    else:
        initial = {"url": request.GET.get("url", "")[:2048]}
        runner_id = request.GET.get("runner", "")
        if runner_id.isdigit():
            initial["runner"] = int(runner_id)
        form = EnvironmentRequestForm(initial=initial, org=org)
        autosubmit = request.GET.get("continue") == "1" and bool(initial["url"])
    status = 200 if request.method == "GET" or connect else 400 if form.errors else 200
    return render(request, "environments/environment_new.html", {
        "org": org, "membership": membership, "form": form, "connect": connect, "autosubmit": autosubmit,
        "portal_origin": popup.portal_origin(), "server_now": f"{time.time():.3f}",
        "has_runners": form.fields["runner"].queryset.exists(),
    }, status=status)
