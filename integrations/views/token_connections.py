"""The Connections page's "Use a token instead" dialog (an htmx modal, and the same form as a page without
JavaScript). The form and the services are the API's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters

from integrations.connections import selectors
from integrations.connections.token_form import TokenConnectionForm, token_submit
from portal.errors import ApplicationError
from portal.models import Role
from portal.selectors import org_for_user


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _done(request, org):
    url = reverse("connection_list", args=[org.slug])
    if _is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


@sensitive_post_parameters("token")
@login_required
def connection_token_add(request, org_slug: str, integration_id: int):
    org, membership = org_for_user(request.user, org_slug)
    is_admin = membership.has_role(Role.ADMIN)
    integration = selectors.integration_get_in_org(org=org, integration_id=integration_id)
    kinds = {k.id: k for k in integration.scm_provider.token_kinds}
    source = request.POST if request.method == "POST" else request.GET
    method = source.get("method") if source.get("method") in kinds else next(iter(kinds), "")
    if request.method == "POST":
        form = TokenConnectionForm(request.POST, org=org, user=request.user, is_admin=is_admin,
                                   integration=integration)
        if form.is_valid():
            try:
                connection = token_submit(form=form, actor=request.user)
            except ApplicationError as exc:
                _show_refusal(form, exc)
            else:
                whose = "the organization's shared" if connection.shared else "your"
                messages.success(request, f"{integration.spec.label} is now connected with {whose} token "
                                          f"({connection.get_method_display()}).")
                return _done(request, org)
    else:
        form = TokenConnectionForm(org=org, user=request.user, is_admin=is_admin, integration=integration,
                                   initial={"integration": integration.pk, "method": method})
    kind = kinds.get(method)
    context = {
        "org": org, "membership": membership, "integration": integration, "spec": integration.spec, "form": form,
        "kinds": list(kinds.values()), "kind": kind, "method": method, "is_admin": is_admin,
        "replaces": selectors.connection_get_for_user(user=request.user, integration=integration),
        "shared_connection": selectors.connection_shared_map(org=org).get(integration.pk),
    }
    template = "integrations/_token_modal.html" if _is_htmx(request) else "integrations/token_page.html"
    return render(request, template, context)


def _show_refusal(form, exc: ApplicationError) -> None:
    """The provider's refusal under the field it concerns; an unreachable provider above the form."""
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for name, errors in exc.fields.items():
        for error in errors:
            if name == "login" and "token" in exc.fields and error in exc.fields["token"]:
                continue  # said once, under the token
            form.add_error(name if name in form.fields else None, error)
