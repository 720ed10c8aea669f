"""Every API error has one JSON shape: {"error": {"code", "message", "fields"}}; the schema and docs serve."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from portal.errors import json_or_html_400, json_or_html_403, json_or_html_404, json_or_html_500


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


@pytest.mark.parametrize("header", [None, "Bearer pat_not-a-real-token", "Bearer pat_", "Token abc",
                                    "Bearer", "Basic Zm9vOmJhcg=="])
def test_401_without_valid_credentials(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse("api_org_list"))
    error = error_of(response, 401)
    assert error["code"] == "not_authenticated" and error["fields"] == {}
    assert response["WWW-Authenticate"] == "Bearer"


def test_401_for_a_revoked_token(world, api_client_for):
    from portal.services import api_token_revoke

    client = api_client_for(world.a.owner)
    api_token_revoke(token=client.token)
    assert error_of(client.get(reverse("api_org_list")), 401)["message"] == "Invalid or revoked API token."


def test_403_for_too_small_a_role(world, api_client_for):
    response = api_client_for(world.a.member).patch(reverse("api_org_detail", args=["acme"]), {"name": "X"},
                                                    format="json")
    error = error_of(response, 403)
    assert error["code"] == "permission_denied" and "admin" in error["message"]


def test_403_from_a_service_rule(world, api_client_for):
    owner = world.a.membership("owner")
    response = api_client_for(world.a.admin).delete(reverse("api_member_detail", args=["acme", owner.pk]))
    assert error_of(response, 403)["message"] == "Only owners can remove an owner."


@pytest.mark.parametrize("slug", ["no-such-org", "globex"])
def test_404_for_an_unknown_or_foreign_org_looks_the_same(world, api_client_for, slug):
    response = api_client_for(world.a.owner).get(reverse("api_member_list", args=[slug]))
    assert error_of(response, 404) == {"code": "not_found", "message": "Not found.", "fields": {}}


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/orgs/acme/members/abc/", "/api/v2/",
                                  "/api/nothing", "/api/"])
def test_404_for_an_unknown_route_under_api(world, api_client_for, path):
    response = api_client_for(world.a.owner).get(path, follow=True)
    assert error_of(response, 404)["code"] == "not_found"


def test_404_for_an_unknown_route_when_signed_out(db):
    assert error_of(APIClient().get("/api/v1/nothing-here/"), 404)["code"] == "not_found"


def test_400_names_the_fields(world, api_client_for):
    response = api_client_for(world.outsider).post(reverse("api_org_list"), {"name": "", "slug": "new"},
                                                   format="json")
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "slug"}
    assert all(isinstance(m, str) for msgs in error["fields"].values() for m in msgs)
    assert "reserved" in " ".join(error["fields"]["slug"])


def test_400_for_a_body_that_is_not_json(world, api_client_for):
    response = api_client_for(world.outsider).post(reverse("api_org_list"), "{nope", content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"


def test_400_for_a_body_that_is_not_an_object(world, api_client_for):
    response = api_client_for(world.outsider).post(reverse("api_org_list"), "[1]", content_type="application/json")
    assert "__all__" in error_of(response, 400)["fields"]


def test_405_for_a_method_the_route_does_not_have(world, api_client_for):
    response = api_client_for(world.a.owner).put(reverse("api_org_detail", args=["acme"]), {"name": "X"},
                                                 format="json")
    assert error_of(response, 405)["code"] == "method_not_allowed"


def test_409_for_a_conflict(world, api_client_for):
    mine = world.a.membership("owner")
    response = api_client_for(world.a.owner).delete(reverse("api_member_detail", args=["acme", mine.pk]))
    assert error_of(response, 409)["code"] == "conflict"


def test_415_for_an_unsupported_media_type(world, api_client_for):
    response = api_client_for(world.outsider).post(reverse("api_org_list"), "<org/>", content_type="application/xml")
    assert error_of(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("handler, status", [(json_or_html_400, 400), (json_or_html_403, 403),
                                             (json_or_html_404, 404)])
def test_django_error_handlers_answer_json_under_api(handler, status):
    request = RequestFactory().get("/api/v1/orgs/")
    error_of(handler(request, Exception("boom")), status)


def test_the_500_handler_answers_json_under_api_and_hides_details():
    request = RequestFactory().get("/api/v1/orgs/")
    error = error_of(json_or_html_500(request), 500)
    assert error == {"code": "server_error", "message": "Something went wrong on our side.", "fields": {}}


def test_web_404_stays_html(world, client_for):
    response = client_for(world.a.owner).get("/orgs/globex/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_the_schema_is_a_valid_openapi_document(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/orgs/{org_slug}/members/{membership_id}/" in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_the_schema_yaml_serves_too(db):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200 and b"openapi:" in response.content


def test_the_docs_page_serves(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # The start-up script is served from its own URL (no inline script under the CSP) and names the schema.
    assert "swagger-ui" in html and 'src="/api/docs/?script="' in html
    script = APIClient().get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("api_schema") in script.content.decode()
