"""Declines on demand: what Smartpay's underwriting answers for the next orders of a token or an order.

A rule is ``(outcome, remaining)``: ``remaining`` attempts (``None`` = until changed) get ``outcome``,
then the rule is dropped and attempts are approved again.  Rules are consumed only by an attempt that
reaches the underwriting step (never by a refused request or an idempotent replay).
"""

from __future__ import annotations

import threading

APPROVE = "approve"
DECLINE = "decline"
SOFT_DECLINE = "soft_decline"
UNUSABLE = "unusable"

#: What a token order may answer (``unusable``: the token is not active anymore).
TOKEN_OUTCOMES = (APPROVE, DECLINE, SOFT_DECLINE, UNUSABLE)
#: What the authorization of an order (checkout or a retried soft decline) may answer.
ORDER_OUTCOMES = (APPROVE, DECLINE, SOFT_DECLINE)


class Outcomes:
    """Per-object outcome rules, keyed by token id or order id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, tuple[str, int | None]] = {}

    def set(self, object_id: str, outcome: str, count: int | None, allowed: tuple[str, ...]) -> None:
        if outcome not in allowed:
            raise ValueError(f"outcome must be one of: {', '.join(allowed)}")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer or None")
        with self._lock:
            if outcome == APPROVE:
                self._rules.pop(object_id, None)
            else:
                self._rules[object_id] = (outcome, count)

    def peek(self, object_id: str) -> tuple[str, int | None]:
        """The rule in force: ``(outcome, remaining)``; ``("approve", None)`` when there is none."""
        with self._lock:
            return self._rules.get(object_id, (APPROVE, None))

    def take(self, object_id: str) -> str:
        """The outcome of one attempt on ``object_id``, counting it against the rule."""
        with self._lock:
            outcome, remaining = self._rules.get(object_id, (APPROVE, None))
            if remaining is not None:
                if remaining <= 1:
                    del self._rules[object_id]
                else:
                    self._rules[object_id] = (outcome, remaining - 1)
            return outcome

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
