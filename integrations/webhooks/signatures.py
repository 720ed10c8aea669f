"""``X-Hub-Signature`` as Bitbucket Cloud and Server send it: ``sha256=<hex HMAC-SHA256 of the raw body>``.

Pure functions, no Django: the receiver verifies with them, and the emulator's tests prove the
emulator (which signs with its own code) and this module agree.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def sign_body(secret: str, body: bytes) -> str:
    """The header value Bitbucket would send for ``body`` signed with ``secret``."""
    return _PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_hub_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True only for a well-formed ``sha256=<64 hex>`` header matching ``body``; constant-time compare."""
    if not secret or not isinstance(header, str):
        return False
    if not header.startswith(_PREFIX):
        return False
    digest = header[len(_PREFIX):]
    if not _HEX_DIGEST.fullmatch(digest):
        return False
    expected = sign_body(secret, body)[len(_PREFIX):]
    return hmac.compare_digest(expected.encode("ascii"), digest.lower().encode("ascii"))
