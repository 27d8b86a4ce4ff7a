"""The per-request context handed to every business-rule function, and the simulator as its parts see it.

:class:`Host` lists what the modules the :class:`~.simulator.Simulator` is built from use of
it, so that they depend on this description and not on ``simulator.py``, which imports them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Protocol

from .clock import Clock
from .errors import not_found
from .faults import Faults
from .idempotency import Idempotency
from .ledger import Ledger
from .outcomes import Outcomes
from .response import Response
from .store import Account, Store


class Queue(Protocol):
    """Where events become webhook deliveries (:class:`.delivery.Deliveries`)."""

    def queue(
        self, account: Account, event: dict[str, Any], endpoint: dict[str, Any], body: bytes, now: int
    ) -> None: ...


class Handler(Protocol):
    """What answers one request (:class:`.app.Application`)."""

    def handle(self, environ: dict[str, Any]) -> Response: ...


class Host(Protocol):
    """The :class:`~.simulator.Simulator`, as the request handlers, deliveries and control routes use it."""

    store: Store
    clock: Clock
    faults: Faults
    idempotency: Idempotency
    ledger: Ledger
    outcomes: Outcomes
    origin: str
    url_key: bytes
    strict_amounts: bool
    access_tokens: dict[str, str]
    webhook_sender: Callable[[str, dict[str, str], bytes], int]
    webhook_speed: float
    webhook_timestamps: str
    merchant_name: str
    checkout_forward_seconds: float | None

    @property
    def deliveries(self) -> Queue: ...
    @property
    def app(self) -> Handler: ...
    @property
    def api_base(self) -> str: ...
    def after_request(self) -> None: ...
    def register_key(self, secret_key: str) -> str: ...
    def knows_key(self, secret_key: str) -> bool: ...
    def reset(self) -> None: ...
    def objects(self, account_key: str | None = None, kind: str | None = None) -> list[dict[str, Any]]: ...
    def get_object(self, object_id: str) -> dict[str, Any]: ...
    def deliver_webhooks(self) -> list[dict[str, Any]]: ...
    def delivery_log(self, event_id: str | None = None) -> list[dict[str, Any]]: ...
    def redeliver(self, delivery_id: str) -> dict[str, Any]: ...
    def approve_token(self, token_id: str) -> dict[str, Any]: ...
    def reject_token(self, token_id: str) -> dict[str, Any]: ...
    def authorize_order(self, order_id: str) -> dict[str, Any]: ...
    def reject_order(self, order_id: str, *, kind: str = "hard") -> dict[str, Any]: ...
    def set_token_outcome(self, token_id: str, outcome: str, *, count: int | None = None) -> None: ...
    def set_order_outcome(self, order_id: str, outcome: str, *, count: int | None = None) -> None: ...
    def token_outcome(self, token_id: str) -> tuple[str, int | None]: ...
    def order_outcome(self, order_id: str) -> tuple[str, int | None]: ...


class Ctx:
    """One request (or shopper helper call) against one account, at one instant of the clock.

    Business rules record the events they cause with :meth:`emit`; the events are turned
    into webhook deliveries only when the whole operation has succeeded.
    """

    __slots__ = ("account", "events", "now", "sim", "store", "touched")

    def __init__(self, sim: Host, account: Account, now: int | None = None) -> None:
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
