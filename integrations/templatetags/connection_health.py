"""The "your connection broke" banner, on every page of a signed-in user who was told about a breakage."""

from __future__ import annotations

import time

from django import template
from django.urls import reverse

from integrations.connections.health import banner_connections
from integrations.models.connection import Method
from integrations.oauth import popup

register = template.Library()


@register.inclusion_tag("integrations/_broken_banner.html", takes_context=True)
def connection_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = []
    for connection in banner_connections(user=user):
        integration = connection.integration
        org_slug = connection.organization.slug
        here = request.get_full_path()
        row = {"connection": connection, "label": integration.spec.name,
               "list_url": f"{reverse('connection_list', args=[org_slug])}#integration-{integration.pk}",
               # OAuth: Reconnect opens the popup flow right here; a token: the page where it is re-entered.
               "oauth": connection.method == Method.OAUTH and integration.oauth_ready and bool(integration.oauth_key)}
        if row["oauth"]:
            row.update({
                "login_url": reverse("scm_login", kwargs={"provider_id": integration.oauth_key}),
                "window": f"scm-connect-{integration.oauth_key}",
                "status_url": reverse("connection_status", args=[org_slug, integration.pk]),
                "popup_next": popup.done_url(integration, popup=True),
                "page_next": popup.done_url(integration, popup=False, return_to=here),
            })
        rows.append(row)
    match = getattr(request, "resolver_match", None)
    on_connections_page = bool(match and match.url_name == "connection_list")
    return {"rows": rows, "request": request, "csrf_token": context.get("csrf_token"),
            "own_root": not on_connections_page, "portal_origin": popup.portal_origin(),
            "server_now": f"{time.time():.3f}"}
