"""Paging helpers for both Bitbucket styles, and finding a hook in a listing.

They raise on a 5xx/429 mid-list instead of ending it: Read the Docs read those as "no more pages"
and silently dropped repositories during outages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from integrations.providers.http import ProviderSession, ProviderUnavailable

MAX_PAGES = 500  # a provider looping on `next` must not loop us forever


def _page_error(session: ProviderSession, url: str, why: str) -> ProviderUnavailable:
    return ProviderUnavailable(
        f"unexpected page: {why}", provider=session.provider, method="GET", path=urlsplit(url).path
    )


def iter_cloud_values(session: ProviderSession, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """Bitbucket Cloud paging: `values` + a `next` URL, followed as given.

    `next` is followed only on the API's own origin, so the credential never goes elsewhere.
    Any error on any page raises (never a silently shorter list).
    """
    url: str | None = path
    page_params: Mapping[str, Any] | None = params
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        assert url is not None
        page = session.get_json(url, params=page_params)
        if not isinstance(page, dict) or not isinstance(page.get("values"), list):
            raise _page_error(session, url, "no `values` list")
        yield from page["values"]
        next_url = page.get("next")
        if not next_url:
            return
        if not isinstance(next_url, str) or not session.same_origin(next_url):
            raise _page_error(session, url, "`next` points at another host")
        if next_url in seen:
            raise _page_error(session, url, "`next` repeats a page")
        seen.add(next_url)
        url, page_params = next_url, None  # the cursor URL already carries every parameter
    raise _page_error(session, path, f"more than {MAX_PAGES} pages")


def iter_server_values(
    session: ProviderSession, path: str, params: Mapping[str, Any] | None = None, *, limit: int = 100
) -> Iterator[Any]:
    """Bitbucket Server paging: `values`, `isLastPage`, `nextPageStart` (start/limit)."""
    start = 0
    for _ in range(MAX_PAGES):
        page = session.get_json(path, params={**(params or {}), "start": start, "limit": limit})
        if not isinstance(page, dict) or not isinstance(page.get("values"), list):
            raise _page_error(session, path, "no `values` list")
        if not isinstance(page.get("isLastPage"), bool):
            raise _page_error(session, path, "no `isLastPage`")
        yield from page["values"]
        if page["isLastPage"]:
            return
        next_start = page.get("nextPageStart")
        if not isinstance(next_start, int) or next_start <= start:
            raise _page_error(session, path, "`nextPageStart` does not advance")
        start = next_start
    raise _page_error(session, path, f"more than {MAX_PAGES} pages")


# --- hooks ----------------------------------------------------------------------------------


def find_by_url(hooks: Iterable[dict[str, Any]], url: str) -> dict[str, Any] | None:
    """The hook already pointing at `url` (trailing slash ignored), so installs stay idempotent."""
    wanted = url.rstrip("/")
    return next((hook for hook in hooks if str(hook.get("url", "")).rstrip("/") == wanted), None)
