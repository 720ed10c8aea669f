"""runners.protocol.jobs: one encoding for both sides; shapes are checked field by field, values never echoed."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from runners.protocol import jobs as protocol
from runners.protocol.jobs import JobKind, OAuthTokenPayload, OAuthTokenResult, PingPayload, PingResult, ProtocolError


def test_a_payload_survives_the_wire_and_names_its_kind():
    payload = OAuthTokenPayload(sealed="{}", integration_id=7, grant={"grant_type": "refresh_token",
                                                                      "refresh_token": "rt-secret"})
    wire = json.loads(json.dumps(protocol.encode(payload)))
    assert protocol.kind_of(payload) is JobKind.OAUTH_TOKEN
    assert protocol.decode_payload("oauth.token", wire) == payload
    assert protocol.kind_of(PingPayload()) is JobKind.PING


def test_tokens_stay_out_of_reprs():
    payload = OAuthTokenPayload(sealed="{}", integration_id=7, grant={"refresh_token": "rt-secret"})
    result = OAuthTokenResult(status=200, body={"access_token": "at-secret"})
    assert "rt-secret" not in repr(payload) and "at-secret" not in repr(result)


@pytest.mark.parametrize(("data", "message"), [
    ([], "expected a JSON object"),
    ({"status": 200}, "body is missing"),
    ({"status": "200", "body": {}}, "status has the wrong type"),
    ({"status": True, "body": {}}, "status has the wrong type"),
    ({"status": 200, "body": ["x"]}, "body has the wrong type"),
])
def test_malformed_results_name_the_field_not_the_value(data, message):
    with pytest.raises(ProtocolError, match=message) as info:
        protocol.decode_result("oauth.token", data)
    assert "200" not in str(info.value)


def test_unknown_fields_are_ignored_and_defaults_fill_missing_optional_ones():
    assert protocol.decode_result("ping", {"pong": True, "from_a_newer_agent": 1}) == PingResult(pong=True)
    assert protocol.decode_result("ping", {"pong": True, "time": 3}).time == 3.0


def test_unknown_kinds_and_foreign_payloads_are_refused():
    with pytest.raises(ProtocolError, match="Unknown job kind 'environment.start'"):
        protocol.decode_payload("environment.start", {})

    @dataclass(frozen=True)
    class Stray:
        x: int = 1

    with pytest.raises(ProtocolError, match="Stray is not the payload of any job kind"):
        protocol.kind_of(Stray())
    with pytest.raises(ProtocolError):
        protocol.encode({"not": "a dataclass"})
