""":class:`SmartyPaySimulator`: a stateful, local SmartyPay Payments API (no Django, no sockets)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Final, cast

import requests

from django_smartpay.simulator.faults import Faults
from django_smartpay.simulator.inprocess import InProcessAdapter

from ..client.client import SIMULATOR_ORIGIN
from ..client.errors import ERROR_CODES
from ..client.wire import EXPIRED
from .app import Application
from .state import DEFAULT_TOKENS, Injection, Merchant, State

#: The credentials and merchant a simulator answers when none are given.
API_KEY: Final = "smartypay-test-key"
SECRET: Final = "smartypay-test-secret"
MERCHANT_ID: Final = "RgFw2p65CQn3pE8uriL53d"


class SmartyPaySimulator:
    """A local SmartyPay: ``sim.session()`` routes ``sim.origin`` to it in-process.

    ``credentials`` maps API keys to secrets; ``merchants`` maps merchant ids to the API key
    that owns them (a merchant is found only with its own credentials).  ``tokens`` are the
    token codes merchants accept.  ``faults`` is a
    :class:`~django_smartpay.simulator.faults.Faults` (``sim.faults.add(method="POST",
    path="/v1/payments", drop_response=True)``).
    """

    def __init__(
        self,
        *,
        origin: str = SIMULATOR_ORIGIN,
        credentials: dict[str, str] | None = None,
        merchants: dict[str, str] | None = None,
        tokens: Iterable[str] = DEFAULT_TOKENS,
        seed: int | None = None,
    ) -> None:
        self.origin = origin.rstrip("/")
        self.tokens = frozenset(tokens)
        self._seed = seed
        self._credentials = dict(credentials if credentials is not None else {API_KEY: SECRET})
        self._merchants = dict(
            merchants if merchants is not None else {MERCHANT_ID: next(iter(self._credentials))}
        )
        self.faults = Faults(seed)
        self.app = Application(self)
        #: ``(method, path, status)`` of every API request answered, in order.
        self.requests: list[tuple[str, str, int]] = []
        self.state = self._new_state()

    def _new_state(self) -> State:
        state = State(seed=self._seed, credentials=dict(self._credentials))
        for merchant_id, api_key in self._merchants.items():
            state.merchants[merchant_id] = Merchant(merchant_id, api_key, self.tokens)
        return state

    # --- transport -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.origin

    def mount(self, session: requests.Session) -> requests.Session:
        """Route ``session``'s requests for :attr:`origin` to the app, in-process."""
        # The Smartpay adapter only calls ``app.handle(environ)`` and ``after_request()``.
        session.mount(self.origin + "/", InProcessAdapter(cast(Any, self)))
        return session

    def session(self) -> requests.Session:
        return self.mount(requests.Session())

    def after_request(self) -> None:
        """Nothing to deliver: SmartyPay documents no webhooks."""

    def start_delivery_thread(self, interval: float = 0.05) -> None:
        """Nothing to deliver (kept so the Smartpay simulator's server can serve this one)."""

    def stop_delivery_thread(self) -> None:
        """Nothing to deliver."""

    # --- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        self.faults.reset()
        self.requests.clear()
        self.state = self._new_state()

    def add_credentials(self, api_key: str, secret: str) -> None:
        with self.state.lock:
            self._credentials[api_key] = secret
            self.state.credentials[api_key] = secret

    def add_merchant(self, merchant_id: str, api_key: str, *, tokens: Iterable[str] | None = None) -> None:
        """A merchant of ``api_key``'s account accepting ``tokens`` (default: the simulator's)."""
        with self.state.lock:
            self._merchants[merchant_id] = api_key
            accepted = self.tokens if tokens is None else frozenset(tokens)
            self.state.merchants[merchant_id] = Merchant(merchant_id, api_key, accepted)

    def set_extra_properties(self, **properties: Any) -> None:
        """Undocumented properties every payment object carries from now on (clients ignore them)."""
        with self.state.lock:
            self.state.extra_properties = dict(properties)

    def now(self) -> datetime:
        return self.state.now()

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward; due ``Created`` payments become ``Expired``."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self.state.lock:
            self.state.offset += timedelta(seconds=seconds)
            self.state.expire_due()

    def payments(self) -> list[dict[str, Any]]:
        with self.state.lock:
            self.state.expire_due()
            return [self.state.render(stored) for stored in self.state.payments.values()]

    def payment(self, payment_id: str) -> dict[str, Any]:
        with self.state.lock:
            self.state.expire_due()
            stored = self.state.payments[payment_id]
            return self.state.render(stored)

    def set_status(self, payment_id: str, status: str, *, error_code: str | None = None) -> dict[str, Any]:
        """Move a payment: Created → InProgress → Succeeded, or Created → Expired (400 otherwise)."""
        with self.state.lock:
            self.state.expire_due()
            return self.state.move(payment_id, status, error_code)

    def expire(self, payment_id: str) -> dict[str, Any]:
        return self.set_status(payment_id, EXPIRED)

    def inject_error(
        self, code: str, *, count: int = 1, method: str = "POST", path: str = "/v1/payments"
    ) -> None:
        """Answer the next ``count`` matching authenticated calls with a documented error code.

        For the codes whose trigger the document does not describe (auxiliary amounts, gas
        compensation), this is the only way the simulator produces them.
        """
        if code not in ERROR_CODES:
            raise ValueError(f"{code!r} is not a documented error code")
        with self.state.lock:
            self.state.injections.append(Injection(code, ERROR_CODES[code][1], method, path, count))
