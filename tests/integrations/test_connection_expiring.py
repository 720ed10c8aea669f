"""The 7-day "expiring" rule: a pasted token that still works but dies within a week says so, from the
moment it is saved and at every sweep; one a day further away is simply active."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.connections.sweep import verify_sweep
from integrations.connections.tokens import connection_create_token
from integrations.models import Connection
from integrations.models.connection import Status
from tests.integrations.token_fixtures import tokens_only_integration
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db

DAY = 86400
CLASSIC = ["repo", "read:user", "user:email"]


@pytest.fixture
def github(world, emulator):
    emulator.control("POST", "/github/users", json={"username": "alice", "display_name": "Alice Archer",
                                                    "email": "alice@example.com"})
    emulator.control("POST", "/github/users", json={"username": "bob", "display_name": "Bob Builder",
                                                    "email": "bob@example.com"})
    runner = register_runner(world.a.org, world.a.admin).runner
    return tokens_only_integration(runner, world.a.admin, "github", emulator.url_of("github"))


def connect(emulator, integration, user, login: str, expires_in: int) -> Connection:
    token = emulator.control("POST", "/github/tokens", json={"user": login, "kind": "classic", "scopes": CLASSIC,
                                                             "expires_in": expires_in})["token"]
    return connection_create_token(integration=integration, user=user, kind="personal-access-token", login="",
                                   token=token)


def card_badge(client_for, user, connection) -> str:
    page = client_for(user).get(reverse("connection_list", args=["acme"])).content.decode()
    marker = f'data-connection="{connection.pk}"'
    card = page[page.index(marker):]
    badge = card[card.index("data-badge"):]
    return badge[badge.index(">") + 1:badge.index("</span>")]


def test_a_working_token_expiring_within_7_days_is_expiring_and_8_days_away_is_active(world, emulator, github,
                                                                                      client_for):
    soon = connect(emulator, github, world.a.member, "alice", 7 * DAY - 3600)
    later = connect(emulator, github, world.a.admin, "bob", 8 * DAY)

    assert (soon.status, later.status) == (Status.EXPIRING, Status.ACTIVE)  # as soon as it is saved
    assert card_badge(client_for, world.a.member, soon) == "Expiring"
    assert card_badge(client_for, world.a.admin, later) == "Active"

    # The sweep's verify agrees: the token still works (a real answer), and its expiry is what counts.
    Connection.objects.update(last_verified_at=timezone.now() - timedelta(hours=1))
    assert verify_sweep(spread_seconds=0).queued == 2
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == (Status.EXPIRING, Status.ACTIVE)
    assert soon.last_verified_at > timezone.now() - timedelta(minutes=1)
    assert soon.broken_notified_at is None  # expiring is not broken: no email, no banner
    page = client_for(world.a.member).get(reverse("connection_list", args=["acme"])).content.decode()
    assert soon.expires_at.strftime("%Y-%m-%d %H:%M") in page and 'id="broken-connections"' not in page
