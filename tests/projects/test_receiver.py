"""POST /hooks/bitbucket/<project-uuid>/: the signed, durable receiver, with real payloads."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.projects.models import DeliveryStatus, Project, WebhookDelivery
from integrations.projects.relay import deliveries_relay
from integrations.webhooks.signatures import sign_body

pytestmark = pytest.mark.django_db
PAYLOADS = Path(__file__).resolve().parents[1] / "reference" / "bitbucket" / "payloads"
SECRET = "project-secret-for-tests-0123456789"
CLOUD_PUSH = (PAYLOADS / "api" / "cloud-repo-push.json").read_bytes()
SERVER_PUSH = (PAYLOADS / "api" / "server-repo-refs_changed.json").read_bytes()


@pytest.fixture
def hook(projects_setup):
    """Cloud and Server projects with a known secret, as their hooks would sign."""
    cloud = projects_setup.create("cloud", "acme/webapp")
    server = projects_setup.create("server", "ACME/backend")
    for project in (cloud, server):
        project.webhook_secret = SECRET
        project.save()
    return {"cloud": cloud, "server": server}


def post(project: Project, body: bytes, *, event: str | None = "repo:push", delivery: str | None = None,
         signature: str | None = "sign", headers: dict | None = None, client: Client | None = None):
    extra = {}
    if event is not None:
        extra["HTTP_X_EVENT_KEY"] = event
    delivery = delivery or str(uuid.uuid4())
    cloud = project.integration.provider == "bitbucket-cloud"
    extra["HTTP_X_REQUEST_UUID" if cloud else "HTTP_X_REQUEST_ID"] = delivery
    if signature == "sign":
        signature = sign_body(SECRET, body)
    if signature is not None:
        extra["HTTP_X_HUB_SIGNATURE"] = signature
    extra.update(headers or {})
    return (client or Client()).post(reverse("webhook_receiver", args=[project.uuid]), data=body,
                                     content_type="application/json", **extra)


def test_a_signed_push_is_accepted_stored_and_processed_once(hook):
    project = hook["cloud"]
    response = post(project, CLOUD_PUSH, delivery="{d1}")
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    delivery = WebhookDelivery.objects.get(project=project)
    assert delivery.status == DeliveryStatus.RECEIVED and delivery.enqueued_at is None  # the outbox row
    assert deliveries_relay() == (1, False)  # the relay hands it on (Celery runs eagerly here)
    assert deliveries_relay() == (0, False)
    delivery.refresh_from_db()
    assert delivery.delivery_id == "{d1}" and delivery.event_key == "repo:push" and delivery.signature_ok
    assert delivery.status == DeliveryStatus.PROCESSED and delivery.runs == 1 and delivery.attempts == 1
    assert delivery.body.encode() == CLOUD_PUSH  # the exact body, for the log and for redelivery
    assert delivery.event["changes"][0]["new"] == "141977fedf5cf35aa290ac87d4b5177ac4cd9de1"
    project.refresh_from_db()
    assert project.last_push_ref == "refs/heads/master"
    assert project.last_push_commit == "141977fedf5cf35aa290ac87d4b5177ac4cd9de1"


@pytest.mark.parametrize(("signature", "why"), [
    (None, "missing"),
    ("sha256=" + "0" * 64, "does not match"),
    ("sha1=" + "0" * 40, "other algorithms are refused"),
    ("sha256=zz", "does not match"),
    ("sign-other-body", "does not match"),
])
def test_a_missing_or_wrong_signature_is_401_and_only_counted(hook, signature, why):
    project = hook["server"]
    if signature == "sign-other-body":
        signature = sign_body(SECRET, SERVER_PUSH + b" ")
    response = post(project, SERVER_PUSH, event="repo:refs_changed", signature=signature)
    assert response.status_code == 401
    assert why in response.json()["error"]["message"] and "X-Hub-Signature" in response.json()["error"]["fields"]
    assert not WebhookDelivery.objects.exists()
    project.refresh_from_db()
    assert project.refused_deliveries == 1 and project.last_refused_at is not None


def test_a_signature_made_with_another_projects_secret_is_refused(hook):
    other = hook["cloud"]
    other.webhook_secret = "someone-elses-secret"
    other.save()
    assert post(other, CLOUD_PUSH).status_code == 401  # signed with SECRET, which is no longer this project's


def test_a_redelivery_answers_200_and_changes_nothing(hook):
    project = hook["cloud"]
    first = post(project, CLOUD_PUSH, delivery="{same}")
    deliveries_relay()
    again = post(project, CLOUD_PUSH, delivery="{same}", headers={"HTTP_X_ATTEMPT_NUMBER": "2"})
    deliveries_relay()
    assert first.status_code == 202
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "delivery_id": "{same}"}
    delivery = WebhookDelivery.objects.get(project=project)
    assert delivery.runs == 1 and delivery.attempts == 1
    assert "X-Attempt-Number" not in delivery.headers  # the first delivery's record is untouched


def test_the_same_delivery_id_on_another_project_is_another_delivery(hook, projects_setup):
    other = projects_setup.create("cloud", "acme/api")
    other.webhook_secret = SECRET
    other.save()
    assert post(hook["cloud"], CLOUD_PUSH, delivery="{x}").status_code == 202
    assert post(other, CLOUD_PUSH, delivery="{x}").status_code == 202
    assert WebhookDelivery.objects.count() == 2


def test_a_body_over_one_mebibyte_is_413(hook):
    project = hook["cloud"]
    padding = b" " * (1024 * 1024)
    big = CLOUD_PUSH[:-1] + padding + b"}"
    response = post(project, big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert not WebhookDelivery.objects.exists()
    exactly_limit = CLOUD_PUSH[:-1] + b" " * (1024 * 1024 - len(CLOUD_PUSH)) + b"}"
    assert len(exactly_limit) == 1024 * 1024
    assert post(project, exactly_limit).status_code == 202


def test_malformed_json_is_400_and_stores_nothing(hook):
    response = post(hook["cloud"], b'{"push": ')
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_payload" and "not valid JSON" in error["message"]
    assert not WebhookDelivery.objects.exists()


def test_a_payload_that_is_not_the_event_is_400(hook):
    response = post(hook["server"], json.dumps({"eventKey": "repo:refs_changed"}).encode(), event="repo:refs_changed")
    assert response.status_code == 400 and "changes is missing" in response.json()["error"]["message"]


def test_a_missing_event_key_is_400_never_a_guess(hook):
    response = post(hook["cloud"], CLOUD_PUSH, event=None)
    assert response.status_code == 400 and "X-Event-Key" in response.json()["error"]["fields"]
    assert not WebhookDelivery.objects.exists()


def test_a_missing_delivery_id_is_400(hook):
    project = hook["server"]
    response = Client().post(reverse("webhook_receiver", args=[project.uuid]), data=SERVER_PUSH,
                             content_type="application/json", HTTP_X_EVENT_KEY="repo:refs_changed",
                             HTTP_X_HUB_SIGNATURE=sign_body(SECRET, SERVER_PUSH))
    assert response.status_code == 400 and "X-Request-Id" in response.json()["error"]["fields"]


def test_a_ping_is_200_and_logged(hook):
    response = post(hook["server"], b'{"test": true}', event="diagnostics:ping")
    assert response.status_code == 200 and response.json()["status"] == "ping"
    delivery = WebhookDelivery.objects.get()
    assert delivery.kind == "ping" and delivery.status == DeliveryStatus.IGNORED and delivery.result == "Ping received"


def test_an_event_we_do_not_act_on_is_200_and_recorded_as_ignored(hook):
    body = (PAYLOADS / "zulip" / "bitbucket2" / "fork.json").read_bytes()
    response = post(hook["cloud"], body, event="repo:fork")
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.IGNORED and delivery.enqueued_at is None


def test_an_unknown_project_is_404_and_other_methods_405(hook):
    response = Client().post(reverse("webhook_receiver", args=[uuid.uuid4()]), data=CLOUD_PUSH,
                             content_type="application/json", HTTP_X_EVENT_KEY="repo:push",
                             HTTP_X_HUB_SIGNATURE=sign_body(SECRET, CLOUD_PUSH))
    assert response.status_code == 404
    assert Client().get(reverse("webhook_receiver", args=[hook["cloud"].uuid])).status_code == 405
    assert Client().post("/hooks/bitbucket/not-a-uuid/", data=CLOUD_PUSH, content_type="application/json"
                         ).status_code == 404


def test_no_session_no_cookie_and_a_fixed_number_of_queries(hook):
    client = Client(enforce_csrf_checks=True)  # a provider sends no CSRF token: the receiver needs none
    with CaptureQueriesContext(connection) as queries:
        response = post(hook["cloud"], CLOUD_PUSH, client=client)
    assert response.status_code == 202
    assert not response.cookies
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "django_session" not in sql and "portal_user" not in sql
    # Project lookup, then the insert (savepoint bookkeeping of the test's transaction aside).
    assert sum(1 for q in queries.captured_queries if q["sql"].startswith(("SELECT", "INSERT", "UPDATE"))) == 2
    # The next delivery finds the project in the receiver's short cache: one INSERT, nothing else.
    with CaptureQueriesContext(connection) as queries:
        assert post(hook["cloud"], CLOUD_PUSH, client=client).status_code == 202
    assert [q["sql"].split()[0] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
            ] == ["INSERT"]
