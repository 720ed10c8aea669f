"""The user's Connections page: Connect (popup OAuth), the popup's end page, a status endpoint for the
opener's polling fallback, and Disconnect."""

from __future__ import annotations

import math
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.connections import demo as connection_demo
from integrations.connections import selectors, services
from integrations.models import Connection
from integrations.models.connection import Status
from integrations.oauth import popup
from portal.errors import ValidationFailed, error_body
from portal.models import Role
from portal.numbers import finite_float
from portal.selectors import org_for_user
from runners.models import RunnerStatus


def connection_summary(connection: Connection | None) -> dict | None:
    """What the page and the status endpoint show: identity, scopes, status. Never a token."""
    if connection is None:
        return None
    return {
        "id": connection.pk,
        "username": connection.username,
        "display_name": connection.display_name,
        "git_author_name": connection.git_author_name,
        "git_author_email": connection.git_author_email,
        "granted_scopes": list(connection.granted_scopes or []),
        "missing_scopes": list(connection.missing_scopes or []),
        "status": connection.status,
        "status_display": connection.get_status_display(),
        "badge": connection.badge,
    }


def connection_row(request, org, integration, connection: Connection | None, *, shared: Connection | None = None,
                   is_admin: bool = False, notice: str = "") -> dict:
    """Everything one connection card (integrations/_connection_card.html) shows."""
    return {
        "org": org,
        "integration": integration,
        "label": integration.spec.label,
        "connection": connection,
        "shared": shared,
        "is_admin": is_admin,
        "can_connect": integration.oauth_ready,
        "can_use_token": integration.pat_enabled and bool(integration.scm_provider.token_kinds),
        # Connecting needs the runner's agent (it exchanges the code): say so before the consent page.
        "runner_offline": integration.runner.status == RunnerStatus.OFFLINE,
        "popup_next": popup.done_url(integration, popup=True),
        "page_next": popup.done_url(integration, popup=False,
                                    return_to=reverse("connection_list", args=[org.slug])),
        "status_url": reverse("connection_status", args=[org.slug, integration.pk]),
        "card_url": reverse("connection_card", args=[org.slug, integration.pk]),
        "notice": notice,
        # Connection health: what the token needs, what is wrong in plain words, the demo's revoke button.
        "required_scopes": integration.spec.required_scopes(),
        "problem": plain_problem(connection) if connection else "",
        "demo": connection_demo.enabled(),
    }


def _card(request, org, integration, *, is_admin: bool, notice: str = "") -> HttpResponse:
    connection = selectors.connection_get_for_user(user=request.user, integration=integration)
    shared = selectors.connection_shared_map(org=org).get(integration.pk)
    row = connection_row(request, org, integration, connection, shared=shared, is_admin=is_admin, notice=notice)
    response = render(request, "integrations/_connection_card.html", {"row": row})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def connection_list(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug)
    connections = selectors.connection_map_by_integration(user=request.user, org=org)
    shared = selectors.connection_shared_map(org=org)
    is_admin = membership.has_role(Role.ADMIN)
    rows = [connection_row(request, org, integration, connections.get(integration.pk),
                           shared=shared.get(integration.pk), is_admin=is_admin)
            for integration in selectors.integration_list_oauth(org=org)]
    return render(request, "integrations/connections.html", {
        "org": org, "membership": membership, "rows": rows, "is_admin": membership.has_role(Role.ADMIN),
        "server_now": f"{time.time():.3f}",
        "portal_origin": popup.portal_origin()
    })


@login_required
@require_GET
def connection_card(request, org_slug: str, integration_id: int):
    """One card, as the page renders it: swapped in after a popup connect."""
    org, membership = org_for_user(request.user, org_slug)
    integration = selectors.integration_get_in_org(org=org, integration_id=integration_id)
    return _card(request, org, integration, is_admin=membership.has_role(Role.ADMIN))


@login_required
@require_GET
def connection_status(request, org_slug: str, integration_id: int):
    """Polled by the opener while a popup is open: did this session's Connect attempt end, and how?"""
    org, _ = org_for_user(request.user, org_slug)
    integration = selectors.integration_get_in_org(org=org, integration_id=integration_id)
    try:
        since = finite_float(request.GET.get("since"), name="since", default=0.0, minimum=0.0, maximum=math.inf)
    except ValidationFailed as exc:
        return JsonResponse(error_body(exc.code, exc.message, exc.fields), status=400)
    connection = selectors.connection_get_for_user(user=request.user, integration=integration)
    result = popup.latest_result(request, integration.pk, since=since)
    state = "waiting"
    message = ""
    if result is not None:
        state = "connected" if result["ok"] and connection is not None else "failed"
        message = result["message"]
    return JsonResponse({"state": state, "message": message, "integration": integration.pk, "now": time.time(),
                         "connection": connection_summary(connection)},
                        headers={"Cache-Control": "no-store"})


def _drain_messages(request) -> list[str]:
    # allauth queued "account connected" style messages; this page says it better, once.
    return [str(m) for m in messages.get_messages(request) if m.level >= messages.ERROR]


@login_required
@require_GET
def connection_oauth_done(request, org_slug: str, integration_id: int):
    """Where allauth sends the popup (or the page) after a successful connect."""
    org, _ = org_for_user(request.user, org_slug)
    integration = selectors.integration_get_in_org(org=org, integration_id=integration_id)
    errors = _drain_messages(request)
    connection = selectors.connection_get_for_user(user=request.user, integration=integration)
    ok = connection is not None and not errors
    message = popup.connected_message(integration) if ok else (
        errors[0] if errors else f"{integration.spec.label} was not connected.")
    is_popup = "popup" in request.GET
    if is_popup:
        return popup.result_response(request, integration, ok=ok, message=message, popup=True)
    (messages.success if ok else messages.error)(request, message)
    return redirect(popup.safe_return_url(request, request.GET.get("return"), popup.connections_url(integration)))


@login_required
@require_http_methods(["GET", "POST"])
def connection_disconnect(request, org_slug: str, connection_id: int):
    org, membership = org_for_user(request.user, org_slug)
    is_admin = membership.has_role(Role.ADMIN)
    connection = selectors.connection_get_visible(org=org, user=request.user, is_admin=is_admin,
                                                  connection_id=connection_id)
    own = connection.user_id == request.user.pk and not connection.shared
    if not own and not (connection.shared and is_admin):
        # Admins remove shared credentials here; anyone else's personal connection is not theirs to see.
        raise Http404
    label = connection.integration.spec.label
    if request.method == "POST":
        services.connection_disconnect(connection=connection, actor=request.user)
        what = "The shared token" if connection.shared else f"{label} account {connection.username}"
        said = f"{what} was disconnected."
        if request.headers.get("HX-Request") == "true":
            return _card(request, org, connection.integration, is_admin=is_admin, notice=said)
        messages.success(request, said)
        return redirect("connection_list", org.slug)
    return render(request, "integrations/connections_disconnect.html", {
        "org": org, "connection": connection, "label": label,
    })


@login_required
@require_POST
def connection_test(request, org_slug: str, connection_id: int):
    """"Test": verify the user's connection with the provider now, and say what came back."""
    org, _ = org_for_user(request.user, org_slug)
    connection = selectors.connection_get_own(org=org, user=request.user, connection_id=connection_id)
    label = connection.integration.spec.name
    try:
        connection = services.connection_verify(connection_id=connection.pk)
    except services.ConnectionTransientError as exc:
        wait = f" Try again in {exc.retry_after} seconds." if exc.retry_after else " Try again later."
        messages.warning(request, f"{label} did not answer the test; the connection's status is unchanged.{wait}")
    else:
        if connection.is_healthy:
            messages.success(request, f"{label} account {connection.username} works.")
        else:
            messages.error(request, f"{label} account {connection.username}: {connection.get_status_display()}. "
                                    f"{plain_problem(connection)}")
    return redirect(f"{reverse('connection_list', args=[org.slug])}#integration-{connection.integration_id}")


@login_required
@require_POST
def connection_demo_revoke(request, org_slug: str, connection_id: int):
    """Demo only: revoke the token at the emulator; the next sweep (or Test) finds it revoked."""
    if not connection_demo.enabled():
        raise Http404
    org, _ = org_for_user(request.user, org_slug)
    connection = selectors.connection_get_own(org=org, user=request.user, connection_id=connection_id)
    try:
        connection_demo.revoke_at_emulator(connection)
    except connection_demo.DemoError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, "Revoked the token at the emulator. The next verify sweep will find it "
                               "(or press Test now).")
    return redirect(f"{reverse('connection_list', args=[org.slug])}#integration-{connection.integration_id}")


def plain_problem(connection: Connection) -> str:
    """What is wrong and what to do, in plain words (the page, the banner and the Test answer)."""
    from integrations.connections.health import ADVICE

    if connection.status == Status.INSUFFICIENT_SCOPES and connection.missing_scopes:
        reasons = {s.name: s.reason for s in connection.integration.spec.scopes}
        needs = "; ".join(f"{name} ({reasons[name]})" if reasons.get(name) else name
                          for name in connection.missing_scopes)
        return f"It lacks {needs}. Reconnect and grant them."
    if connection.is_broken:
        return f"{ADVICE.get(connection.status, '')} Reconnect to continue."
    if connection.status == Status.UNREACHABLE:
        return "The provider did not answer after several tries; the portal keeps trying."
    if connection.status == Status.RATE_LIMITED:
        return "The provider asked the portal to slow down; it will check again after the wait."
    if connection.status == Status.EXPIRING:
        return connection.last_error or "The token expires soon; create a new one or reconnect."
    return ""
