"""Numbers read from a request. `float()` accepts "nan" and "inf", and NaN survives min() and max():
a `wait=nan` once kept a long poll (and a web thread) busy forever. Every float a request carries
goes through here."""

from __future__ import annotations

import math

from portal.errors import ValidationFailed


def finite_float(raw: str | None, *, name: str, default: float, minimum: float, maximum: float) -> float:
    """`raw` as a float clamped to [minimum, maximum]; a non-number, a non-finite one or an empty value
    (`?wait=`: a parameter given without a number) is refused. Only an absent parameter means the default."""
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise ValidationFailed(f"{name}: enter a number of seconds.", fields={name: ["Enter a finite number."]})
    return min(max(value, minimum), maximum)
