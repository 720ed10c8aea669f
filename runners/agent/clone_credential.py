"""Opening a clone credential the portal sealed to this agent's keys (`runners.protocol.clone_credential`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from runners.protocol.clone_credential import clone_credential_info
from runners.protocol.sealing import SealedBlob, SealError, open_blob


@dataclass(frozen=True)
class OpenedCloneCredential:
    username: str
    password: str = field(repr=False)
    expires_at: str | None = None  # ISO 8601; the agent forgets the credential when the work ends anyway


def open_clone_credential(keys: Mapping, blob: SealedBlob, *, runner_id: int, purpose: str) -> OpenedCloneCredential:
    plaintext = open_blob(keys, blob, clone_credential_info(runner_id, purpose))
    try:
        data = json.loads(plaintext)
        return OpenedCloneCredential(username=str(data["username"]), password=str(data["password"]),
                                     expires_at=data.get("expires_at"))
    except (ValueError, KeyError, TypeError):
        raise SealError("The sealed document is not a clone credential.") from None
