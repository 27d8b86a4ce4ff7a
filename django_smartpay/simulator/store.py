"""In-memory state: one :class:`Account` per secret key, guarded by one re-entrant lock.

Objects are kept as their *unexpanded* API representation (the dict a GET without
``expand`` returns); private bookkeeping that is not part of the API shape (captured
amounts, original order amounts, …) lives beside it in ``Account.internal``.
"""

from __future__ import annotations

import copy
import hashlib
import random
import secrets
import threading
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ID_LENGTH = 22

#: ``kind`` aliases accepted by :meth:`Store.objects` (URL path names and object names).
KIND_ALIASES = {
    "checkout-sessions": "checkoutSession",
    "orders": "order",
    "payments": "payment",
    "refunds": "refund",
    "tokens": "token",
    "coupons": "coupon",
    "promotion-codes": "promotionCode",
    "webhook-endpoints": "webhookEndpoint",
    "events": "event",
    "line-items": "lineItem",
    "discounts": "discount",
}


def account_label(key: str) -> str:
    """The non-secret name of the account of a secret key: ``acct_<mode>_<16 hex of its SHA-256>``.

    The control API, the ledger and the simulator's pages show this, never the key.
    """
    mode = "live" if key.startswith("sk_live_") else "test"
    return f"acct_{mode}_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def mask_secret(value: str) -> str:
    """A secret shown by the control API: its last four characters at most, never all of it."""
    return "***" + value[-4:] if len(value) >= 16 else "***"


class Account:
    """Everything one secret key owns.  Objects of one key are invisible to every other key."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.label = account_label(key)
        self.live = key.startswith("sk_live_")
        self.mode = "live" if self.live else "test"
        self.objects: dict[str, dict[str, Any]] = {}
        self.internal: dict[str, dict[str, Any]] = {}
        #: object name -> ids in creation order (lists are served newest first)
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        #: lower-cased promotion code text -> promotion code id (uniqueness is case-insensitive)
        self.promotion_codes: dict[str, str] = {}
        #: orders in ``requires_capture``: the only ones the 7-day expiry can touch
        self.awaiting_capture: set[str] = set()
        #: opaque page token -> (object name, cursor); and the reverse, so tokens are reused
        self.page_tokens: dict[str, tuple[str, int | None]] = {}
        self.page_token_of: dict[tuple[str, int | None], str] = {}

    def get(self, object_id: str | None, object_name: str) -> dict[str, Any] | None:
        obj = self.objects.get(object_id) if object_id is not None else None
        if obj is None or obj.get("object") != object_name:
            return None
        return obj


class Store:
    """All accounts, the id index across accounts and the id/secret random source."""

    def __init__(self, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.rng = random.Random(seed)
        self.accounts: dict[str, Account] = {}
        #: object id -> owning account, for shopper-side lookups and ``Simulator.get_object``
        self.index: dict[str, Account] = {}

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self.seed)
            self.accounts.clear()
            self.index.clear()

    def account(self, key: str) -> Account:
        account = self.accounts.get(key)
        if account is None:
            with self.lock:
                account = self.accounts.setdefault(key, Account(key))
        return account

    def by_label(self, label: str) -> Account | None:
        """The account whose :func:`account_label` is ``label`` (``None`` if there is none)."""
        with self.lock:
            return next((account for account in self.accounts.values() if account.label == label), None)

    def random_string(self, length: int = ID_LENGTH) -> str:
        return "".join(self.rng.choices(ID_ALPHABET, k=length))

    def random_bytes(self, count: int) -> bytes:
        """Secret material: from :mod:`secrets` unless the simulator was seeded."""
        if self.seed is None:
            return secrets.token_bytes(count)
        return self.rng.randbytes(count)

    def new_id(self, prefix: str, account: Account) -> str:
        """``<prefix>_<test|live>_<22 base62 characters>``."""
        while True:
            candidate = f"{prefix}_{account.mode}_{self.random_string()}"
            if candidate not in self.index:
                return candidate

    def add(
        self, account: Account, obj: dict[str, Any], internal: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        object_id = obj["id"]
        account.objects[object_id] = obj
        account.internal[object_id] = internal if internal is not None else {}
        account.by_kind[obj["object"]].append(object_id)
        self.index[object_id] = account
        return obj

    def find(self, object_id: str) -> tuple[Account, dict[str, Any]] | None:
        account = self.index.get(object_id)
        if account is None:
            return None
        return account, account.objects[object_id]

    def iter_objects(
        self, account_key: str | None = None, kind: str | None = None
    ) -> Iterator[dict[str, Any]]:
        name = KIND_ALIASES.get(kind, kind) if kind else None
        accounts = [self.accounts[account_key]] if account_key in self.accounts else []
        if account_key is None:
            accounts = list(self.accounts.values())
        for account in accounts:
            kinds = [name] if name else list(account.by_kind)
            for object_name in kinds:
                for object_id in account.by_kind.get(object_name, ()):
                    yield account.objects[object_id]

    def objects(self, account_key: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """Deep copies of every object created, oldest first, optionally filtered."""
        with self.lock:
            return [copy.deepcopy(obj) for obj in self.iter_objects(account_key, kind)]
