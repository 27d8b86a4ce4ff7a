"""The simulator's clock: real time plus an offset that tests move forward.

Order expiry, idempotency-key expiry and webhook retry times are all read from
this clock, so ``clock.advance(7 * 86400)`` makes a week pass at once.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Milliseconds since the Unix epoch; ``advance``/``set`` move it, ``freeze`` stops it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset_ms = 0
        self._frozen_ms: int | None = None

    def now_ms(self) -> int:
        frozen = self._frozen_ms
        if frozen is not None:
            return frozen
        return time.time_ns() // 1_000_000 + self._offset_ms

    def advance(self, seconds: float) -> int:
        """Move the clock forward by ``seconds`` (may be fractional); return the new time."""
        delta = round(float(seconds) * 1000)
        with self._lock:
            if self._frozen_ms is not None:
                self._frozen_ms += delta
            else:
                self._offset_ms += delta
        return self.now_ms()

    def set(self, ms: int) -> int:
        """Make ``now_ms()`` return ``ms`` now (it keeps ticking unless frozen)."""
        with self._lock:
            if self._frozen_ms is not None:
                self._frozen_ms = int(ms)
            else:
                self._offset_ms = int(ms) - time.time_ns() // 1_000_000
        return self.now_ms()

    def freeze(self, ms: int | None = None) -> int:
        """Stop the clock at ``ms`` (default: now) until :meth:`unfreeze`."""
        with self._lock:
            self._frozen_ms = self.now_ms() if ms is None else int(ms)
            return self._frozen_ms

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_ms is not None:
                self._offset_ms = self._frozen_ms - time.time_ns() // 1_000_000
                self._frozen_ms = None

    def reset(self) -> None:
        with self._lock:
            self._offset_ms = 0
            self._frozen_ms = None
