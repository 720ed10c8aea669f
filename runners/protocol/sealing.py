"""Sealing client secrets to a runner's key: HPKE (RFC 9180) from `cryptography`, nothing home-made.

Shared by the portal (which seals, and cannot open) and the runner agent (the only holder of the
private key). Pure `cryptography` and stdlib: the agent imports this without Django.

`info` binds a blob to one runner and one integration row, so a ciphertext copied onto another
row (or another runner) fails to open instead of leaking a secret to the wrong place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

SUITE_NAME = "X25519-HKDF-SHA256-CHACHA20POLY1305"
# Crypto agility: the suite name is stored beside every ciphertext; a new suite is a new entry here.
SUITES: dict[str, hpke.Suite] = {
    SUITE_NAME: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305),
}
CLIENT_AUTH_METHODS = ("basic", "post")
_BLOB_VERSION = 1


class SealError(Exception):
    """A blob cannot be sealed or opened: wrong key, wrong info, tampering, unknown suite or bad format."""


@dataclass(frozen=True)
class SealedBlob:
    suite: str
    ciphertext: bytes

    def to_text(self) -> str:
        """Compact text for a TextField: {"v":1,"suite":...,"ct":base64}."""
        return json.dumps(
            {"v": _BLOB_VERSION, "suite": self.suite, "ct": base64.b64encode(self.ciphertext).decode("ascii")},
            separators=(",", ":"),
        )

    @classmethod
    def from_text(cls, text: str) -> SealedBlob:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("v") != _BLOB_VERSION:
                raise ValueError("unsupported blob version")
            suite, ct = data["suite"], data["ct"]
            if not isinstance(suite, str) or not isinstance(ct, str):
                raise ValueError("malformed blob")
            return cls(suite=suite, ciphertext=base64.b64decode(ct, validate=True))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise SealError(f"Not a sealed blob: {exc}") from None


@dataclass(frozen=True)
class ClientSecretDocument:
    """What `seal_client_secret` seals: the secret travels only with the URL it may be sent to."""

    client_id: str
    client_secret: str
    token_url: str
    client_auth: str

    def __repr__(self) -> str:  # never print the secret, even in a traceback's locals
        return f"ClientSecretDocument(client_id={self.client_id!r}, token_url={self.token_url!r}, ...)"


def sealing_info(runner_id: int, integration_id: int) -> bytes:
    return b"scm-portal/v1 runner=%d integration=%d" % (int(runner_id), int(integration_id))


def _suite(name: str) -> hpke.Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise SealError(f"Unknown sealing suite {name!r}.") from None


def load_public_key(public_key_b64: str) -> X25519PublicKey:
    """The raw 32-byte X25519 public key, base64 encoded (the form runners register)."""
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise SealError("The public key is not valid base64.") from None
    if len(raw) != 32:
        raise SealError("An X25519 public key is exactly 32 bytes.")
    return X25519PublicKey.from_public_bytes(raw)


def key_fingerprint(public_key_b64: str) -> str:
    """First 16 hex chars of the SHA-256 of the raw public key: what admins compare by eye."""
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return ""
    return hashlib.sha256(raw).hexdigest()[:16]


def seal(public_key_b64: str, plaintext: bytes, info: bytes, *, suite: str = SUITE_NAME) -> SealedBlob:
    key = load_public_key(public_key_b64)
    try:
        return SealedBlob(suite=suite, ciphertext=_suite(suite).encrypt(plaintext, key, info=info))
    except (ValueError, TypeError) as exc:  # e.g. a low-order point that yields an all-zero shared secret
        raise SealError(f"Cannot seal to this public key: {exc}") from None


def open_blob(private_key: X25519PrivateKey, blob: SealedBlob, info: bytes) -> bytes:
    suite = _suite(blob.suite)
    try:
        return suite.decrypt(blob.ciphertext, private_key, info=info)
    except (InvalidTag, ValueError, TypeError):
        # One message for every cause: the caller must not learn which part was wrong.
        raise SealError("The sealed blob cannot be opened with this key and context.") from None


def seal_client_secret(
    public_key_b64: str,
    *,
    runner_id: int,
    integration_id: int,
    client_id: str,
    client_secret: str,
    token_url: str,
    client_auth: str = "basic",
) -> SealedBlob:
    if client_auth not in CLIENT_AUTH_METHODS:
        raise SealError(f"client_auth must be one of {', '.join(CLIENT_AUTH_METHODS)}.")
    if not token_url.startswith(("https://", "http://")):
        raise SealError("The token URL must be an http(s) URL.")
    document = {"client_id": client_id, "client_secret": client_secret, "token_url": token_url,
                "client_auth": client_auth}
    plaintext = json.dumps(document, separators=(",", ":")).encode()
    return seal(public_key_b64, plaintext, sealing_info(runner_id, integration_id))


def open_client_secret(
    private_key: X25519PrivateKey, blob: SealedBlob, *, runner_id: int, integration_id: int
) -> ClientSecretDocument:
    plaintext = open_blob(private_key, blob, sealing_info(runner_id, integration_id))
    try:
        data = json.loads(plaintext)
        document = ClientSecretDocument(
            client_id=str(data["client_id"]), client_secret=str(data["client_secret"]),
            token_url=str(data["token_url"]), client_auth=str(data.get("client_auth", "basic")),
        )
    except (ValueError, KeyError, TypeError):
        raise SealError("The sealed document is not a client secret.") from None
    if document.client_auth not in CLIENT_AUTH_METHODS:
        raise SealError("The sealed document names an unknown client authentication method.")
    return document


# Key handling (agent side). Keys are PKCS#8 PEM, unencrypted: the file mode (0600) protects them.


def generate_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public_key_b64(private_key: X25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def private_key_to_pem(private_key: X25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(path: str | os.PathLike) -> X25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, X25519PrivateKey):
        raise SealError(f"{path} does not hold an X25519 private key.")
    return key


def write_private_file(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` with mode 0600 from the first byte, replacing atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # in case a umask widened nothing but an odd filesystem did
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_private_key(path: str | os.PathLike, private_key: X25519PrivateKey) -> None:
    write_private_file(path, private_key_to_pem(private_key))
