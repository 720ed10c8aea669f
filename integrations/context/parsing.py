"""Which provider a pasted URL belongs to, then that provider's parser. Pure apart from reading the
providers' default hosts; the hosts registered for an org come in as `known_hosts`.

The rule: a URL on a host the portal knows (a provider's SaaS host, or a host registered for the org,
the longest matching base URL winning, so a context path counts) goes to that provider's parser; on
any other host only an unambiguous path shape (`ContextParser.detect`) decides; otherwise an error
naming the host. Never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from integrations.context.base import (
    ContextParser,
    ContextUrl,
    ContextUrlError,
    Location,
    base_segments,
    split_location,
)
from integrations.providers import PROVIDERS


def context_parsers() -> list[ContextParser]:
    return [p.context_parser for p in PROVIDERS.values() if p.context_parser is not None]


def _parser_for(provider_id: str) -> ContextParser | None:
    provider = PROVIDERS.get(provider_id)
    return provider.context_parser if provider is not None else None


def _matches(location: Location, base: str) -> int | None:
    """How many path segments of `base` the URL lies under (its context path), or None."""
    parts = urlsplit(base)
    if (parts.hostname or "").lower() != location.hostname:
        return None
    prefix = base_segments(base)
    if location.is_ssh:
        return 0  # a remote has no context path; its host is enough
    if parts.port != location.port:
        return None
    if location.segments[: len(prefix)] != prefix:
        return None
    return len(prefix)


def parse_context_url(text: str, *, known_hosts: Iterable[tuple[str, str]] = ()) -> ContextUrl:
    """`known_hosts`: (provider id, base URL) pairs registered for the org. Raises `ContextUrlError`."""
    location = split_location(text)
    candidates: list[tuple[str, str]] = []
    for parser in context_parsers():
        candidates.extend((parser.provider, base.rstrip("/")) for base in parser.default_hosts())
    candidates.extend((provider, base.rstrip("/")) for provider, base in known_hosts)
    matches = [(depth, provider, base) for provider, base in candidates
               if _parser_for(provider) is not None and (depth := _matches(location, base)) is not None]
    if matches:
        deepest = max(depth for depth, _, _ in matches)
        best = list(dict.fromkeys((provider, base) for depth, provider, base in matches if depth == deepest))
        if len({provider for provider, _ in best}) > 1:
            # Two providers on one host (an ssh remote of a host serving both): the path shape decides.
            best = [(provider, base) for provider, base in best if _parser_for(provider).detect(location)] or best
        if len({provider for provider, _ in best}) > 1:
            names = " and ".join(_parser_for(provider).name for provider, _ in best)
            raise ContextUrlError(f"{location.hostname} serves both {names}; paste the repository's web URL.")
        provider, base = best[0]
        return _parser_for(provider).parse(location, base)
    detected = [(parser, base) for parser in context_parsers() if (base := parser.detect(location))]
    if len(detected) == 1:
        parser, base = detected[0]
        return parser.parse(location, base)
    hosts = ", ".join(dict.fromkeys(urlsplit(base).hostname or base for _, base in candidates))
    raise ContextUrlError(f"{location.hostname} is not a host the portal knows (known: {hosts}), nor a Bitbucket "
                          "Server or GitLab host registered for this organization, and the path does not say "
                          "which provider it is.")
