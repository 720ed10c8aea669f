"""Where the portal keeps values encrypted with its key ring (portal.crypto), so that key rotation finds
every one of them without being told.

The convention: a model field named `*_encrypted` holds portal.crypto ciphertext (a TextField, "" when
empty). A new column that follows it is rotated by `manage.py rotate_encryption_keys` with no change
there. Values that cannot follow it (a key inside a JSON field of a third-party model) are registered
with `register_json_value`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models

SUFFIX = "_encrypted"


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    field: str
    json_key: str = ""  # set when the ciphertext is one key of a JSON object in `field`

    @property
    def label(self) -> str:
        where = f"{self.model._meta.label}.{self.field}"
        return f"{where}[{self.json_key!r}]" if self.json_key else where


# (app_label.ModelName, JSON field, key): allauth.mfa keeps a TOTP secret and a recovery-code seed in
# Authenticator.data, encrypted by portal.adapters.MfaAdapter with the same key ring.
_JSON_VALUES: list[tuple[str, str, str]] = [
    ("mfa.Authenticator", "data", "secret"),
    ("mfa.Authenticator", "data", "seed"),
]


def register_json_value(model_label: str, field: str, key: str) -> None:
    if (model_label, field, key) not in _JSON_VALUES:
        _JSON_VALUES.append((model_label, field, key))


def encrypted_columns() -> list[EncryptedColumn]:
    """Every `*_encrypted` field of every installed model, then the registered JSON values."""
    found = [EncryptedColumn(model, f.name) for model in apps.get_models() for f in model._meta.concrete_fields
             if f.name.endswith(SUFFIX)]
    for label, field, key in _JSON_VALUES:
        try:
            found.append(EncryptedColumn(apps.get_model(label), field, key))
        except LookupError:
            continue  # that app is not installed here
    return found
