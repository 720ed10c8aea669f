"""The "Configure repository access" dialog: an htmx modal, and the same form as a page without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from integrations import services
from integrations.browser_sealing import browser_seal_context, typed_options
from integrations.forms import ScmIntegrationForm
from integrations.hosts import host_for_callback
from integrations.models.integration import callback_url_for, oauth_key_for
from integrations.providers import PROVIDERS
from integrations.selectors import integration_get
from integrations.submit import integration_submit
from portal.errors import ApplicationError
from portal.models import Role
from portal.selectors import org_for_user
from portal.views.helpers import report
from runners.protocol.sealing import SealError
from runners.sealing import runner_browser_key
from runners.selectors import runner_for_org


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _render(request, context: dict):
    template = (
        "integrations/_repository_access_modal.html"
        if _is_htmx(request)
        else "integrations/repository_access_page.html"
    )
    return render(request, template, context)


def _done(request, org, runner):
    url = reverse("runner_detail", args=[org.slug, runner.pk])
    if _is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def preview_callback_url(runner, provider_id: str, raw_host: str) -> str:
    """The callback URL a new integration will have once saved; "" while its host is not known yet."""
    provider = PROVIDERS.get(provider_id)
    host = host_for_callback(provider, raw_host) if provider else None
    if host is None:
        return ""
    return callback_url_for(oauth_key_for(runner_id=runner.pk, provider=provider.spec.id, host=host))


def _warn(request, submitted) -> None:
    # Saved, but the host said something the admin should act on (Base URL unset, instance down).
    if submitted.host_check.warning:
        messages.warning(request, submitted.host_check.warning)
    if submitted.secret_problem:
        messages.error(request, f"The runner could not use the client secret: {submitted.secret_problem}")


def _context(request, org, membership, runner, form, integration=None) -> dict:
    if integration is not None:
        callback_url = integration.callback_url
    else:
        callback_url = preview_callback_url(runner, form.spec.id if form.spec else "", form["host"].value() or "")
    return {
        "org": org,
        "membership": membership,
        "runner": runner,
        "form": form,
        "integration": integration,
        "spec": form.spec,
        "providers": [p.spec for p in PROVIDERS.values()],
        "callback_url": callback_url,
        "browser_seal": runner_browser_key(runner) is not None,
    }


def _carried(query) -> dict:
    """What the admin typed before switching provider, for the fields every provider has: the Client ID and
    the two toggles (the dialog's provider select sends them with `switched`). Host, options and scopes
    mean something else per provider, and the secret never travels in a URL: the browser keeps that one."""
    if query.get("switched") != "1":
        return {}
    return {"client_id": query.get("client_id", "")[:255],
            "oauth_enabled": "oauth_enabled" in query, "pat_enabled": "pat_enabled" in query}


@sensitive_post_parameters("client_secret")
@login_required
def integration_add(request, org_slug: str, runner_id: int):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    if request.method == "POST":
        form = ScmIntegrationForm(request.POST, runner=runner)
        if form.is_valid():
            try:
                submitted = integration_submit(form=form, actor=request.user)
            except ApplicationError as exc:
                report(request, exc, form)
            else:
                messages.success(request, f"{submitted.integration.spec.name} is configured on {runner.name}.")
                _warn(request, submitted)
                return _done(request, org, runner)
    else:
        provider = request.GET.get("provider", "")
        form = ScmIntegrationForm(runner=runner, initial={"provider": provider, **_carried(request.GET)})
        if provider not in PROVIDERS:
            return _render(request, {**_context(request, org, membership, runner, form), "choose_provider": True})
    return _render(request, _context(request, org, membership, runner, form))


@login_required
@require_GET
def integration_callback_url(request, org_slug: str, runner_id: int):
    """The dialog's callback URL for the provider and host typed so far (refreshed as the host changes)."""
    org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    callback_url = preview_callback_url(runner, request.GET.get("provider", ""), request.GET.get("host", ""))
    return render(request, "integrations/_callback_url.html", {"callback_url": callback_url})


@login_required
@require_GET
def integration_seal_context(request, org_slug: str, runner_id: int):
    """For the dialog's script: what it needs to seal the secret in the browser, or why it cannot (409)."""
    org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    integration_id = request.GET.get("integration", "")
    integration = integration_get(runner=runner, integration_id=int(integration_id)) \
        if integration_id.isdigit() else None
    try:
        context = browser_seal_context(runner=runner, provider_id=request.GET.get("provider", ""),
                                       raw_host=request.GET.get("host", ""), integration=integration,
                                       raw_options=typed_options(request.GET))
    except SealError as exc:
        return JsonResponse({"error": {"code": "cannot_seal_here", "message": str(exc)}}, status=409)
    return JsonResponse(context, headers={"Cache-Control": "no-store"})


@sensitive_post_parameters("client_secret")
@login_required
def integration_edit(request, org_slug: str, runner_id: int, integration_id: int):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    integration = integration_get(runner=runner, integration_id=integration_id)
    form = ScmIntegrationForm(request.POST or None, instance=integration, runner=runner)
    if request.method == "POST" and form.is_valid():
        try:
            submitted = integration_submit(form=form, actor=request.user)
        except ApplicationError as exc:
            report(request, exc, form)
        else:
            messages.success(request, f"Saved {integration.spec.name} on {runner.name}.")
            _warn(request, submitted)
            return _done(request, org, runner)
    return _render(request, _context(request, org, membership, runner, form, integration))


@login_required
def integration_remove(request, org_slug: str, runner_id: int, integration_id: int):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    runner = runner_for_org(org, runner_id)
    integration = integration_get(runner=runner, integration_id=integration_id)
    if request.method == "POST":
        dropped = services.integration_delete(integration=integration, actor=request.user)
        note = f" and {dropped} user connection{'s' if dropped != 1 else ''}" if dropped else ""
        messages.success(request, f"Removed {integration.spec.name}{note} from {runner.name}.")
        return _done(request, org, runner)
    template = "integrations/_remove_modal.html" if _is_htmx(request) else "integrations/remove_page.html"
    context = {
        "org": org,
        "membership": membership,
        "runner": runner,
        "integration": integration,
        "connection_count": integration.connections.count(),
    }
    return render(request, template, context)
