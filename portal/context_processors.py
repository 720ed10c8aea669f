from __future__ import annotations

from portal.selectors import organizations_for_user


def current_org(request) -> dict:
    """The header's org switcher: the user's orgs and the one the URL names."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    slug = (match.kwargs.get("org_slug") if match else None) or ""
    return {"switcher_orgs": organizations_for_user(user), "current_org_slug": slug}
