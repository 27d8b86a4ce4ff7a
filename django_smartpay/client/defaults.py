"""The default and the allowed range of every client option, each written once.

The client, :mod:`django_smartpay.conf` (``DEFAULTS`` and the setting accessors), the
system checks and the charging policy all read them here, so they cannot disagree.
"""

from __future__ import annotations

import math
from typing import Final

#: Smartpay's production API (``/v1`` included).
DEFAULT_API_BASE: Final = "https://api.smartpay.co/v1"
#: The in-process simulator's origin: the one non-loopback http API base allowed, with a test key.
SIMULATOR_ORIGIN: Final = "http://smartpay.simulator"
#: (connect, read) seconds.  The official Python SDK sets no timeout at all (spec §9 item 3).
DEFAULT_TIMEOUT: Final[tuple[float, float]] = (5.0, 30.0)
#: Retries after a connection error, 429 or 5xx, so three attempts in all.
DEFAULT_MAX_RETRIES: Final = 2
#: Full-jitter backoff: a random wait up to ``factor * 2**n`` seconds, at most the maximum.
DEFAULT_BACKOFF_FACTOR: Final = 0.5
DEFAULT_MAX_BACKOFF: Final = 20.0
#: Seconds a webhook signature timestamp may differ from now, either way (spec §11).
DEFAULT_WEBHOOK_TOLERANCE: Final = 300

#: Upper bounds: beyond them a value is a mistake (a claim would never go stale, a
#: replayed webhook would be accepted for days).
MAX_TIMEOUT: Final = 600.0
MAX_RETRIES_LIMIT: Final = 10
MAX_WEBHOOK_TOLERANCE: Final = 3600

Timeout = float | tuple[float, float]


def _seconds(value: object, limit: float) -> float | None:
    """``value`` as float seconds when it is a real number in (0, limit], else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float (10**400)
        return None
    if not math.isfinite(number) or not 0 < number <= limit:
        return None
    return number


def timeout_pair(value: object) -> tuple[float, float]:
    """``(connect, read)`` seconds from a number or a pair (list or tuple); ``ValueError`` otherwise."""
    if isinstance(value, list | tuple):
        parts = [_seconds(part, MAX_TIMEOUT) for part in value]
        if len(parts) == 2 and parts[0] is not None and parts[1] is not None:
            return parts[0], parts[1]
    else:
        single = _seconds(value, MAX_TIMEOUT)
        if single is not None:
            return single, single
    raise ValueError(
        f"must be seconds in (0, {MAX_TIMEOUT:g}] or a (connect, read) pair of them, "
        f"not {type(value).__name__}"
    )


def max_retries(value: object) -> int:
    """``value`` when it is an int in [0, MAX_RETRIES_LIMIT]; ``ValueError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES_LIMIT:
        raise ValueError(f"must be an integer from 0 to {MAX_RETRIES_LIMIT}")
    return value


def backoff(value: object) -> float:
    """A backoff figure: a finite number of seconds >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError("must be a finite number of seconds >= 0")
    return float(value)


def webhook_tolerance(value: object) -> float:
    """Seconds in (0, MAX_WEBHOOK_TOLERANCE]; ``ValueError`` for anything else (``None`` included).

    ``None``, NaN, infinity, a bool, a string or a negative number would switch replay
    protection off or make every delivery fail, so none of them is accepted here.
    """
    seconds = _seconds(value, MAX_WEBHOOK_TOLERANCE)
    if seconds is None:
        raise ValueError(f"must be seconds in (0, {MAX_WEBHOOK_TOLERANCE}], not {type(value).__name__}")
    return seconds


def attempt_seconds(timeout: object, retries: object) -> float:
    """The longest one call can take with ``timeout`` and ``retries``: every try and every wait.

    requests applies a single number to the connect and to the read timeout separately,
    so each try may take connect + read seconds.
    """
    connect, read = timeout_pair(timeout)
    count = max_retries(retries)
    waits = sum(min(DEFAULT_MAX_BACKOFF, DEFAULT_BACKOFF_FACTOR * 2**n) for n in range(count))
    return (connect + read) * (count + 1) + waits
