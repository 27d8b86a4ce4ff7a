"""The simulator's state: credentials, merchants, payments, the clock and injected error codes.

Statuses move Created → InProgress → Succeeded (the ones the document shows) by the control
call; a ``Created`` payment whose ``expiresAt`` has passed becomes ``Expired`` (a name the
document does not give: the simulator's decision) the next time the state is read.
"""

from __future__ import annotations

import random
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ..client.wire import CREATED, EXPIRED, IN_PROGRESS, SUCCEEDED, format_timestamp, parse_timestamp
from . import rules
from .rules import ApiError

#: Token codes every merchant accepts unless told otherwise.
DEFAULT_TOKENS: Final = frozenset({"bUSDT", "bUSDC", "USDT", "USDC"})
#: Lifetime of a payment created without ``expiresAt`` (the document gives none).
DEFAULT_LIFETIME: Final = timedelta(hours=24)
#: Moves the control call allows.
TRANSITIONS: Final = {
    CREATED: frozenset({IN_PROGRESS, EXPIRED}),
    IN_PROGRESS: frozenset({SUCCEEDED}),
}
ID_LENGTH: Final = 22
_ALPHABET: Final = string.ascii_letters + string.digits


@dataclass
class Merchant:
    id: str
    api_key: str
    tokens: frozenset[str]


@dataclass
class StoredPayment:
    seq: int
    merchant_id: str
    api_key: str
    obj: dict[str, Any]


@dataclass
class Injection:
    code: str
    status: int
    method: str
    path: str
    count: int


@dataclass
class State:
    seed: int | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    credentials: dict[str, str] = field(default_factory=dict)
    merchants: dict[str, Merchant] = field(default_factory=dict)
    payments: dict[str, StoredPayment] = field(default_factory=dict)
    injections: list[Injection] = field(default_factory=list)
    #: Undocumented properties added to every payment object (clients must ignore them).
    extra_properties: dict[str, Any] = field(default_factory=dict)
    offset: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.seq = 0

    # --- clock and ids ---------------------------------------------------------------------

    def now(self) -> datetime:
        return (datetime.now(UTC) + self.offset).replace(microsecond=0)

    def new_id(self) -> str:
        while True:
            candidate = "".join(self.rng.choice(_ALPHABET) for _ in range(ID_LENGTH))
            if candidate not in self.payments:
                return candidate

    # --- accounts -------------------------------------------------------------------------

    def authenticate(self, api_key: str, secret: str) -> bool:
        known = self.credentials.get(api_key)
        return known is not None and known == secret

    # --- payments -------------------------------------------------------------------------

    def expire_due(self) -> None:
        now = self.now()
        for stored in self.payments.values():
            moment = parse_timestamp(stored.obj.get("expiresAt"))
            if stored.obj["status"] == CREATED and moment is not None and moment <= now:
                stored.obj["status"] = EXPIRED

    def render(self, stored: StoredPayment) -> dict[str, Any]:
        return {**self.extra_properties, **stored.obj}

    def create(self, api_key: str, body: object) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise rules.invalid("The body must be a JSON object")
        merchant_id = body.get("merchantId")
        if not isinstance(merchant_id, str) or not merchant_id:
            raise rules.invalid("merchantId is required")
        merchant = self.merchants.get(merchant_id)
        if merchant is None or merchant.api_key != api_key:
            raise ApiError(400, "MerchantNotFound", "The merchant given in merchantId is not found")
        if "amount" not in body:
            raise rules.invalid("amount is required")
        amount = rules.amount(body["amount"], merchant.tokens)
        now = self.now()
        expires = (
            rules.expires_at(body["expiresAt"], now)
            if body.get("expiresAt") is not None
            else now + DEFAULT_LIFETIME
        )
        obj: dict[str, Any] = {
            "id": self.new_id(),
            "amount": amount,
            "createdAt": format_timestamp(now),
            "expiresAt": format_timestamp(expires),
            "status": CREATED,
        }
        if body.get("metadata") is not None:
            obj["metadata"] = rules.metadata(body["metadata"])
        if body.get("description") is not None:
            obj["description"] = rules.description(body["description"])
        self.seq += 1
        stored = StoredPayment(self.seq, merchant_id, api_key, obj)
        self.payments[obj["id"]] = stored
        return self.render(stored)

    def get(self, api_key: str, payment_id: str) -> dict[str, Any]:
        stored = self.payments.get(payment_id)
        if stored is None or stored.api_key != api_key:
            raise ApiError(404, "PaymentNotFound", "Payment not found")
        return self.render(stored)

    def search(self, api_key: str, body: object) -> dict[str, Any]:
        predicates, limit, offset = rules.search({} if body is None else body)
        found = [
            stored
            for stored in self.payments.values()
            if stored.api_key == api_key
            and ("statusIn" not in predicates or stored.obj["status"] in predicates["statusIn"])
            and ("idIn" not in predicates or stored.obj["id"] in predicates["idIn"])
            and ("merchantId" not in predicates or stored.merchant_id == predicates["merchantId"])
        ]
        found.sort(key=lambda stored: stored.seq, reverse=True)  # newest first
        return {
            "list": [self.render(stored) for stored in found[offset : offset + limit]],
            "page": {"limit": limit, "offset": offset},
        }

    def move(self, payment_id: str, status: str, error_code: str | None = None) -> dict[str, Any]:
        """The control call: move a payment to ``status`` along :data:`TRANSITIONS`."""
        stored = self.payments.get(payment_id)
        if stored is None:
            raise ApiError(404, "PaymentNotFound", "Payment not found")
        current = stored.obj["status"]
        if status not in TRANSITIONS.get(current, frozenset()):
            raise rules.invalid(f"A payment cannot move from {current} to {status}")
        stored.obj["status"] = status
        if error_code is not None:
            stored.obj["errorCode"] = error_code
        return self.render(stored)

    def take_injection(self, method: str, path: str) -> Injection | None:
        for injection in self.injections:
            if injection.method == method and injection.path == path:
                injection.count -= 1
                if injection.count <= 0:
                    self.injections.remove(injection)
                return injection
        return None
