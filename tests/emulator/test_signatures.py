"""The portal's verifier and the emulator's signer agree, and the verifier accepts Bitbucket's own vector."""

from __future__ import annotations

import pytest

from emulator.delivery import hub_signature
from integrations.webhooks.signatures import sign_body, verify_hub_signature
from tests.emulator.openapi import PAYLOADS

REFERENCE_SECRET = "Gkvl$k$wyNpQAF42"
REFERENCE_HEADER = "sha256=f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a035"


def test_reference_delivery_verifies_byte_for_byte():
    body = (PAYLOADS / "cloud-repo-push-signed.json").read_bytes()
    assert verify_hub_signature(REFERENCE_SECRET, body, REFERENCE_HEADER)
    assert sign_body(REFERENCE_SECRET, body) == REFERENCE_HEADER


def test_reference_delivery_fails_when_one_byte_changes():
    body = (PAYLOADS / "cloud-repo-push-signed.json").read_bytes()
    assert not verify_hub_signature(REFERENCE_SECRET, body + b"\n", REFERENCE_HEADER)
    assert not verify_hub_signature("another secret", body, REFERENCE_HEADER)


def test_emulator_signer_and_portal_verifier_agree():
    body = b'{"push": {"changes": []}}'
    assert verify_hub_signature("s3cret", body, hub_signature("s3cret", body))
    assert hub_signature("s3cret", body) == sign_body("s3cret", body)


@pytest.mark.parametrize("header", [
    None, "", "sha256=", "sha1=" + "0" * 40, "SHA256=" + "0" * 64, "sha256=" + "z" * 64, "sha256=" + "0" * 63,
    "sha256 " + "0" * 64, REFERENCE_HEADER + "00", " " + REFERENCE_HEADER,
])
def test_malformed_headers_are_refused(header):
    body = (PAYLOADS / "cloud-repo-push-signed.json").read_bytes()
    assert verify_hub_signature(REFERENCE_SECRET, body, header) is False


def test_empty_secret_never_verifies():
    assert not verify_hub_signature("", b"x", sign_body("", b"x"))
