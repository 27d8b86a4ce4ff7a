"""Injected faults: fail, slow down or "lose" requests that match a method and a path pattern.

A rule matches a request by method (``"*"`` = any) and path (an :mod:`fnmatch` pattern such as
``/v1/orders`` or ``/v1/orders/*``, compared without the query string).  When it fires it can

* answer ``status`` at once, before authentication or any state change (a gateway failure:
  the request is not processed, so a retry with the same Idempotency-Key is a first attempt);
* add ``latency`` seconds before processing (inside the idempotency "in progress" window);
* ``drop_response``: process the request, commit its effects, then lose the answer — the
  server closes the connection, the in-process adapter raises ``ConnectionError``.

``count`` limits how many times a rule fires (``None`` = forever); ``probability`` makes each
match fire at random, from a generator seeded with the simulator's ``seed``.  A :class:`Hold`
stops matching requests inside that window until released, so tests order events without sleeping.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

_DEFAULT: Any = object()


@dataclass
class FaultRule:
    id: str
    method: str
    path: str
    status: int | None
    count: int | None
    probability: float | None
    latency: float
    drop_response: bool
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method == method) and fnmatch.fnmatchcase(path, self.path)


class Hold:
    """Matching requests wait inside the idempotency "in progress" window until :meth:`release`.

    ``entered`` is set when the first one arrives there; after :meth:`release` (or ``timeout``
    seconds, so a forgotten hold cannot hang a test run) every matching request goes through.
    """

    def __init__(self, method: str, path: str, timeout: float = 30.0) -> None:
        self.method = method
        self.path = path
        self.timeout = timeout
        self.entered = threading.Event()
        self._released = threading.Event()

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method == method) and fnmatch.fnmatchcase(path, self.path)

    def wait(self) -> None:
        self.entered.set()
        self._released.wait(self.timeout)

    def release(self) -> None:
        self._released.set()


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._holds: list[Hold] = []
        self._rules: list[FaultRule] = []
        self._next = 1
        self._seed = seed
        self.rng = random.Random(seed)

    def add(
        self,
        method: str = "POST",
        path: str = "/v1/orders",
        status: int | None = _DEFAULT,
        count: int | None = 1,
        probability: float | None = None,
        latency: float = 0.0,
        drop_response: bool = False,
    ) -> str:
        """Add a rule and return its id.

        ``status`` defaults to 503 unless the rule asks for ``latency`` or ``drop_response``
        only; pass ``status=None`` explicitly for a rule that only delays.
        """
        if status is _DEFAULT:
            status = None if (drop_response or latency) else 503
        if drop_response:
            status = None
        if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
            raise ValueError("status must be an HTTP status code between 100 and 599")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer or None")
        if probability is not None and not 0.0 <= float(probability) <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if float(latency) < 0:
            raise ValueError("latency must not be negative")
        with self._lock:
            rule = FaultRule(
                id=f"fault_{self._next}",
                method=str(method).upper(),
                path=str(path),
                status=status,
                count=count,
                probability=None if probability is None else float(probability),
                latency=float(latency),
                drop_response=bool(drop_response),
            )
            self._next += 1
            self._rules.append(rule)
        return rule.id

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def hold(self, method: str, path: str, timeout: float = 30.0) -> Hold:
        """Hold requests matching ``method`` and ``path`` (as for rules) until the hold is released."""
        hold = Hold(method, path, timeout)
        with self._lock:
            self._holds.append(hold)
        return hold

    def wait_at_holds(self, method: str, path: str) -> None:
        """Called by the app inside the "in progress" window: wait at every matching hold."""
        if not self._holds:
            return
        with self._lock:
            holds = [hold for hold in self._holds if hold.matches(method, path)]
        for hold in holds:
            hold.wait()

    def reset(self) -> None:
        with self._lock:
            for hold in self._holds:
                hold.release()
            self._holds.clear()
            self._rules.clear()
            self._next = 1
            self.rng = random.Random(self._seed)

    def seed(self, seed: int | None) -> None:
        with self._lock:
            self._seed = seed
            self.rng = random.Random(seed)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def match(self, method: str, path: str) -> FaultRule | None:
        """The first rule that matches and fires for this request (consuming one of its ``count``)."""
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.probability is not None and self.rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                return rule
        return None
