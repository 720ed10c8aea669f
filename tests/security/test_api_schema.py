"""The API's contract (finding F12): errors documented, PUT is a replacement, `?page=` must be a page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import ScmIntegration
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_the_schema_documents_the_error_shape_and_the_4xx_answers(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            for status in ("400", "403", "404"):
                assert responses[status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}, (method, path, status)
            if path != "/api/runner/v1/register":
                assert "401" in responses, (method, path)
            if method in ("post", "put", "patch"):
                assert "413" in responses and "415" in responses, (method, path)


def test_the_api_reads_json_only(schema):
    for methods in schema["paths"].values():
        for operation in methods.values():
            if "requestBody" in operation:
                assert set(operation["requestBody"]["content"]) == {"application/json"}


@pytest.fixture
def cloud(world):
    reg = register_runner(world.a.org, world.a.admin)
    integration = ScmIntegration.objects.create(organization=world.a.org, runner=reg.runner,
                                                provider="bitbucket-cloud", host="https://bitbucket.org",
                                                oauth_enabled=False, pat_enabled=True, client_id="kept")
    return integration


def _detail(integration) -> str:
    return reverse("api_integration_detail", args=["acme", integration.runner_id, integration.pk])


def test_put_with_an_empty_body_is_refused_naming_the_missing_fields(world, api_client_for, cloud):
    response = api_client_for(world.a.admin).put(_detail(cloud), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"provider", "oauth_enabled", "pat_enabled"}


def test_put_replaces_what_it_leaves_out_and_patch_does_not(world, api_client_for, cloud):
    client = api_client_for(world.a.admin)
    assert client.patch(_detail(cloud), {"pat_enabled": True}, format="json").status_code == 200
    cloud.refresh_from_db()
    assert cloud.client_id == "kept"
    response = client.put(_detail(cloud), {"provider": "bitbucket-cloud", "oauth_enabled": False,
                                           "pat_enabled": True}, format="json")
    assert response.status_code == 200
    cloud.refresh_from_db()
    assert cloud.client_id == ""


def test_put_cannot_change_the_provider(world, api_client_for, cloud):
    response = api_client_for(world.a.admin).put(_detail(cloud), {"provider": "github", "oauth_enabled": False,
                                                                  "pat_enabled": True}, format="json")
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]


@pytest.mark.parametrize("page", ["", "abc", "0", "-1", "1.5", " 1"])
def test_a_page_that_is_not_a_page_number_is_refused(world, api_client_for, page):
    response = api_client_for(world.a.admin).get("/api/v1/orgs/", {"page": page})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page": ["Enter a page number: a whole number from 1."]}


def test_page_one_and_no_page_still_work(world, api_client_for):
    client = api_client_for(world.a.admin)
    assert client.get("/api/v1/orgs/", {"page": "1"}).status_code == 200
    assert client.get("/api/v1/orgs/").status_code == 200
