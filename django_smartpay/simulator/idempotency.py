"""``Idempotency-Key`` handling exactly as spec §11.

Records are kept 6 hours (simulator clock) per (secret key, Idempotency-Key) for POST, PUT and
PATCH.  Same key + same method/path/body → the stored response, replayed with
``Idempotent-Replayed: true``; same key + a different method, path or body → 409
``request.idempotency-key-reused``; same key while the first request still runs → 409
``request.in-progress``.  GET and DELETE ignore the key (the docs name only POST, PUT and PATCH).

Decision: every response the business rules produced (2xx and 4xx) is stored and replayed;
a 5xx, an injected fault or a rejected authentication stores nothing, so the key stays free.
The body is compared as canonical JSON, so the order of keys does not matter.
"""

from __future__ import annotations

import threading
from typing import Any

from .clock import Clock
from .errors import ApiError

TTL_MS = 6 * 60 * 60 * 1000
METHODS = frozenset(("POST", "PUT", "PATCH"))


class Record:
    __slots__ = ("expires_at", "fingerprint", "method", "path", "response")

    def __init__(self, method: str, path: str, fingerprint: bytes, expires_at: int) -> None:
        self.method = method
        self.path = path
        self.fingerprint = fingerprint
        self.expires_at = expires_at
        #: ``None`` while the first request is still running
        self.response: Any = None


class Idempotency:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], Record] = {}
        self._next_purge = 0

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def _purge(self, now: int) -> None:
        if now < self._next_purge:
            return
        self._next_purge = now + 60_000
        for key in [key for key, record in self._records.items() if record.expires_at <= now]:
            del self._records[key]

    def begin(
        self, scope: str, key: str, method: str, path: str, fingerprint: bytes
    ) -> tuple[Record | None, Any]:
        """Return ``(record, None)`` for a new request, or ``(None, stored_response)`` to replay.

        Raises :class:`ApiError` 409 for a key that is in progress or reused with another request.
        """
        now = self.clock.now_ms()
        with self._lock:
            self._purge(now)
            record = self._records.get((scope, key))
            if record is not None and record.expires_at <= now:
                record = None
            if record is None:
                record = Record(method, path, fingerprint, now + TTL_MS)
                self._records[(scope, key)] = record
                return record, None
            if record.response is None:
                raise ApiError(
                    409, "request.in-progress", "A request with this Idempotency-Key is still in progress"
                )
            if (record.method, record.path, record.fingerprint) != (method, path, fingerprint):
                raise ApiError(
                    409,
                    "request.idempotency-key-reused",
                    "This Idempotency-Key was already used with a different request",
                )
            return None, record.response

    def finish(self, scope: str, key: str, record: Record, response: Any) -> None:
        with self._lock:
            if self._records.get((scope, key)) is record:
                record.response = response

    def abandon(self, scope: str, key: str, record: Record) -> None:
        with self._lock:
            if self._records.get((scope, key)) is record:
                del self._records[(scope, key)]
