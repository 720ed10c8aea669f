"""HPKE sealing: what opens, and everything that must not."""

from __future__ import annotations

import json
import os
import stat

import pytest

from runners.protocol.sealing import (
    SUITE_NAME,
    SealedBlob,
    SealError,
    generate_private_key,
    key_fingerprint,
    load_private_key,
    open_blob,
    open_client_secret,
    public_key_b64,
    save_private_key,
    seal,
    seal_client_secret,
    sealing_info,
)

SECRET = "s3cr3t-client-secret-value"


@pytest.fixture
def key():
    return generate_private_key()


def test_round_trip_through_text(key):
    blob = seal(public_key_b64(key), b"hello", sealing_info(1, 2))
    text = blob.to_text()
    assert b"hello" not in text.encode()
    restored = SealedBlob.from_text(text)
    assert restored == blob and restored.suite == SUITE_NAME
    assert open_blob(key, restored, sealing_info(1, 2)) == b"hello"


def test_each_seal_is_a_new_ciphertext(key):
    pk = public_key_b64(key)
    assert seal(pk, b"x", b"i").ciphertext != seal(pk, b"x", b"i").ciphertext


def test_wrong_runner_key_fails(key):
    blob = seal(public_key_b64(key), b"hello", sealing_info(1, 2))
    with pytest.raises(SealError):
        open_blob(generate_private_key(), blob, sealing_info(1, 2))


def test_wrong_info_fails(key):
    blob = seal(public_key_b64(key), b"hello", sealing_info(1, 2))
    with pytest.raises(SealError):
        open_blob(key, blob, sealing_info(3, 2))  # another runner's context


def test_blob_moved_to_another_integration_cannot_be_opened(key):
    blob = seal_client_secret(public_key_b64(key), runner_id=7, integration_id=10, client_id="id",
                              client_secret=SECRET, token_url="https://bitbucket.org/site/oauth2/access_token")
    assert open_client_secret(key, blob, runner_id=7, integration_id=10).client_secret == SECRET
    with pytest.raises(SealError):
        open_client_secret(key, blob, runner_id=7, integration_id=11)


@pytest.mark.parametrize("position", [0, 31, 40, -1])
def test_tampered_ciphertext_fails(key, position):
    blob = seal(public_key_b64(key), b"hello world", b"info")
    ct = bytearray(blob.ciphertext)
    ct[position] ^= 0x01
    with pytest.raises(SealError):
        open_blob(key, SealedBlob(blob.suite, bytes(ct)), b"info")


def test_truncated_ciphertext_fails(key):
    blob = seal(public_key_b64(key), b"hello world", b"info")
    with pytest.raises(SealError):
        open_blob(key, SealedBlob(blob.suite, blob.ciphertext[:20]), b"info")


def test_unknown_suite_fails(key):
    blob = seal(public_key_b64(key), b"hello", b"info")
    with pytest.raises(SealError, match="Unknown sealing suite"):
        open_blob(key, SealedBlob("X448-SOMETHING", blob.ciphertext), b"info")


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"v":2,"suite":"x","ct":""}', '{"v":1,"suite":"x"}',
                                  '{"v":1,"suite":"x","ct":"***"}'])
def test_malformed_text_is_a_seal_error(text):
    with pytest.raises(SealError):
        SealedBlob.from_text(text)


@pytest.mark.parametrize("public_key", ["not base64!", "AAAA", ""])
def test_bad_public_key_cannot_be_sealed_to(public_key):
    with pytest.raises(SealError):
        seal(public_key, b"x", b"i")


def test_client_secret_document_binds_token_url_and_hides_secret_in_repr(key):
    blob = seal_client_secret(public_key_b64(key), runner_id=1, integration_id=2, client_id="cid",
                              client_secret=SECRET, token_url="https://example.test/token", client_auth="post")
    assert SECRET not in blob.to_text()
    doc = open_client_secret(key, blob, runner_id=1, integration_id=2)
    assert (doc.client_id, doc.token_url, doc.client_auth) == ("cid", "https://example.test/token", "post")
    assert SECRET not in repr(doc)
    plain = json.loads(open_blob(key, blob, sealing_info(1, 2)))
    assert plain["token_url"] == "https://example.test/token"


@pytest.mark.parametrize("kwargs", [{"client_auth": "jwt"}, {"token_url": "file:///etc/passwd"}])
def test_seal_client_secret_refuses_bad_arguments(key, kwargs):
    args = {"client_id": "c", "client_secret": "s", "token_url": "https://x.test/t", "client_auth": "basic"} | kwargs
    with pytest.raises(SealError):
        seal_client_secret(public_key_b64(key), runner_id=1, integration_id=2, **args)


def test_fingerprint_is_16_hex_chars_and_differs_per_key(key):
    fp = key_fingerprint(public_key_b64(key))
    assert len(fp) == 16 and int(fp, 16) >= 0
    assert fp != key_fingerprint(public_key_b64(generate_private_key()))


def test_private_key_file_round_trip_with_mode_0600(tmp_path, key):
    old_umask = os.umask(0)  # even a permissive umask must not widen the file
    try:
        save_private_key(tmp_path / "k.pem", key)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600
    assert public_key_b64(load_private_key(tmp_path / "k.pem")) == public_key_b64(key)
