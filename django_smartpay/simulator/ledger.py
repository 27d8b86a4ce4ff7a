"""The ledger: one entry per mutating request, in arrival order, for assertions and debugging.

``sim.ledger`` is a plain list (cleared in place by ``reset()``); each entry is
``{"seq", "time", "method", "path", "idempotency_key", "status", "errorCode", "replayed",
"object_ids", "account", "fault"}``.  ``object_ids`` are the objects the request created or
changed, ``account`` the label of the key's account (``acct_test_…``, never the key itself;
``None`` for shopper/Bearer and unauthenticated calls).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

MUTATING = frozenset(("POST", "PUT", "PATCH", "DELETE"))


class Ledger(list):
    """A list of ledger entries that can be appended to from many threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def record(
        self,
        *,
        time: int,
        method: str,
        path: str,
        idempotency_key: str | None,
        status: int,
        error_code: str | None = None,
        replayed: bool = False,
        object_ids: list[str] | None = None,
        account: str | None = None,
        fault: str | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            entry = {
                "seq": next(self._seq),
                "time": time,
                "method": method,
                "path": path,
                "idempotency_key": idempotency_key,
                "status": status,
                "errorCode": error_code,
                "replayed": replayed,
                "object_ids": list(object_ids or ()),
                "account": account,
                "fault": fault,
            }
            self.append(entry)
        return entry

    def reset(self) -> None:
        with self._lock:
            self.clear()
            self._seq = itertools.count(1)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self]
