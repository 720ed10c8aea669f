"""Connections to provider hosts, pinned to the address that was checked (SSRF by DNS rebinding).

Checking a host name once and letting the HTTP client resolve it again is not a check: a resolver
can answer a public address to the check and 127.0.0.1 to the connection. Here every new TCP
connection resolves the name once, refuses it when any address is internal, and connects to the
address that passed. The URL is untouched, so the Host header, TLS SNI and certificate checks still
use the host name.

The policy (whether internal addresses are allowed) is passed in; only `provider_transport()` reads it
from Django's settings.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from typing import Any

import httpcore
import httpx

# Prefixes whose last 32 bits are an IPv4 address a gateway will reach for us (RFC 6052, RFC 8215).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
# Deprecated IPv4-compatible addresses (::a.b.c.d); `::` and `::1` themselves are not global anyway.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class AddressRefused(httpcore.ConnectError):
    """The host resolves to an address the portal must not connect to. Names the host, never a URL path."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"{host} resolves to a private, loopback or link-local address")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address stands for: mapped, 6to4, Teredo, NAT64, IPv4-compatible."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    if any(ip in net for net in _NAT64) or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_internal(address: str) -> bool:
    """Loopback, private, link-local, reserved or multicast, including IPv4 hidden inside IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a scope id (fe80::1%eth0) is link-local anyway
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        candidates.extend(_embedded_ipv4(ip))
    return any(not c.is_global or c.is_multicast for c in candidates)


def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host`, in the resolver's order, without duplicates."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Resolve once and check every answer; the caller connects only to what this returns."""
    addresses = resolve(host, port)
    if not addresses:
        raise OSError(f"{host} has no address")
    if not allow_private and any(is_internal(address) for address in addresses):
        raise AddressRefused(host)
    return addresses


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, given the checked address instead of the name."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        try:
            addresses = checked_addresses(host, port, allow_private=self.allow_private)
        except AddressRefused:
            raise
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} cannot be resolved ({type(exc).__name__})") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return self._sockets.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                 socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not provider hosts")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with the pinned backend. Never uses a proxy from the environment (a proxy would
    resolve the name again, out of our sight); still honours SSL_CERT_FILE / SSL_CERT_DIR, so a Bitbucket
    Server with a private CA keeps working."""

    def __init__(self, *, allow_private: bool, verify: Any = True) -> None:
        ssl_context = _ssl_context() if verify is True else httpx.create_ssl_context(verify=verify, trust_env=True)
        # Handing httpx the context, not `verify`, stops it loading the CA bundle again (tens of ms of CPU
        # per session: a verify sweep's workers spent half their time there).
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx 0.28 cannot pass a network backend through; build the same pool with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=httpx.Limits().max_connections,
            max_keepalive_connections=httpx.Limits().max_keepalive_connections,
            keepalive_expiry=httpx.Limits().keepalive_expiry,
            network_backend=PinnedBackend(allow_private=allow_private),
        )


@functools.cache
def _ssl_context():
    # Loading the CA bundle costs milliseconds of CPU; a sweep builds a session per verify. One context per
    # process is safe to share (it is only read after creation).
    return httpx.create_ssl_context(verify=True, trust_env=True)


def refused_host(exc: BaseException) -> str | None:
    """The host an httpx error was refused for by the address check, or None for any other error."""
    cause = exc.__cause__
    return cause.host if isinstance(cause, AddressRefused) else None


# Why a connection failed, by what the socket layer said; the text itself is never shown (it is not ours).
_FAILURE_WORDS = (
    ("cannot be resolved", "dns"),  # PinnedBackend's own message
    ("connection refused", "refused"),
    ("certificate", "tls"),
    ("ssl", "tls"),
    ("timed out", "timeout"),
    ("disconnected", "dropped"),
    ("connection reset", "dropped"),
    ("network is unreachable", "no-route"),
    ("no route to host", "no-route"),
)


def connect_failure(exc: BaseException) -> str:
    """One of dns, refused, tls, timeout (connecting), slow (connected, no answer in time), dropped,
    no-route or failed, for an httpx transport error."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "slow"
    text = str(exc).lower()
    return next((failure for words, failure in _FAILURE_WORDS if words in text), "failed")


def provider_transport() -> PinnedTransport:
    """The transport every provider session uses, with the operator's policy for internal hosts."""
    from django.conf import settings

    allow = bool(getattr(settings, "SCM_ALLOW_PRIVATE_HOSTS", False)) if settings.configured else False
    return PinnedTransport(allow_private=allow)
