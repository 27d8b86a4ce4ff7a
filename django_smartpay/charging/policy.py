"""Timing rules of token charges: retries, claims, the idempotency window.

Smartpay keeps an ``Idempotency-Key`` 6 hours (spec §1.4): within that window a
charge may be resent with its key; after it, never (reconciliation finds the order
by reference instead).  What depends on the project is derived from its settings.
"""

from __future__ import annotations

import datetime as dt
import random

from .. import conf
from ..client import transport

#: How long Smartpay keeps an idempotency key (spec §1.4, §11).
KEY_WINDOW = dt.timedelta(hours=6)
#: A charge is not sent again once less than this remains of its key's window.
WINDOW_SAFETY_MARGIN = dt.timedelta(minutes=30)
#: Retry delays after a transient error: ``RETRY_BASE_DELAY x 2**(attempt-1)``, at most
#: ``RETRY_MAX_DELAY`` seconds, with jitter (between half and all of it).
RETRY_BASE_DELAY = 5.0
RETRY_MAX_DELAY = 600.0
#: Orders are searched from ``charge.created - RECONCILE_MARGIN`` on (clock skew allowance).
RECONCILE_MARGIN = dt.timedelta(minutes=10)
#: A pending charge this long past its next attempt lost its task message: send a new one.
LOST_AFTER = dt.timedelta(minutes=15)
#: Without a broker (``task_always_eager``) a transient error is retried at once this many times;
#: after that the charge stays ``pending`` for ``smartpay_reconcile``.
EAGER_RETRIES = 5
#: Seconds added to the longest time one attempt can take, to make a claim stale.
CLAIM_SLACK = 5.0


def attempt_timeout() -> float:
    """The longest one ``POST /orders`` can take, client retries and their waits included.

    Read from ``SMARTPAY["TIMEOUT"]`` and ``SMARTPAY["MAX_RETRIES"]`` (their defaults are
    :data:`conf.DEFAULTS`) and the client transport's backoff: nothing is repeated here.
    """
    timeout = conf.get_setting("TIMEOUT")
    # requests applies a single number to the connect and to the read timeout separately.
    connect, read = timeout if isinstance(timeout, list | tuple) else (timeout, timeout)
    retries = int(conf.get_setting("MAX_RETRIES"))
    waits = sum(
        min(transport.DEFAULT_MAX_BACKOFF, transport.DEFAULT_BACKOFF_FACTOR * 2**n) for n in range(retries)
    )
    return (float(connect) + float(read)) * (retries + 1) + waits


def claim_timeout() -> float:
    """Seconds after which a ``processing`` claim is stale: its worker is presumed gone.

    Taking over a stale claim is safe even when the first worker is only slow: the
    takeover sends the same key, so Smartpay answers with the first request's
    result (or 409 ``request.in-progress``) instead of charging again.
    """
    return attempt_timeout() + CLAIM_SLACK


def retry_delay(attempts: int) -> float:
    """Seconds to wait before the attempt after ``attempts`` attempts."""
    ceiling = min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * 2 ** max(attempts - 1, 0))
    return random.uniform(ceiling / 2, ceiling)


def longest_countdown() -> float:
    """The longest countdown a charge task is retried with (a broker must keep it unacked that long)."""
    return max(RETRY_MAX_DELAY, claim_timeout() + 1)


def resend_deadline(first_attempt_at: dt.datetime) -> dt.datetime:
    """After this moment the charge must not be sent again."""
    return first_attempt_at + KEY_WINDOW - WINDOW_SAFETY_MARGIN


def window_end(first_attempt_at: dt.datetime) -> dt.datetime:
    """When Smartpay forgets the key: an order that does not exist by then never will."""
    return first_attempt_at + KEY_WINDOW
