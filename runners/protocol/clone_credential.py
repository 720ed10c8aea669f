"""Clone credentials sealed to a runner's keys: the sealed document and the `info` that binds it.

The portal seals with `runners.sealing.seal_for_runner` (the runner's hybrid key when it has one); the
agent opens with `runners.agent.clone_credential.open_clone_credential`. `info` binds the blob to one
runner and one purpose (e.g. `prebuild:12:1`), so a blob copied onto other work, or to another
runner, does not open. Django-free: both sides import it.
"""

from __future__ import annotations

import json


def clone_credential_info(runner_id: int, purpose: str) -> bytes:
    return f"scm-portal/v1 runner={int(runner_id)} clone={purpose}".encode()


def clone_credential_document(*, username: str, password: str, expires_at: str | None) -> bytes:
    return json.dumps({"username": username, "password": password, "expires_at": expires_at},
                      separators=(",", ":")).encode()
