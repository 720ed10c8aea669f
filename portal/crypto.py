"""Encryption at rest with the portal's own key ring (MultiFernet, newest key first).

Used for user tokens and runner job payloads: values the portal must read back. Client
secrets are different: they are sealed to a runner (runners.protocol.sealing) and never
decrypted here.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables


class DecryptionFailed(Exception):
    """The value was encrypted with a key no longer in PORTAL_ENCRYPTION_KEYS, or was tampered with."""


@lru_cache(maxsize=4)
def _ring(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "PORTAL_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes each)."
        ) from exc


def key_ring() -> MultiFernet:
    return _ring(tuple(settings.PORTAL_ENCRYPTION_KEYS))


@sensitive_variables("value")
def encrypt_str(value: str) -> str:
    return key_ring().encrypt(value.encode()).decode()


@sensitive_variables()
def decrypt_str(token: str) -> str:
    try:
        return key_ring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("Cannot decrypt a stored value with the configured key ring.") from None


def rotate_str(token: str) -> str:
    """Re-encrypt under the newest key (a no-op in meaning, a new ciphertext)."""
    try:
        return key_ring().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("Cannot re-encrypt a stored value: no key in the ring opens it.") from None


def is_current(token: str) -> bool:
    """Whether the newest key opens this value (what key rotation must reach)."""
    try:
        Fernet(settings.PORTAL_ENCRYPTION_KEYS[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True
