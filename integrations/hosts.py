"""Admin-entered provider hosts: normalize them, and refuse ones that would turn the portal
into a proxy into its own network (SSRF)."""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_public_address(url: str) -> None:
    """Refuse hosts that resolve to loopback, private, link-local or reserved addresses."""
    if settings.SCM_ALLOW_PRIVATE_HOSTS:
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(f"The host {parts.hostname} cannot be resolved.") from None
    if any(_is_internal(info[4][0]) for info in infos):
        raise ValidationError(
            f"{parts.hostname} resolves to a private, loopback or link-local address. "
            "(Operators can allow internal hosts with SCM_ALLOW_PRIVATE_HOSTS.)"
        )
