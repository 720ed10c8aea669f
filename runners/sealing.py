"""Sealing to a runner, on the portal's side: which of the runner's keys, which suite, and what the
portal can check about a blob it cannot open.

Everything the portal seals for a runner's agent (client secrets entered without JavaScript or
through the API, clone credentials for prebuilds and environments, anything later) goes through
`seal_for_runner`: the runner's post-quantum hybrid key when its agent registered one, its X25519
key otherwise. Old agents never receive a suite they did not register.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from runners.models import Runner
from runners.protocol.sealing import (
    BROWSER_SUITE_NAME,
    SUITE_KEY_KIND,
    SealedBlob,
    SealError,
    check_blob_shape,
    key_fingerprint,
    seal,
)

# The longest client-secret document a blob may hold: the form caps the secret at 1024 characters, the
# client ID at 255 and the token URL at a few hundred; JSON escaping can double a character.
MAX_SEALED_DOCUMENT = 8 * 1024

SUITE_LABELS = {
    "X25519-HKDF-SHA256-CHACHA20POLY1305": "X25519 (classic), sealed by the portal",
    "MLKEM768X25519-HKDF-SHA256-CHACHA20POLY1305": "ML-KEM-768 + X25519 (post-quantum hybrid), sealed by the portal",
    BROWSER_SUITE_NAME: "X25519 (classic), sealed in the browser",
}


@dataclass(frozen=True)
class SealingKey:
    """One of a runner's public keys, with the suite the portal seals to it with."""

    suite: str
    public_key: str

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)


@dataclass(frozen=True)
class SealedForRunner:
    blob: SealedBlob
    key_fingerprint: str  # stored beside the blob: a rotated key turns the secret into "needs re-entry"

    def to_text(self) -> str:
        return self.blob.to_text()


def runner_sealing_key(runner: Runner) -> SealingKey:
    """The key the portal seals to: the hybrid one when the agent registered it."""
    if not runner.public_key:
        raise SealError(f"The runner {runner.name} has not registered a key yet.")
    if runner.hybrid_public_key and runner.can_open(runner.hybrid_key_suite):
        return SealingKey(suite=runner.hybrid_key_suite, public_key=runner.hybrid_public_key)
    return SealingKey(suite=runner.key_suite, public_key=runner.public_key)


def runner_browser_key(runner: Runner) -> SealingKey | None:
    """The key a browser may seal to (X25519, WebCrypto's suite), or None when the agent cannot open that
    suite (it predates browser sealing): the form then seals on the server."""
    if not runner.public_key or not runner.can_open(BROWSER_SUITE_NAME):
        return None
    return SealingKey(suite=BROWSER_SUITE_NAME, public_key=runner.public_key)


def seal_for_runner(*, runner: Runner, plaintext: bytes, info: bytes) -> SealedForRunner:
    key = runner_sealing_key(runner)
    return SealedForRunner(blob=seal(key.public_key, plaintext, info, suite=key.suite),
                           key_fingerprint=key.fingerprint)


def caller_sealed_blob(*, runner: Runner, integration_key: str, suite: str, sealed_b64: str) -> SealedForRunner:
    """A client secret sealed by a browser or an API client (base64 of enc || ct, and its suite), checked
    as far as the portal can without the private key. Raises SealError saying what is wrong."""
    try:
        ciphertext = base64.b64decode(sealed_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SealError("Not base64: send base64 of the encapsulated key followed by the ciphertext.") from None
    if suite not in SUITE_KEY_KIND:
        raise SealError(f"Unknown suite {suite!r}; use one of {', '.join(sorted(SUITE_KEY_KIND))}.")
    if not runner.opens_suites:
        raise SealError(f"The runner {runner.name}'s agent predates secrets sealed outside the portal; upgrade it, "
                        "or send the secret to be sealed by the portal.")
    blob = SealedBlob(suite=suite, ciphertext=ciphertext, integration_key=integration_key)
    return SealedForRunner(blob=blob, key_fingerprint=check_sealed_for_runner(runner=runner, blob=blob))


def check_sealed_for_runner(*, runner: Runner, blob: SealedBlob) -> str:
    """What the portal can check about a blob sealed elsewhere (a browser, an API caller) without the
    private key. Returns the fingerprint of the key the suite seals to; raises SealError."""
    check_blob_shape(blob, max_plaintext=MAX_SEALED_DOCUMENT)
    if not runner.can_open(blob.suite):
        raise SealError(f"The runner {runner.name}'s agent cannot open {blob.suite}; upgrade the agent or let the "
                        "portal seal the secret.")
    if SUITE_KEY_KIND[blob.suite] == "hybrid":
        if not runner.hybrid_public_key:
            raise SealError(f"The runner {runner.name} has no hybrid key to seal to.")
        return runner.hybrid_key_fingerprint
    return runner.key_fingerprint


def suite_label(suite: str) -> str:
    return SUITE_LABELS.get(suite, suite or "unknown")
