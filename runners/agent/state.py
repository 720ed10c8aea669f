"""The agent's state directory: its private key and credential (mode 0600) in a directory only it reads (0700)."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from runners.agent.hybrid_key import HybridPrivateKey, load_hybrid_key, save_hybrid_key
from runners.protocol.sealing import (
    KEY_KIND_HYBRID,
    KEY_KIND_X25519,
    load_private_key,
    save_private_key,
    write_private_file,
)

KEY_FILE = "private_key.pem"
NEW_KEY_FILE = "private_key.new.pem"
# Present only when the agent registered a post-quantum hybrid key (register/rotate-key --suite hybrid).
HYBRID_KEY_FILE = "hybrid_key.pem"
NEW_HYBRID_KEY_FILE = "hybrid_key.new.pem"
CREDENTIAL_FILE = "credential"
RUNNER_FILE = "runner.json"


class StateError(Exception):
    """The state directory is missing, incomplete or unsafe."""


@dataclass
class AgentState:
    directory: Path
    portal: str
    runner_id: int
    runner_name: str
    organization: str
    credential: str
    private_key: X25519PrivateKey
    hybrid_key: HybridPrivateKey | None = None
    key_stamp: tuple = ()
    # Run-time settings from `run`'s options, never written to disk.
    prebuild_command: str = ""  # empty: the built-in report (runners.agent.prebuild_report)
    prebuild_timeout: float = 3600.0
    stopping: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    environment_command: str = ""  # `run --environment-command`; empty: the default (environment.py)

    def __repr__(self) -> str:
        return f"AgentState(runner={self.runner_name!r} #{self.runner_id}, portal={self.portal!r})"

    def reload_keys_if_rotated(self) -> bool:
        """`rotate-key` may run beside a running agent: pick up the new key files before opening a blob,
        instead of failing every secret sealed to them until a restart."""
        stamp = _key_stamp(self.directory)
        if stamp == self.key_stamp:
            return False
        self.private_key = load_private_key(self.directory / KEY_FILE)
        hybrid = self.directory / HYBRID_KEY_FILE
        self.hybrid_key = load_hybrid_key(hybrid) if hybrid.exists() else None
        self.key_stamp = stamp
        return True

    @property
    def keys(self) -> dict:
        """The private keys by kind, for sealing.open_blob: a blob's suite picks its key."""
        return {KEY_KIND_X25519: self.private_key,
                KEY_KIND_HYBRID: self.hybrid_key.hpke_key if self.hybrid_key else None}


def _key_stamp(directory: Path) -> tuple:
    stamp = []
    for name in (KEY_FILE, HYBRID_KEY_FILE):
        try:
            st = (directory / name).stat()
            stamp.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            stamp.append(None)
    return tuple(stamp)


def prepare_directory(directory: Path) -> Path:
    directory = directory.expanduser()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The directory is ours alone, whatever the umask or a previous owner left.
    os.chmod(directory, 0o700)
    return directory


def is_registered(directory: Path) -> bool:
    directory = directory.expanduser()
    return (directory / CREDENTIAL_FILE).exists() and (directory / RUNNER_FILE).exists()


def save_registration(directory: Path, *, private_key: X25519PrivateKey, portal: str, registered: dict,
                      hybrid_key: HybridPrivateKey | None = None) -> None:
    directory = prepare_directory(directory)
    save_private_key(directory / KEY_FILE, private_key)
    if hybrid_key is not None:
        save_hybrid_key(directory / HYBRID_KEY_FILE, hybrid_key)
    else:
        (directory / HYBRID_KEY_FILE).unlink(missing_ok=True)  # --force over a hybrid registration
    write_private_file(directory / CREDENTIAL_FILE, registered["credential"].encode())
    meta = {"portal": portal, "runner_id": registered["runner_id"], "runner_name": registered.get("runner_name", ""),
            "organization": registered.get("organization", ""), "key_fingerprint": registered.get("key_fingerprint")}
    write_private_file(directory / RUNNER_FILE, json.dumps(meta, indent=2).encode())


def load(directory: Path) -> AgentState:
    directory = directory.expanduser()
    if not is_registered(directory):
        raise StateError(f"{directory} holds no registration. Run `python -m runners.agent register` first.")
    mode = directory.stat().st_mode & 0o777
    if mode & 0o077:
        raise StateError(f"{directory} is readable by others (mode {mode:o}); run chmod 700 on it.")
    for name in (KEY_FILE, CREDENTIAL_FILE, HYBRID_KEY_FILE):
        if name == HYBRID_KEY_FILE and not (directory / name).exists():
            continue
        file_mode = (directory / name).stat().st_mode & 0o777
        if file_mode & 0o077:
            raise StateError(f"{directory / name} is readable by others (mode {file_mode:o}); run chmod 600 on it.")
    try:
        meta = json.loads((directory / RUNNER_FILE).read_text())
        return AgentState(
            directory=directory, portal=str(meta["portal"]).rstrip("/"), runner_id=int(meta["runner_id"]),
            runner_name=str(meta.get("runner_name", "")), organization=str(meta.get("organization", "")),
            credential=(directory / CREDENTIAL_FILE).read_text().strip(),
            private_key=load_private_key(directory / KEY_FILE),
            hybrid_key=load_hybrid_key(directory / HYBRID_KEY_FILE) if (directory / HYBRID_KEY_FILE).exists() else None,
            key_stamp=_key_stamp(directory),
        )
    except (OSError, ValueError, KeyError) as exc:
        raise StateError(f"{directory} is damaged: {exc}") from None


def stage_new_key(state: AgentState, private_key: X25519PrivateKey,
                  hybrid_key: HybridPrivateKey | None = None) -> list[Path]:
    """Written before the portal hears of it, so a crash mid-rotation never loses the key the portal has."""
    path = state.directory / NEW_KEY_FILE
    save_private_key(path, private_key)
    staged = [path]
    if hybrid_key is not None:
        save_hybrid_key(state.directory / NEW_HYBRID_KEY_FILE, hybrid_key)
        staged.append(state.directory / NEW_HYBRID_KEY_FILE)
    return staged


def discard_staged(staged: list[Path]) -> None:
    for path in staged:
        path.unlink(missing_ok=True)


def commit_new_key(state: AgentState, staged: list[Path], private_key: X25519PrivateKey, fingerprint: str,
                   hybrid_key: HybridPrivateKey | None = None) -> None:
    os.replace(staged[0], state.directory / KEY_FILE)
    state.private_key = private_key
    if hybrid_key is not None:
        os.replace(staged[1], state.directory / HYBRID_KEY_FILE)
    else:
        (state.directory / HYBRID_KEY_FILE).unlink(missing_ok=True)  # the portal dropped it too
    state.hybrid_key = hybrid_key
    state.key_stamp = _key_stamp(state.directory)
    meta_path = state.directory / RUNNER_FILE
    meta = json.loads(meta_path.read_text())
    meta["key_fingerprint"] = fingerprint
    write_private_file(meta_path, json.dumps(meta, indent=2).encode())
