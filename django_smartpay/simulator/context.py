"""The per-request context handed to every business-rule function."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .errors import not_found

if TYPE_CHECKING:
    from .simulator import Simulator
    from .store import Account


class Ctx:
    """One request (or shopper helper call) against one account, at one instant of the clock.

    Business rules record the events they cause with :meth:`emit`; the events are turned
    into webhook deliveries only when the whole operation has succeeded.
    """

    __slots__ = ("account", "events", "now", "sim", "store", "touched")

    def __init__(self, sim: Simulator, account: Account, now: int | None = None) -> None:
        self.sim = sim
        self.store = sim.store
        self.account = account
        self.now = sim.clock.now_ms() if now is None else now
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.touched: list[str] = []

    def new_id(self, prefix: str) -> str:
        return self.store.new_id(prefix, self.account)

    def base(self, prefix: str, object_name: str) -> dict[str, Any]:
        """The fields every object starts with, in the order Smartpay writes them."""
        return {
            "id": self.new_id(prefix),
            "object": object_name,
            "test": not self.account.live,
            "createdAt": self.now,
            "updatedAt": self.now,
        }

    def add(self, obj: dict[str, Any], internal: dict[str, Any] | None = None) -> dict[str, Any]:
        self.store.add(self.account, obj, internal)
        self.touched.append(obj["id"])
        return obj

    def touch(self, obj: dict[str, Any]) -> None:
        obj["updatedAt"] = self.now
        if obj["id"] not in self.touched:
            self.touched.append(obj["id"])

    def get(self, object_id: Any, object_name: str) -> dict[str, Any]:
        """The object or 404 ``<resource>.not-found`` (also for malformed ids, §11)."""
        obj = self.account.get(object_id, object_name) if isinstance(object_id, str) else None
        if obj is None:
            raise not_found(object_name)
        return obj

    def internal(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.account.internal[obj["id"]]

    def emit(self, event_type: str, obj: dict[str, Any]) -> None:
        """Queue event ``event_type`` whose data is a snapshot of ``obj`` as it is now."""
        self.events.append((event_type, copy.deepcopy(obj)))


class Call:
    """What a route handler receives: path parameters, query parameters and the parsed JSON body."""

    __slots__ = ("body", "params", "query")

    def __init__(self, params: tuple[str, ...], query: dict[str, str], body: Any = None) -> None:
        self.params = params
        self.query = query
        self.body = body

    @property
    def id(self) -> str:
        return self.params[0]
