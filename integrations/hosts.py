"""Admin-entered provider hosts: normalize them, and refuse ones that would turn the portal
into a proxy into its own network (SSRF)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from integrations.providers.transport import AddressRefused, checked_addresses

if TYPE_CHECKING:
    from integrations.providers.protocol import Provider

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_for_callback(provider: Provider, raw: str) -> str | None:
    """The host a new integration will be saved with, as far as the dialog knows it yet (no network);
    the same rule as the form's host cleaning."""
    spec = provider.spec
    if not spec.host_editable:
        return provider.default_host()
    if not (raw or "").strip():
        return provider.default_host() if spec.default_host else None
    try:
        return normalize_host(raw)
    except ValidationError:
        return None


def normalize_host(value: str) -> str:
    """`https://Git.Example.com/bitbucket/` -> `https://git.example.com/bitbucket` (context path kept)."""
    value = (value or "").strip()
    if not value:
        raise ValidationError("Enter the base URL, e.g. https://bitbucket.example.com.")
    if len(value) > 255:
        raise ValidationError("The URL is too long (255 characters at most).")
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationError("Enter a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter an http(s) URL with a host name.")
    if parts.username or parts.password:
        raise ValidationError("Leave user names and passwords out of the URL.")
    if parts.query or parts.fragment:
        raise ValidationError("Enter the base URL only, without ?query or #fragment.")
    if parts.scheme == "http" and not settings.SCM_ALLOW_HTTP_HOSTS:
        raise ValidationError("Use https. (Operators can allow http for lab instances with SCM_ALLOW_HTTP_HOSTS.)")
    host = parts.hostname.lower()
    if not _HOSTNAME.match(host) and not _is_ip(host):
        raise ValidationError("Enter a valid URL: the host name has characters a host name cannot have.")
    netloc = f"[{host}]" if ":" in host else host
    if port:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def check_public_address(url: str) -> None:
    """Refuse hosts that resolve to loopback, private, link-local or reserved addresses (IPv4 inside IPv6
    included). An early answer for the form: every connection is checked again by the provider transport,
    and goes only to the address that passed (a later answer of the resolver cannot change it)."""
    if settings.SCM_ALLOW_PRIVATE_HOSTS:
        return
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        checked_addresses(parts.hostname or "", port, allow_private=False)
    except AddressRefused:
        raise ValidationError(
            f"{parts.hostname} resolves to a private, loopback or link-local address. "
            "(Operators can allow internal hosts with SCM_ALLOW_PRIVATE_HOSTS.)"
        ) from None
    except (OSError, UnicodeError):
        raise ValidationError(f"The host {parts.hostname} cannot be resolved.") from None
