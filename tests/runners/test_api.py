"""/api/v1/orgs/{org}/runners/: same rules as the pages, in the project's JSON error shape."""

from __future__ import annotations

import pytest

from runners.models import Runner
from runners.services import hash_token
from tests.runners.conftest import create_runner, register_runner

pytestmark = pytest.mark.django_db

LIST = "/api/v1/orgs/acme/runners/"
NEW = {"name": "acme-az", "kind": "self-hosted", "cloud_provider": "azure", "region": "westeurope"}


def detail(runner) -> str:
    return f"/api/v1/orgs/{runner.organization.slug}/runners/{runner.pk}/"


def test_member_lists_and_reads_with_status_fields(world, api_client_for):
    registered = register_runner(world.a.org, world.a.admin)
    pending, _ = create_runner(world.a.org, world.a.admin, name="acme-desktop", kind="desktop")
    client = api_client_for(world.a.member)
    body = client.get(LIST).json()
    rows = {r["name"]: r for r in body["results"]}
    assert rows["acme-aws"]["status"] == "online" and rows["acme-aws"]["public_key_registered"] is True
    assert rows["acme-aws"]["key_fingerprint"] == registered.runner.key_fingerprint
    assert rows["acme-desktop"]["status"] == "pending" and rows["acme-desktop"]["public_key_registered"] is False
    assert rows["acme-desktop"]["last_seen_at"] is None
    for row in rows.values():
        assert not {"credential_hash", "registration_token_hash", "public_key"} & set(row)
    one = client.get(detail(pending)).json()
    assert one["id"] == pending.pk and one["kind"] == "desktop"


def test_member_cannot_write(world, api_client_for):
    runner, _ = create_runner(world.a.org, world.a.admin)
    client = api_client_for(world.a.member)
    for response in (client.post(LIST, NEW, format="json"), client.patch(detail(runner), {"name": "x"}, format="json"),
                     client.delete(detail(runner)), client.post(detail(runner) + "registration-token/")):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert Runner.objects.get().name == "acme-aws"


def test_outsider_and_other_org_get_404(world, api_client_for):
    runner, _ = create_runner(world.a.org, world.a.admin)
    for user in (world.outsider, world.b.owner):
        client = api_client_for(user)
        assert client.get(LIST).status_code == 404
        assert client.get(detail(runner)).status_code == 404
        assert client.delete(detail(runner)).status_code == 404
    foreign, _ = create_runner(world.b.org, world.b.admin, name="globex-aws")
    client = api_client_for(world.a.owner)
    for response in (client.get(f"{LIST}{foreign.pk}/"), client.delete(f"{LIST}{foreign.pk}/"),
                     client.post(f"{LIST}{foreign.pk}/registration-token/")):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert Runner.objects.filter(pk=foreign.pk).exists()


def test_admin_creates_and_gets_the_token_once(world, api_client_for):
    client = api_client_for(world.a.admin)
    response = client.post(LIST, NEW, format="json")
    assert response.status_code == 201
    body = response.json()
    runner = Runner.objects.get(name="acme-az")
    assert runner.registration_token_hash == hash_token(body["registration_token"])
    assert body["status"] == "pending" and body["registration_token"] in body["register_command"]
    assert "registration_token" not in client.get(detail(runner)).json()


def test_validation_errors_name_the_field(world, api_client_for):
    create_runner(world.a.org, world.a.admin)
    client = api_client_for(world.a.admin)
    cases = [({**NEW, "region": ""}, "region"), ({**NEW, "kind": "moon"}, "kind"),
             ({**NEW, "name": "acme-aws"}, "name"), ({**NEW, "region": "Not A Region"}, "region")]
    for data, field in cases:
        response = client.post(LIST, data, format="json")
        assert response.status_code == 400, data
        error = response.json()["error"]
        assert error["code"] == "invalid" and field in error["fields"], error


def test_admin_updates_deletes_and_regenerates(world, api_client_for):
    runner, old = create_runner(world.a.org, world.a.admin)
    client = api_client_for(world.a.admin)
    patched = client.patch(detail(runner), {"region": "eu-central-1"}, format="json")
    assert patched.status_code == 200 and patched.json()["region"] == "eu-central-1"
    regenerated = client.post(detail(runner) + "registration-token/")
    assert regenerated.status_code == 201
    runner.refresh_from_db()
    assert runner.registration_token_hash == hash_token(regenerated.json()["registration_token"]) != hash_token(old)
    assert client.delete(detail(runner)).status_code == 204
    assert not Runner.objects.exists()


def test_schema_documents_the_runner_api(world, api_client_for):
    schema = api_client_for(world.a.member).get("/api/schema/?format=json").json()
    assert "/api/v1/orgs/{org_slug}/runners/" in schema["paths"]
    assert "/api/v1/orgs/{org_slug}/runners/{runner_id}/registration-token/" in schema["paths"]
    assert "/api/runner/v1/jobs/next" in schema["paths"]
    props = schema["components"]["schemas"]["Runner"]["properties"]
    assert {"status", "public_key_registered", "key_fingerprint", "last_seen_at"} <= set(props)
