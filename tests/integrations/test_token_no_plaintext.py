"""After connecting every kind of token (personal and shared, through the dialog and the API): no token in
plain text in any table (pg_dump), log, page, API answer or audit event; the operator's admin shows none."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from integrations.models import Connection
from tests.integrations.test_no_plaintext_secrets import pg_dump

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_plaintext_token_anywhere(token_world, client_for, api_client_for, mfa_staff, caplog):
    caplog.set_level(logging.DEBUG)
    tw, w = token_world, token_world.world
    tokens = {
        "api": tw.cloud_token("api_token"),
        "access": tw.cloud_token("repository_access_token", repository="acme/webapp", scopes=["repository"]),
        "server": tw.server_token(),
        "refused": tw.cloud_token("api_token", scopes=["read:user:bitbucket"]),
    }
    dialog = reverse("connection_token_add", args=["acme", tw.cloud.pk])
    member, admin = client_for(w.a.member), client_for(w.a.admin)
    pages = [member.post(dialog, {"integration": tw.cloud.pk, "method": "api-token", "login": "alice@acme.example",
                                  "token": tokens["api"]}, follow=True).content.decode(),
             member.post(dialog, {"integration": tw.cloud.pk, "method": "api-token", "login": "alice@acme.example",
                                  "token": tokens["refused"]}).content.decode(),
             admin.post(dialog, {"integration": tw.cloud.pk, "method": "access-token", "login": "acme/webapp",
                                 "token": tokens["access"], "shared": "on"}, follow=True).content.decode()]
    api = api_client_for(w.a.admin)
    created = api.post("/api/v1/orgs/acme/connections/", {"integration": tw.server.pk, "method": "http-access-token",
                                                          "login": "alice", "token": tokens["server"]}, format="json")
    assert created.status_code == 201
    assert Connection.objects.count() == 3
    pages += [created.content.decode(), api.get("/api/v1/orgs/acme/connections/").content.decode(),
              api.post(f"/api/v1/orgs/acme/connections/{created.json()['id']}/verify/").content.decode(),
              member.get(reverse("connection_list", args=["acme"])).content.decode(),
              admin.get(reverse("connection_list", args=["acme"])).content.decode(),
              admin.get(reverse("org_activity", args=["acme"])).content.decode()]
    staff = client_for(mfa_staff)
    for connection in Connection.objects.all():
        page = staff.get(reverse("admin:integrations_connection_change", args=[connection.pk]))
        assert page.status_code == 200 and b"Connection" in page.content
        pages.append(page.content.decode())

    dump = pg_dump()
    assert "alice-bb" in dump  # the dump is real: it holds the connection rows
    places = {"pg_dump": dump, "logs": caplog.text, "pages": "\n".join(pages)}
    leaks = [(where, name) for where, text in places.items() for name, token in tokens.items() if token in text]
    assert leaks == []
