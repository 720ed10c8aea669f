"""The operator's admin: the same token form (checked before storing, refusals under the field) and a
"verify now" action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Connection
from integrations.models.connection import Status
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/admin/integrations/connection/add-token/"


@pytest.fixture
def operator(client_for, mfa_staff):
    return client_for(mfa_staff)


def test_the_operator_adds_a_token_for_a_member(token_world, operator, mfa_staff):
    tw = token_world
    token = tw.cloud_token("api_token")
    assert b"Add a token connection" in operator.get(reverse("admin:integrations_connection_changelist")).content

    response = operator.post(URL, {"integration": tw.cloud.pk, "user": tw.world.a.member.pk, "method": "api-token",
                                   "login": "alice@acme.example", "token": token})

    connection = Connection.objects.get()
    assert response.status_code == 302 and connection.user == tw.world.a.member
    assert AuditEvent.objects.get(action="connection.created").actor == mfa_staff
    assert token.encode() not in operator.get(response["Location"]).content


def test_the_admin_form_gives_the_same_refusals(token_world, operator):
    tw = token_world
    bad_login = operator.post(URL, {"integration": tw.cloud.pk, "user": tw.world.a.member.pk, "method": "api-token",
                                    "login": "alice-bb", "token": "A" * 24}).content.decode()
    assert "Atlassian account email" in bad_login
    outsider = operator.post(URL, {"integration": tw.cloud.pk, "user": tw.world.b.member.pk, "method": "api-token",
                                   "login": "alice@acme.example", "token": tw.cloud_token("api_token")})
    assert "is not a member of" in outsider.content.decode()
    revoked = tw.cloud_token("api_token")
    tw.emulator.control("POST", "/cloud/tokens/revoke", json={"token": revoked})
    refused = operator.post(URL, {"integration": tw.cloud.pk, "user": tw.world.a.member.pk, "method": "api-token",
                                  "login": "alice@acme.example", "token": revoked}).content.decode()
    assert "revoked" in refused and revoked not in refused
    assert not Connection.objects.exists()


def test_verify_now_marks_a_revoked_token(token_world, operator):
    tw = token_world
    token = tw.server_token()
    operator.post(URL, {"integration": tw.server.pk, "user": tw.world.a.member.pk, "method": "http-access-token",
                        "login": "alice", "token": token})
    connection = Connection.objects.get()
    tw.emulator.control("POST", "/server/tokens/revoke", json={"token": token})

    operator.post(reverse("admin:integrations_connection_changelist"),
                  {"action": "verify_now", "_selected_action": [connection.pk]})

    connection.refresh_from_db()
    assert connection.status == Status.REVOKED


def test_staff_without_superuser_cannot_add(token_world, client_for, mfa_staff):
    mfa_staff.is_superuser = False
    mfa_staff.save()
    assert client_for(mfa_staff).get(URL).status_code in (302, 403)
