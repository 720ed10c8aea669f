from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal import services
from portal.errors import ApplicationError
from portal.forms import ApiTokenForm
from portal.models import ApiToken
from portal.one_time import one_time_put, one_time_take
from portal.views.helpers import report

NEW_TOKEN = "api-token"


@login_required
def token_list(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, value = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            report(request, exc, form)
        else:
            # Post/redirect/get: a reload of the page that shows the value creates no second token.
            one_time_put(request, NEW_TOKEN, value)
            return redirect("token_list")
    new_value = one_time_take(request, NEW_TOKEN) if request.method == "GET" else None
    tokens = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at")
    response = render(request, "portal/token_list.html", {"form": form, "tokens": tokens, "new_value": new_value})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(token=token)
    messages.success(request, f"Revoked {token.name}.")
    return redirect("token_list")
