"""The :class:`Simulator` facade: one stateful, local Smartpay.

.. code-block:: python

    sim = Simulator(keys=["sk_test_x"])    # origin http://smartpay.simulator
    http = sim.session()                   # requests.Session routed to the WSGI app in-process
    http.post(sim.api_base + "/coupons", json={...}, headers={"Authorization": "Basic sk_test_x"})

Every registered ``sk_test_…``/``sk_live_…`` key (``keys=``, :meth:`register_key`) is an account
of its own; any other key gets 401 unless ``accept_any_key``.  Webhooks go through
``sim.webhook_sender(url, headers, body) -> status``; with ``auto_deliver_webhooks`` they are sent
right after the request that caused them, failed ones again by :meth:`deliver_webhooks` once the
clock says they are due.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterable
from typing import Any

import requests

from ..client.defaults import SIMULATOR_ORIGIN
from . import delivery
from .app import Application
from .clock import Clock
from .context import Ctx
from .errors import ApiError, not_found
from .events import commit
from .faults import Faults
from .idempotency import Idempotency
from .inprocess import InProcessAdapter
from .ledger import Ledger
from .outcomes import ORDER_OUTCOMES, TOKEN_OUTCOMES, Outcomes
from .page_text import DEFAULT_MERCHANT_NAME, check_merchant_name
from .resources import orders, tokens
from .store import Store, account_label

DEFAULT_ORIGIN = SIMULATOR_ORIGIN
#: Seconds the checkout page's "approved" result waits before it follows ``successUrl`` by itself.
CHECKOUT_FORWARD_SECONDS = 3.0
SECRET_KEY_PATTERN = re.compile(r"sk_(?:test|live)_[0-9A-Za-z]+")


class Simulator:
    """A faithful local Smartpay (see the package docstring for the decisions it implements)."""

    def __init__(
        self,
        origin: str = DEFAULT_ORIGIN,
        webhook_speed: float = 1.0,
        seed: int | None = None,
        auto_deliver_webhooks: bool = True,
        webhook_timestamps: str = delivery.FRESH,
        keys: Iterable[str] = (),
        accept_any_key: bool = False,
        strict_amounts: bool = False,
        merchant_name: str = DEFAULT_MERCHANT_NAME,
    ) -> None:
        if webhook_speed <= 0:
            raise ValueError("webhook_speed must be positive")
        if webhook_timestamps not in delivery.TIMESTAMP_MODES:
            raise ValueError("webhook_timestamps must be 'fresh' or 'original'")
        #: ``"fresh"``: each delivery attempt is signed with the time of that attempt;
        #: ``"original"``: retries resend the first attempt's timestamp and signature.
        self.webhook_timestamps = webhook_timestamps
        #: answer every well-formed key (each one an account of its own) instead of 401 for unknown ones
        self.accept_any_key = accept_any_key
        #: refuse a checkout ``amount`` other than items + shipping fee (not a documented Smartpay rule)
        self.strict_amounts = strict_amounts
        #: the shop's name on the checkout page (Smartpay shows the merchant's registered name)
        self.merchant_name = check_merchant_name(merchant_name)
        #: seconds before an approved checkout page follows ``successUrl`` by itself (``None``: never)
        self.checkout_forward_seconds: float | None = CHECKOUT_FORWARD_SECONDS
        self._keys: set[str] = set()
        self.origin = origin.rstrip("/")
        self.webhook_speed = float(webhook_speed)
        self.seed = seed
        self.auto_deliver_webhooks = auto_deliver_webhooks
        self.clock = Clock()
        self.store = Store(seed)
        self.faults = Faults(seed)
        self.idempotency = Idempotency(self.clock)
        self.ledger = Ledger()
        #: decline rules for token orders and order authorizations (:meth:`set_token_outcome`)
        self.outcomes = Outcomes()
        self.deliveries = delivery.Deliveries(self)
        self.webhook_sender: delivery.Sender = delivery.post_with_requests
        #: shopper access token -> e-mail address (``POST /v1/consumers/auth/login``)
        self.access_tokens: dict[str, str] = {}
        #: key of the HMAC that signs checkout URLs (fixed for the simulator's lifetime)
        self.url_key = self.store.random_bytes(32)
        self.app = Application(self)
        for key in keys:
            self.register_key(key)
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()

    # --- WSGI and requests ------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return self.origin + "/v1"

    @property
    def wsgi_app(self) -> Application:
        return self.app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)

    def mount(self, session: requests.Session) -> requests.Session:
        """Route ``session``'s requests for this simulator's origin to the app, in-process."""
        session.mount(self.origin + "/", InProcessAdapter(self))
        return session

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        return self.mount(session)

    # --- API keys ---------------------------------------------------------------------------

    def register_key(self, secret_key: str) -> str:
        """Let ``secret_key`` in (unknown keys get 401, as from Smartpay); return its account label.

        Registered keys survive :meth:`reset`.  ``ValueError`` for a key that is not ``sk_test_…``
        or ``sk_live_…``.
        """
        if not isinstance(secret_key, str) or not SECRET_KEY_PATTERN.fullmatch(secret_key):
            raise ValueError("a secret key looks like sk_test_… or sk_live_… (base62 characters)")
        with self.store.lock:
            self._keys.add(secret_key)
        return account_label(secret_key)

    def knows_key(self, secret_key: str) -> bool:
        """Whether requests with ``secret_key`` are answered (registered, or ``accept_any_key``)."""
        return self.accept_any_key or secret_key in self._keys

    # --- state ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every account, object, idempotency record, ledger entry, fault and delivery."""
        with self.store.lock:
            self.store.reset()
            self.idempotency.clear()
            self.ledger.reset()
            self.faults.reset()
            self.outcomes.clear()
            self.deliveries.clear()
            self.access_tokens.clear()
            self.clock.reset()

    def objects(self, account_key: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """Every object (of the account of ``account_key``, of ``kind``); in-process only, never over HTTP."""
        return self.store.objects(account_key, kind)

    @staticmethod
    def account_label(key: str) -> str:
        """The non-secret label the ledger and the control API show for the account of ``key``."""
        return account_label(key)

    def get_object(self, object_id: str) -> dict[str, Any]:
        """A copy of the stored (unexpanded) object; ``KeyError`` if no account has it."""
        with self.store.lock:
            found = self.store.find(object_id)
            if found is None:
                raise KeyError(object_id)
            account, obj = found
            if obj["object"] == "order":
                self._apply(account, lambda ctx: orders.refresh(ctx, obj))
            return copy.deepcopy(obj)

    def events(self, account_key: str | None = None) -> list[dict[str, Any]]:
        return self.store.objects(account_key, "event")

    # --- webhooks -------------------------------------------------------------------------

    def deliver_webhooks(self) -> list[dict[str, Any]]:
        """Attempt every delivery that is due now; return the attempt records."""
        return self.deliveries.deliver_due()

    def delivery_log(self, event_id: str | None = None) -> list[dict[str, Any]]:
        return self.deliveries.log(event_id)

    def redeliver(self, delivery_id: str) -> dict[str, Any]:
        return self.deliveries.redeliver(delivery_id)

    def after_request(self) -> None:
        """Called by the in-process adapter once a response is complete."""
        if self.auto_deliver_webhooks and self.deliveries.has_due():
            self.deliver_webhooks()

    def start_delivery_thread(self, interval: float = 0.05) -> None:
        """Deliver due webhooks in the background in real time (server mode)."""
        if self._worker is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                self.deliveries.wakeup.wait(interval)
                self.deliveries.wakeup.clear()
                self.deliver_webhooks()

        self._worker = threading.Thread(target=run, name="smartpay-simulator-webhooks", daemon=True)
        self._worker.start()

    def stop_delivery_thread(self) -> None:
        self._stop.set()
        self.deliveries.wakeup.set()
        if self._worker is not None:
            self._worker.join(timeout=5)
            self._worker = None

    # --- shopper-side helpers (same effect as the HTTP test endpoints) --------------------

    def _apply(self, account: Any, action: Any) -> Any:
        with self.store.lock:
            ctx = Ctx(self, account)
            result = action(ctx)
            if ctx.events:
                commit(ctx)
        return result

    def _shopper(self, object_id: str, object_name: str, action: Any) -> dict[str, Any]:
        with self.store.lock:
            found = self.store.find(object_id)
            if found is None or found[1]["object"] != object_name:
                raise not_found(object_name)
            account, obj = found
            if object_name == "token" and obj["status"] == "deleted":
                raise not_found("token")
            self._apply(account, lambda ctx: action(ctx, obj))
            result = copy.deepcopy(obj)
        self.after_request()
        return result

    def approve_token(self, token_id: str) -> dict[str, Any]:
        return self._shopper(token_id, "token", tokens.approve)

    def reject_token(self, token_id: str) -> dict[str, Any]:
        return self._shopper(token_id, "token", tokens.reject)

    def authorize_order(self, order_id: str) -> dict[str, Any]:
        """The shopper approves; the order's outcome rule (default approve) decides."""
        return self._shopper(
            order_id, "order", lambda ctx, order: orders.attempt(ctx, orders.refresh(ctx, order))
        )

    def reject_order(self, order_id: str, *, kind: str = "hard") -> dict[str, Any]:
        """Decline the order now: ``kind="hard"`` → ``rejected``; ``"soft"`` → stays ``requires_authorization``.

        Both emit ``order.rejected``.  ``ValueError`` for another kind.
        """
        if kind not in ("hard", "soft"):
            raise ValueError("kind must be 'hard' or 'soft'")
        soft = kind == "soft"
        return self._shopper(
            order_id, "order", lambda ctx, order: orders.reject(ctx, orders.refresh(ctx, order), soft=soft)
        )

    # --- declines on demand (see :mod:`.outcomes`) ---------------------------------------

    def _require(self, object_id: str, object_name: str) -> None:
        with self.store.lock:
            found = self.store.find(object_id)
            if found is None or found[1]["object"] != object_name:
                raise KeyError(object_id)

    def set_token_outcome(self, token_id: str, outcome: str, *, count: int | None = None) -> None:
        """What the next token orders of ``token_id`` answer.

        ``outcome``: ``"approve"``; ``"decline"`` (order ``rejected``, ``order.rejected``);
        ``"soft_decline"`` (``order.rejected``, the order stays ``requires_authorization``);
        ``"unusable"`` (order ``rejected`` and the token ``disabled``, ``token.disabled``).
        ``count=N``: the next N token orders, then approve again; ``None``: until changed.
        ``KeyError`` for an unknown token, ``ValueError`` for a bad outcome or count.
        """
        self._require(token_id, "token")
        self.outcomes.set(token_id, outcome, count, TOKEN_OUTCOMES)

    def set_order_outcome(self, order_id: str, outcome: str, *, count: int | None = None) -> None:
        """What the next authorization attempts of ``order_id`` answer when the shopper approves.

        Applies to the checkout page's Approve, ``POST /v1/orders/{id}/authorizations`` with
        ``pm_test_visaApproved``, :meth:`authorize_order` and the control API's ``authorize``.
        ``outcome``: ``"approve"``, ``"decline"`` or ``"soft_decline"``; ``count`` as for tokens.
        """
        self._require(order_id, "order")
        self.outcomes.set(order_id, outcome, count, ORDER_OUTCOMES)

    def token_outcome(self, token_id: str) -> tuple[str, int | None]:
        """The rule in force for ``token_id``: ``(outcome, remaining)`` (``("approve", None)`` if none)."""
        self._require(token_id, "token")
        return self.outcomes.peek(token_id)

    def order_outcome(self, order_id: str) -> tuple[str, int | None]:
        """The rule in force for ``order_id``'s authorization attempts, as :meth:`token_outcome`."""
        self._require(order_id, "order")
        return self.outcomes.peek(order_id)


__all__ = ["ApiError", "Simulator"]
