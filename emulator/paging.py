"""The two paging styles: Cloud's page/pagelen/next and Server's start/limit/nextPageStart."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode

from emulator.httpcore import Request

T = TypeVar("T")

CLOUD_DEFAULT_PAGELEN = 10
CLOUD_MAX_PAGELEN = 100
SERVER_DEFAULT_LIMIT = 25
SERVER_MAX_LIMIT = 1000


def cloud_page(request: Request, base_url: str, items: list[T], render, *,
               default_pagelen: int = CLOUD_DEFAULT_PAGELEN) -> dict[str, Any]:
    pagelen = min(request.int_arg("pagelen", default_pagelen, minimum=1), CLOUD_MAX_PAGELEN)
    page = request.int_arg("page", 1, minimum=1)
    start = (page - 1) * pagelen
    chunk = items[start:start + pagelen]
    out: dict[str, Any] = {
        "pagelen": pagelen,
        "size": len(items),
        "page": page,
        "values": [render(item) for item in chunk],
    }
    if start + pagelen < len(items):
        out["next"] = _with_query(base_url + request.path, request, page=page + 1)
    if page > 1:
        out["previous"] = _with_query(base_url + request.path, request, page=page - 1)
    return out


def server_page(request: Request, items: list[T], render) -> dict[str, Any]:
    limit = min(request.int_arg("limit", SERVER_DEFAULT_LIMIT, minimum=1), SERVER_MAX_LIMIT)
    start = request.int_arg("start", 0)
    chunk = items[start:start + limit]
    is_last = start + limit >= len(items)
    out: dict[str, Any] = {
        "size": len(chunk),
        "limit": limit,
        "isLastPage": is_last,
        "values": [render(item) for item in chunk],
        "start": start,
    }
    if not is_last:
        out["nextPageStart"] = start + len(chunk)
    return out


def _with_query(url: str, request: Request, **overrides: Any) -> str:
    params = {key: values[-1] for key, values in request.query.items()}
    params.update({key: str(value) for key, value in overrides.items()})
    return f"{url}?{urlencode(params)}"
