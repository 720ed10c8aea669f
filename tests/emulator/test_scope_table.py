"""The emulator's per-endpoint scope table is the Cloud OpenAPI's, endpoint for endpoint."""

from __future__ import annotations

from emulator.cloud.scopes import ENDPOINT_SCOPES
from tests.emulator.openapi import Spec


def test_endpoint_scopes_match_the_cloud_spec(cloud_spec: Spec):
    for (method, path), (legacy, fine_grained) in ENDPOINT_SCOPES.items():
        operation = cloud_spec.document["paths"][path][method.lower()]
        oauth = next(entry["oauth2"] for entry in operation["security"] if "oauth2" in entry)
        api_token = operation["x-atlassian-oauth2-scopes"][0]["scopes"]
        assert (legacy, fine_grained) == (oauth, api_token), f"{method} {path}"
