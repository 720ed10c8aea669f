"""allauth discovers `<app>.provider` and registers its `provider_classes`."""

from __future__ import annotations

# Importing the receivers here connects them when allauth loads its providers, which happens when
# the URLconf loads, before any OAuth callback can run.
from integrations.oauth import receivers  # noqa: F401
from integrations.oauth.provider import provider_classes

__all__ = ["provider_classes"]
