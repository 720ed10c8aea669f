"""Clone credentials sealed to the runner's key: the portal seals (it imports this module), only the agent opens.

The same HPKE suite as client secrets (`sealing.py`). `info` binds the blob to one runner and one purpose
(e.g. `prebuild:12`), so a blob copied onto other work, or to another runner, does not open.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from runners.protocol.sealing import SUITE_NAME, PrivateKey, SealedBlob, SealError, open_blob, seal


@dataclass(frozen=True)
class OpenedCloneCredential:
    username: str
    password: str = field(repr=False)
    expires_at: str | None = None  # ISO 8601; the agent forgets the credential when the work ends anyway


def clone_credential_info(runner_id: int, purpose: str) -> bytes:
    return f"scm-portal/v1 runner={int(runner_id)} clone={purpose}".encode()


def seal_clone_credential(public_key_b64: str, *, runner_id: int, purpose: str, username: str, password: str,
                          expires_at: str | None, suite: str = SUITE_NAME) -> SealedBlob:
    plaintext = json.dumps({"username": username, "password": password, "expires_at": expires_at},
                           separators=(",", ":")).encode()
    return seal(public_key_b64, plaintext, clone_credential_info(runner_id, purpose), suite=suite)


def open_clone_credential(private_key: PrivateKey | Mapping[str, PrivateKey | None], blob: SealedBlob, *,
                          runner_id: int,
                          purpose: str) -> OpenedCloneCredential:
    plaintext = open_blob(private_key, blob, clone_credential_info(runner_id, purpose))
    try:
        data = json.loads(plaintext)
        return OpenedCloneCredential(username=str(data["username"]), password=str(data["password"]),
                                     expires_at=data.get("expires_at"))
    except (ValueError, KeyError, TypeError):
        raise SealError("The sealed document is not a clone credential.") from None
