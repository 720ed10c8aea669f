from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal import services
from portal.errors import ApplicationError
from portal.forms import ApiTokenForm
from portal.models import ApiToken
from portal.views.helpers import report


@login_required
def token_list(request):
    form = ApiTokenForm(request.POST or None)
    new_value = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_value = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            report(request, exc, form)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at")
    return render(request, "portal/token_list.html", {"form": form, "tokens": tokens, "new_value": new_value})


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(token=token)
    messages.success(request, f"Revoked {token.name}.")
    return redirect("token_list")
