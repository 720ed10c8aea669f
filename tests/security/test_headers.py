"""Every response carries the Content-Security-Policy (finding F10); nothing inline is allowed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/orgs/", "/api/docs/", "/no-such-page/"])
def test_pages_api_and_errors_carry_the_policy(client, path):
    policy = directives(client.get(path))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)


def test_swagger_ui_loads_its_start_up_script_from_a_url(world, client_for):
    page = client_for(world.a.admin).get("/api/docs/").content.decode()
    assert "<style>" not in page
    assert '<script src="/api/docs/?script=' in page
    assert "<script>" not in page
