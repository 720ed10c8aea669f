"""Two-factor authentication (allauth.mfa): who must have it, and the gate that sends them to set it up.

Staff always need a second factor; an organization's owner can require one of its owners and admins.
An authenticator app (TOTP) or a security key (WebAuthn) counts; recovery codes alone do not.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from rest_framework.permissions import BasePermission

from portal.errors import Forbidden
from portal.models import Membership, Role

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Where a user who still has to set up a second factor may go: allauth's own pages (sign-in, sign-out,
# the 2FA set-up itself) and static files. The API answers with its own 403 (MfaSatisfied).
_OPEN_PREFIXES = ("/accounts/", "/static/", "/api/", "/favicon.ico")


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def orgs_requiring_mfa_of(user) -> list[str]:
    """Names of the orgs where `user` is an owner or admin and the owner requires a second factor."""
    return list(Membership.objects.filter(user_id=user.pk, role__in=[Role.OWNER, Role.ADMIN],
                                          organization__require_mfa=True)
                .values_list("organization__name", flat=True))


def mfa_requirement(user) -> str:
    """Why `user` must have a second factor ("" when they need not): one query, none for staff."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return ""
    if user.is_staff:
        return "Operators must use two-factor authentication."
    orgs = orgs_requiring_mfa_of(user)
    if not orgs:
        return ""
    return f"{', '.join(sorted(orgs))} requires two-factor authentication for owners and admins."


def missing_mfa(user) -> str:
    """The requirement `user` does not meet yet, or ""."""
    reason = mfa_requirement(user)
    return reason if reason and not has_second_factor(user) else ""


class RequireMfaMiddleware:
    """Sends a signed-in user who must have a second factor, and has none, to set one up."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_OPEN_PREFIXES):
            reason = missing_mfa(request.user)
            if reason:
                return self._to_setup(request, reason)
        return self.get_response(request)

    @staticmethod
    def _to_setup(request: HttpRequest, reason: str) -> HttpResponse:
        messages.warning(request, f"{reason} Add an authenticator app or a security key to continue.")
        url = reverse("mfa_index")
        if request.headers.get("HX-Request") == "true":
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)


class MfaSatisfied(BasePermission):
    """The API's side of the gate: a personal API token of a user who must have a second factor and has
    none answers 403 `mfa_required` (in the error shape) until they set one up."""

    def has_permission(self, request, view) -> bool:
        reason = missing_mfa(request.user)
        if reason:
            raise Forbidden(f"{reason} Set it up at /accounts/2fa/ to use the API.", code="mfa_required")
        return True
