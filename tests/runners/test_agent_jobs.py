"""The agent's job handlers, with the token endpoint replaced by httpx.MockTransport (no Django involved)."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from runners.agent import jobs
from runners.agent.state import AgentState
from runners.protocol.jobs import KINDS, JobKind, OAuthTokenPayload, OAuthTokenResult
from runners.protocol.sealing import generate_private_key, public_key_b64, seal, seal_client_secret, sealing_info

ROOT = Path(__file__).resolve().parents[2]
SECRET = "the-client-secret"
TOKEN_URL = "https://provider.test/oauth/token"


@pytest.fixture
def state(tmp_path):
    return AgentState(directory=tmp_path, portal="http://portal.test", runner_id=3, runner_name="r",
                      organization="acme", credential="rnc_x", private_key=generate_private_key())


def _payload(state, *, client_auth="basic", integration_id=9, grant=None, token_url=TOKEN_URL):
    blob = seal_client_secret(public_key_b64(state.private_key), runner_id=state.runner_id,
                              integration_id=integration_id, client_id="cid", client_secret=SECRET,
                              token_url=token_url, client_auth=client_auth)
    return OAuthTokenPayload(sealed=blob.to_text(), integration_id=integration_id,
                             grant=grant or {"grant_type": "authorization_code", "code": "abc",
                                             "redirect_uri": "https://p/cb"})


class Recorder:
    def __init__(self, response: httpx.Response | None = None):
        self.requests: list[httpx.Request] = []
        self.response = response or httpx.Response(200, json={"access_token": "at", "refresh_token": "rt"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response


def test_basic_client_auth_posts_grant_to_sealed_url(state):
    recorder = Recorder()
    result = jobs.oauth_token(state, _payload(state), transport=httpx.MockTransport(recorder))
    assert result == OAuthTokenResult(status=200, body={"access_token": "at", "refresh_token": "rt"})
    (request,) = recorder.requests
    assert str(request.url) == TOKEN_URL and request.method == "POST"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(f"cid:{SECRET}".encode()).decode()
    form = parse_qs(request.content.decode())
    assert form == {"grant_type": ["authorization_code"], "code": ["abc"], "redirect_uri": ["https://p/cb"]}


def test_post_client_auth_puts_credentials_in_the_form(state):
    recorder = Recorder()
    grant = {"grant_type": "refresh_token", "refresh_token": "rt-old"}
    jobs.oauth_token(state, _payload(state, client_auth="post", grant=grant), transport=httpx.MockTransport(recorder))
    (request,) = recorder.requests
    assert "authorization" not in request.headers
    form = parse_qs(request.content.decode())
    assert form["client_secret"] == [SECRET] and form["client_id"] == ["cid"] and form["refresh_token"] == ["rt-old"]


def test_provider_error_status_and_form_encoded_body_are_passed_back(state):
    response = httpx.Response(400, content=b"error=invalid_grant&error_description=bad+code",
                              headers={"content-type": "application/x-www-form-urlencoded"})
    result = jobs.oauth_token(state, _payload(state), transport=httpx.MockTransport(Recorder(response)))
    assert result == OAuthTokenResult(status=400, body={"error": "invalid_grant", "error_description": "bad code"})


@pytest.mark.parametrize("grant", [
    {"grant_type": "client_credentials"},
    {"grant_type": "password", "username": "u", "password": "p"},
    {"grant_type": "authorization_code", "code": "c", "client_secret": "override"},
    {"grant_type": "refresh_token", "refresh_token": "r", "redirect_to": "https://evil.test"},
])
def test_refuses_other_grants_and_fields(state, grant):
    recorder = Recorder()
    with pytest.raises(jobs.JobError, match="Refused"):
        jobs.oauth_token(state, _payload(state, grant=grant), transport=httpx.MockTransport(recorder))
    assert recorder.requests == []


def test_refuses_a_sealed_token_url_that_is_not_http(state):
    document = {"client_id": "c", "client_secret": SECRET, "token_url": "file:///etc/passwd", "client_auth": "basic"}
    blob = seal(public_key_b64(state.private_key), json.dumps(document).encode(), sealing_info(3, 9))
    payload = OAuthTokenPayload(sealed=blob.to_text(), integration_id=9,
                                grant={"grant_type": "refresh_token", "refresh_token": "r"})
    with pytest.raises(jobs.JobError, match="not an http"):
        jobs.oauth_token(state, payload, transport=httpx.MockTransport(Recorder()))


def test_blob_for_another_integration_is_not_opened(state):
    payload = dataclasses.replace(_payload(state, integration_id=9), integration_id=10)
    recorder = Recorder()
    with pytest.raises(jobs.JobError, match="Cannot open the client secret"):
        jobs.oauth_token(state, payload, transport=httpx.MockTransport(recorder))
    assert recorder.requests == []


def test_unreachable_token_endpoint_names_the_host_not_the_secret(state):
    def fail(request):
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(jobs.JobError) as info:
        jobs.oauth_token(state, _payload(state), transport=httpx.MockTransport(fail))
    assert "provider.test" in str(info.value) and SECRET not in str(info.value)


def test_execute_reports_unknown_kinds_and_malformed_payloads(state):
    ok, result, error = jobs.execute(state, {"id": 1, "kind": "environment.start", "payload": {}})
    assert not ok and "Unknown job kind 'environment.start'" in error
    ok, result, error = jobs.execute(state, {"id": 2, "kind": "oauth.token", "payload": {"sealed": "x"}})
    assert not ok and "Malformed oauth.token job" in error and "integration_id is missing" in error
    bad_type = {"sealed": "x", "integration_id": "9", "grant": {}}
    ok, result, error = jobs.execute(state, {"id": 2, "kind": "oauth.token", "payload": bad_type})
    assert not ok and "integration_id has the wrong type" in error
    ok, result, error = jobs.execute(state, {"id": 2, "kind": "oauth.token",
                                             "payload": bad_type | {"integration_id": 9}})
    assert not ok and error == "Malformed oauth.token job: sealed is not a sealed blob."
    ok, result, _ = jobs.execute(state, {"id": 3, "kind": "ping", "payload": {}})
    assert ok and result["pong"] is True


def test_agent_imports_nothing_from_django_or_the_portal():
    code = ("import sys, runners.agent.cli, runners.agent.jobs; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'portal', 'rest_framework'} "
            "or m in {'runners.models', 'runners.services'}); print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_job_kind_has_shapes_and_an_agent_handler():
    """Adding a kind means all three: the enum member, its shapes in KINDS, its handler."""
    assert set(KINDS) == set(JobKind) == set(jobs.HANDLERS)


def test_execute_answers_with_the_encoded_result_shape(state):
    ok, result, error = jobs.execute(state, {"id": 3, "kind": "ping", "payload": {"newer_field": 1}})
    assert ok and error == "" and set(result) == {"pong", "agent_version", "time"}
