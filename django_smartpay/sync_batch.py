"""A batch: the objects of one sync call, nested ones included, and what its kinds hand on.

Objects are collected by kind and Smartpay id (the newest copy of an object wins by
:func:`.sync_fields.precedence`); as the engine writes each kind, the batch gathers the
parents whose totals must be summed again, the rows written and the signals to send.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .models import MODELS_BY_OBJECT
from .sync_fields import precedence, stored_data


@dataclass
class Item:
    """One object to write, and the user to set on it (checkout sessions, tokens, orders)."""

    data: dict
    user: Any = None


@dataclass
class Batch:
    """The objects of one sync by kind and Smartpay id, and what writing each kind hands on."""

    items: dict[str, dict[str, Item]] = field(default_factory=lambda: defaultdict(dict))
    rows: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    #: Parents (payments, orders) whose totals a written child may have changed.
    refresh: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    callbacks: list[Callable[[], None]] = field(default_factory=list)
    #: Sum the totals of every parent in the batch again (explicit syncs), not only of
    #: new ones and those whose children changed (events).
    recount_all: bool = False
    #: ``(kind, smartpay id)`` of objects the caller knows are not mirrored: not looked up.
    absent: frozenset[tuple[str, str]] = frozenset()

    def add(self, data: dict, user: Any, *, top_level: bool) -> tuple[str, str] | None:
        if not isinstance(data, dict):
            raise TypeError(f"a Smartpay object must be a dict, not {type(data).__name__}")
        kind = data.get("object")
        if not isinstance(kind, str) or kind not in MODELS_BY_OBJECT or not data.get("id"):
            if top_level:
                raise ValueError(f"not a Smartpay object that django_smartpay mirrors: object={kind!r}")
            return None
        inherited = user if kind in ("checkoutSession", "token", "order") else None
        for child in nested(data):
            self.add(child, inherited, top_level=False)
        known = self.items[kind].get(data["id"])
        if known is None or precedence(stored_data(data)) >= precedence(stored_data(known.data)):
            self.items[kind][data["id"]] = Item(data, inherited or (known.user if known else None))
        elif inherited is not None:
            known.user = inherited
        return kind, data["id"]


def nested(data: dict) -> Iterable[dict]:
    """Expanded objects of mirrored kinds found in the fields of ``data``."""
    for value in data.values():
        candidates = value if isinstance(value, list) else [value]
        for candidate in candidates:
            if isinstance(candidate, dict) and candidate.get("object") in MODELS_BY_OBJECT:
                yield candidate
