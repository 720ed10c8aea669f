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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

# Crypto agility: the suite name is stored beside every ciphertext; a new suite is a new entry here.
SUITE_NAME = "X25519-HKDF-SHA256-CHACHA20POLY1305"  # the server's classic suite
# ML-KEM-768 + X25519 hybrid KEM: a blob stays closed unless BOTH halves are broken, so ciphertext
# stored today is not opened by a future quantum computer that breaks X25519 alone.
HYBRID_SUITE_NAME = "MLKEM768X25519-HKDF-SHA256-CHACHA20POLY1305"
# What a browser can do with WebCrypto alone (no ChaCha20, no ML-KEM): static/js/hpke.js.
BROWSER_SUITE_NAME = "X25519-HKDF-SHA256-AES128GCM"
SUITES: dict[str, hpke.Suite] = {
    SUITE_NAME: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305),
    HYBRID_SUITE_NAME: hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305),
    BROWSER_SUITE_NAME: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM),
}
# Which of the runner's keys a suite seals to: "x25519" (32-byte key) or "hybrid" (ML-KEM-768 || X25519).
KEY_KIND_X25519, KEY_KIND_HYBRID = "x25519", "hybrid"
SUITE_KEY_KIND = {SUITE_NAME: KEY_KIND_X25519, BROWSER_SUITE_NAME: KEY_KIND_X25519, HYBRID_SUITE_NAME: KEY_KIND_HYBRID}
# What a key registration may name as its suite (the browser suite seals to the X25519 key, it is not a key).
KEY_SUITES = {KEY_KIND_X25519: SUITE_NAME, KEY_KIND_HYBRID: HYBRID_SUITE_NAME}
# The encapsulated key opens every blob: its length is fixed by the KEM (RFC 9180 Nenc).
ENC_LENGTH = {SUITE_NAME: 32, BROWSER_SUITE_NAME: 32, HYBRID_SUITE_NAME: 1120}
AEAD_TAG_LENGTH = 16
MLKEM768_PUBLIC_LENGTH = 1184
X25519_LENGTH = 32
CLIENT_AUTH_METHODS = ("basic", "post")
_BLOB_VERSION = 1
_KEY_BOUND_VERSION = 2

PrivateKey = X25519PrivateKey | hpke.MLKEM768X25519PrivateKey
PublicKey = X25519PublicKey | hpke.MLKEM768X25519PublicKey


class SealError(Exception):
    """A blob cannot be sealed or opened: wrong key, wrong info, tampering, unknown suite or bad format."""


@dataclass(frozen=True)
class SealedBlob:
    suite: str
    ciphertext: bytes
    # Set for blobs sealed by a caller (a browser, an API client): bound to the integration's stable key,
    # which exists before the row does, instead of its id (version 2 of the text form).
    integration_key: str = ""

    def to_text(self) -> str:
        """Compact text for a TextField: {"v":1,"suite":...,"ct":base64}, or v2 with "ik" when key-bound."""
        data = {"v": _BLOB_VERSION, "suite": self.suite, "ct": base64.b64encode(self.ciphertext).decode("ascii")}
        if self.integration_key:
            data.update(v=_KEY_BOUND_VERSION, ik=self.integration_key)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> SealedBlob:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("v") not in (_BLOB_VERSION, _KEY_BOUND_VERSION):
                raise ValueError("unsupported blob version")
            suite, ct, key = data["suite"], data["ct"], data.get("ik", "")
            if not isinstance(suite, str) or not isinstance(ct, str) or not isinstance(key, str):
                raise ValueError("malformed blob")
            if (data["v"] == _KEY_BOUND_VERSION) != bool(key):
                raise ValueError("a key-bound blob names its integration key")
            return cls(suite=suite, ciphertext=base64.b64decode(ct, validate=True), integration_key=key)
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


def sealing_info_for_key(runner_id: int, integration_key: str) -> bytes:
    """The `info` of a caller-sealed blob (static/js/seal-secret.js, `python -m runners.agent seal`)."""
    if not integration_key or not integration_key.isalnum():
        raise SealError("A caller-sealed blob needs the integration's key.")
    return b"scm-portal/v2 runner=%d integration-key=%s" % (int(runner_id), integration_key.encode("ascii"))


def _suite(name: str) -> hpke.Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise SealError(f"Unknown sealing suite {name!r}.") from None


def suite_key_kind(name: str) -> str:
    _suite(name)
    return SUITE_KEY_KIND[name]


def load_public_key(public_key_b64: str, *, kind: str = KEY_KIND_X25519) -> PublicKey:
    """Base64 of the raw public key, the form runners register: 32 bytes of X25519, or for the hybrid
    KEM the ML-KEM-768 encapsulation key (1184 bytes) followed by the X25519 key (32 bytes)."""
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise SealError("The public key is not valid base64.") from None
    if kind == KEY_KIND_HYBRID:
        if len(raw) != MLKEM768_PUBLIC_LENGTH + X25519_LENGTH:
            raise SealError(f"An ML-KEM-768 + X25519 public key is exactly {MLKEM768_PUBLIC_LENGTH + X25519_LENGTH} "
                            "bytes.")
        try:
            mlkem = MLKEM768PublicKey.from_public_bytes(raw[:MLKEM768_PUBLIC_LENGTH])
        except ValueError:
            raise SealError("The ML-KEM-768 half of the public key is malformed.") from None
        return hpke.MLKEM768X25519PublicKey(mlkem, X25519PublicKey.from_public_bytes(raw[MLKEM768_PUBLIC_LENGTH:]))
    if len(raw) != X25519_LENGTH:
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
    hpke_suite = _suite(suite)
    key = load_public_key(public_key_b64, kind=SUITE_KEY_KIND[suite])
    try:
        return SealedBlob(suite=suite, ciphertext=hpke_suite.encrypt(plaintext, key, info=info))
    except (ValueError, TypeError) as exc:  # e.g. a low-order point that yields an all-zero shared secret
        raise SealError(f"Cannot seal to this public key: {exc}") from None


def check_blob_shape(blob: SealedBlob, *, max_plaintext: int) -> None:
    """What can be checked without the private key: a known suite, room for the encapsulated key and
    the AEAD tag, and no more ciphertext than `max_plaintext` could give."""
    _suite(blob.suite)
    enc = ENC_LENGTH[blob.suite]
    if len(blob.ciphertext) < enc + AEAD_TAG_LENGTH + 1:
        raise SealError(f"Too short for {blob.suite}: the encapsulated key alone is {enc} bytes.")
    if len(blob.ciphertext) > enc + AEAD_TAG_LENGTH + max_plaintext:
        raise SealError(f"Longer than a sealed client secret can be ({max_plaintext} bytes of plaintext).")


def _key_for(keys: PrivateKey | Mapping[str, PrivateKey | None], suite: str) -> PrivateKey:
    if not isinstance(keys, Mapping):
        return keys
    key = keys.get(SUITE_KEY_KIND[suite])
    if key is None:
        raise SealError(f"This agent holds no key for {suite}.")
    return key


def open_blob(private_key: PrivateKey | Mapping[str, PrivateKey | None], blob: SealedBlob, info: bytes) -> bytes:
    """`private_key` is one key, or the agent's keys by kind ({"x25519": ..., "hybrid": ...}):
    the blob's suite picks the one it was sealed to."""
    suite = _suite(blob.suite)
    key = _key_for(private_key, blob.suite)
    try:
        return suite.decrypt(blob.ciphertext, key, info=info)
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
    suite: str = SUITE_NAME,
) -> SealedBlob:
    plaintext = client_secret_document(client_id=client_id, client_secret=client_secret, token_url=token_url,
                                       client_auth=client_auth)
    return seal(public_key_b64, plaintext, sealing_info(runner_id, integration_id), suite=suite)


def client_secret_document(*, client_id: str, client_secret: str, token_url: str, client_auth: str = "basic") -> bytes:
    """The plaintext a sealed client secret holds (static/js/seal-secret.js writes the same JSON)."""
    if client_auth not in CLIENT_AUTH_METHODS:
        raise SealError(f"client_auth must be one of {', '.join(CLIENT_AUTH_METHODS)}.")
    if not token_url.startswith(("https://", "http://")):
        raise SealError("The token URL must be an http(s) URL.")
    document = {"client_id": client_id, "client_secret": client_secret, "token_url": token_url,
                "client_auth": client_auth}
    return json.dumps(document, separators=(",", ":")).encode()


def open_client_secret(
    private_key: PrivateKey | Mapping[str, PrivateKey | None], blob: SealedBlob, *, runner_id: int, integration_id: int,
    integration_key: str = "",
) -> ClientSecretDocument:
    """`integration_key` is the row's (from the job, never from the blob): a key-bound blob copied onto
    another row does not open."""
    if blob.integration_key:
        info = sealing_info_for_key(runner_id, integration_key)
    else:
        info = sealing_info(runner_id, integration_id)
    plaintext = open_blob(private_key, blob, info)
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
