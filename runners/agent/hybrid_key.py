"""The agent's post-quantum hybrid key: ML-KEM-768 + X25519 (HPKE KEM `MLKEM768_X25519`).

`cryptography`'s combined key object cannot be serialized, so the agent keeps the two halves and
builds the combined key from them. On disk: one file, mode 0600, holding the two PKCS#8 PEM blocks
(ML-KEM-768 first). Its public form, as registered with the portal, is the raw ML-KEM-768
encapsulation key followed by the raw X25519 key, base64 encoded (see sealing.load_public_key).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from runners.protocol.sealing import SealError, write_private_file

_PEM_END = b"-----END PRIVATE KEY-----"


@dataclass(frozen=True)
class HybridPrivateKey:
    mlkem: MLKEM768PrivateKey
    x25519: X25519PrivateKey

    def __repr__(self) -> str:
        return "HybridPrivateKey(...)"

    @classmethod
    def generate(cls) -> HybridPrivateKey:
        return cls(mlkem=MLKEM768PrivateKey.generate(), x25519=X25519PrivateKey.generate())

    @property
    def hpke_key(self) -> hpke.MLKEM768X25519PrivateKey:
        return hpke.MLKEM768X25519PrivateKey(self.mlkem, self.x25519)

    def public_key_b64(self) -> str:
        raw = self.mlkem.public_key().public_bytes_raw() + self.x25519.public_key().public_bytes_raw()
        return base64.b64encode(raw).decode("ascii")

    def to_pem(self) -> bytes:
        fmt = (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return self.mlkem.private_bytes(*fmt) + self.x25519.private_bytes(*fmt)


def save_hybrid_key(path: str | os.PathLike, key: HybridPrivateKey) -> None:
    write_private_file(path, key.to_pem())


def load_hybrid_key(path: str | os.PathLike) -> HybridPrivateKey:
    data = Path(path).read_bytes()
    blocks = [block + _PEM_END for block in data.split(_PEM_END) if block.strip()]
    if len(blocks) != 2:
        raise SealError(f"{path} does not hold an ML-KEM-768 and an X25519 private key.")
    mlkem, x25519 = (serialization.load_pem_private_key(block.strip() + b"\n", password=None) for block in blocks)
    if not isinstance(mlkem, MLKEM768PrivateKey) or not isinstance(x25519, X25519PrivateKey):
        raise SealError(f"{path} does not hold an ML-KEM-768 and an X25519 private key.")
    return HybridPrivateKey(mlkem=mlkem, x25519=x25519)
