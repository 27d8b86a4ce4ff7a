"""Webhook delivery: signed POSTs, retries on the §11 schedule, and a log of every attempt.

``Smartpay-Signature`` is the lowercase hex HMAC-SHA256 of ``"<ts>.<body>"`` keyed with the
base62-decoded ``signingSecret`` (spec §7.2, §11).  Whether Smartpay re-signs a retry is not known,
so ``sim.webhook_timestamps`` chooses: ``"fresh"`` (default) signs each attempt with the clock at
that attempt; ``"original"`` resends the first attempt's timestamp and signature.  Only HTTP 200
is a success (any other status, 2xx included, or an exception from the sender is a failure, as
Smartpay's docs say); attempt *n* is due ``SCHEDULE[n]`` seconds (divided by the speed factor)
after the event, then the delivery is ``failed``.  A delivery whose endpoint was deleted or
deactivated in the meantime fails without a request.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from typing import Any

import requests

from django_smartpay.client import base62
from django_smartpay.client.errors import redact

from .context import Host
from .store import Account

#: Seconds after the event at which attempts 1…6 are due (spec §11).
SCHEDULE = (0, 5, 30, 120, 600, 3600)
TIMEOUT_SECONDS = 10
#: ``Simulator.webhook_timestamps`` values: sign each attempt afresh, or resend the first signature.
FRESH, ORIGINAL = "fresh", "original"
TIMESTAMP_MODES = (FRESH, ORIGINAL)

Sender = Callable[[str, dict[str, str], bytes], int]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(base62.decode(secret), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def post_with_requests(url: str, headers: dict[str, str], body: bytes) -> int:
    """The default sender: a real HTTP POST (10 s timeout, redirects not followed)."""
    response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    return response.status_code


class Delivery:
    __slots__ = (
        "account",
        "attempts",
        "body",
        "created_at",
        "endpoint_id",
        "event_id",
        "event_type",
        "id",
        "in_flight",
        "next_at",
        "scheduled",
        "signed",
        "status",
    )

    def __init__(
        self,
        delivery_id: str,
        account: Account,
        event: dict[str, Any],
        endpoint_id: str,
        body: bytes,
        now: int,
    ):
        self.id = delivery_id
        self.account = account
        self.event_id: str = event["id"]
        self.event_type: str = event["eventData"]["type"]
        self.endpoint_id = endpoint_id
        self.body = body
        self.created_at = now
        self.next_at: int | None = now
        self.status = "pending"
        self.scheduled = 0
        self.in_flight = False
        self.attempts: list[dict[str, Any]] = []
        #: (timestamp, signature) of the first attempt that sent a request
        self.signed: tuple[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event_id,
            "eventType": self.event_type,
            "endpoint": self.endpoint_id,
            "account": self.account.label,
            "status": self.status,
            "createdAt": self.created_at,
            "nextAttemptAt": self.next_at,
            "attempts": [dict(attempt) for attempt in self.attempts],
            "body": self.body.decode("utf-8"),
        }


class Deliveries:
    def __init__(self, sim: Host) -> None:
        self.sim = sim
        self._lock = threading.Lock()
        self._items: list[Delivery] = []
        self._by_id: dict[str, Delivery] = {}
        self.wakeup = threading.Event()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._by_id.clear()

    def queue(
        self, account: Account, event: dict[str, Any], endpoint: dict[str, Any], body: bytes, now: int
    ) -> None:
        delivery_id = "whdelivery_" + self.sim.store.random_string()
        delivery = Delivery(delivery_id, account, event, endpoint["id"], body, now)
        with self._lock:
            self._items.append(delivery)
            self._by_id[delivery_id] = delivery
        self.wakeup.set()

    def log(self, event_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [item.as_dict() for item in self._items if event_id is None or item.event_id == event_id]

    def _claim_due(self) -> list[Delivery]:
        now = self.sim.clock.now_ms()
        with self._lock:
            due = [
                item
                for item in self._items
                if item.status == "pending"
                and not item.in_flight
                and item.next_at is not None
                and item.next_at <= now
            ]
            for item in due:
                item.in_flight = True
        return due

    def has_due(self) -> bool:
        now = self.sim.clock.now_ms()
        with self._lock:
            return any(
                item.status == "pending"
                and not item.in_flight
                and item.next_at is not None
                and item.next_at <= now
                for item in self._items
            )

    def deliver_due(self) -> list[dict[str, Any]]:
        """Attempt every delivery that is due now, oldest first; return the attempt records."""
        return [self._attempt(item, manual=False) for item in self._claim_due()]

    def redeliver(self, delivery_id: str) -> dict[str, Any]:
        """One extra attempt now, whatever the delivery's state (``KeyError`` if unknown)."""
        with self._lock:
            item = self._by_id[delivery_id]
            item.in_flight = True
        return self._attempt(item, manual=True)

    def _attempt(self, item: Delivery, *, manual: bool) -> dict[str, Any]:
        sim = self.sim
        with sim.store.lock:
            endpoint = item.account.objects.get(item.endpoint_id)
            gone = endpoint is None or item.account.internal[item.endpoint_id].get("deleted")
            inactive = endpoint is not None and not endpoint["active"]
            url = endpoint["url"] if endpoint else ""
            secret = endpoint["signingSecret"] if endpoint else ""
        now = str(sim.clock.now_ms())
        timestamp, signature = now, ""
        status: int | None = None
        error: str | None = None
        if gone or inactive:
            error = "endpoint deleted" if gone else "endpoint inactive"
        else:
            with self._lock:
                if item.signed is None or sim.webhook_timestamps != ORIGINAL:
                    item.signed = (now, sign(secret, now, item.body))
                timestamp, signature = item.signed
            headers = {
                "Content-Type": "application/json",
                "Smartpay-Signature": signature,
                "Smartpay-Signature-Timestamp": timestamp,
                "Smartpay-Event-Id": item.event_id,
                "Smartpay-Subscription-Id": item.endpoint_id,
            }
            try:
                status = int(sim.webhook_sender(url, headers, item.body))
                if status != 200:
                    error = f"HTTP {status}"
            except Exception as exc:  # the receiver's failure is data for the log, not ours
                error = redact(f"{type(exc).__name__}: {exc}")
        ok = error is None
        with self._lock:
            record = {
                "delivery": item.id,
                "event": item.event_id,
                "eventType": item.event_type,
                "endpoint": item.endpoint_id,
                "url": redact(url),  # credentials in an endpoint URL are not shown
                "attempt": len(item.attempts) + 1,
                "manual": manual,
                "time": int(now),
                "signatureTimestamp": int(timestamp) if signature else None,
                "status": status,
                "ok": ok,
                "error": error,
            }
            item.attempts.append(record)
            item.in_flight = False
            if ok:
                item.status, item.next_at = "succeeded", None
            elif gone or inactive:
                item.status, item.next_at = "failed", None
            elif not manual and item.status == "pending":
                item.scheduled += 1
                if item.scheduled < len(SCHEDULE):
                    delay_ms = SCHEDULE[item.scheduled] * 1000 / sim.webhook_speed
                    item.next_at = item.created_at + round(delay_ms)
                else:
                    item.status, item.next_at = "failed", None
        return dict(record)
