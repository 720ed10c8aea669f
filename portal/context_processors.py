from __future__ import annotations

from django.conf import settings
from django.db.models import F

from portal.models import Role
from portal.selectors import organizations_for_user

LAST_ORG_SESSION_KEY = "portal_last_org"


def current_org(request) -> dict:
    """The header's org switcher: the user's orgs and the one the URL names."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    slug = (match.kwargs.get("org_slug") if match else None) or ""
    # One query, as the switcher always made; the role hides navigation the user's role cannot open.
    orgs = list(organizations_for_user(user).annotate(my_role=F("memberships__role")))
    session = getattr(request, "session", None)
    if not slug and session is not None:
        # Pages outside an org (API tokens, two-factor) keep the navigation of the org the user last opened
        # (remember_org, called by the dashboard: a write there, not on every page).
        slug = session.get(LAST_ORG_SESSION_KEY) or ""
    role = next((o.my_role for o in orgs if o.slug == slug), "")
    if not role:
        slug = ""
    return {"switcher_orgs": orgs, "current_org_slug": slug, "current_org_role": role,
            "current_org_admin": role in (Role.OWNER, Role.ADMIN)}


def remember_org(request, slug: str) -> None:
    if getattr(request, "session", None) is not None and request.session.get(LAST_ORG_SESSION_KEY) != slug:
        request.session[LAST_ORG_SESSION_KEY] = slug


# Backends that keep mail on this machine instead of sending it (the demo's default: the console).
_KEPT_MAIL = {"django.core.mail.backends.console.EmailBackend": "printed on the portal's console output",
              "django.core.mail.backends.filebased.EmailBackend": "written as files"}


def mail_delivery(request) -> dict:
    """Where this portal's emails go when it does not send them, so "check your email" can say where."""
    where = _KEPT_MAIL.get(settings.EMAIL_BACKEND, "")
    if where and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        where = f"{where} under {getattr(settings, 'EMAIL_FILE_PATH', '')}"
    return {"mail_kept_locally": where}
