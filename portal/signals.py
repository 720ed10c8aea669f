"""Receivers the portal connects in PortalConfig.ready()."""

from __future__ import annotations
