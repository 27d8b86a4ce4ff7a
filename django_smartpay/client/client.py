""":class:`SmartpayClient`: one method per operation of the Smartpay API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, Self

import requests

from . import validation as v
from .constants import ConstantsMixin
from .defaults import (
    DEFAULT_API_BASE,
    DEFAULT_BACKOFF_FACTOR,
    DEFAULT_MAX_BACKOFF,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Timeout,
)
from .errors import redact
from .resources import (
    CheckoutSessionsMixin,
    CouponsMixin,
    OrdersMixin,
    PaymentsMixin,
    PromotionCodesMixin,
    RefundsMixin,
    TokensMixin,
    WebhookEndpointsMixin,
)
from .resources._base import ResourceBase
from .transport import Sleep, Transport


class SmartpayClient(
    ConstantsMixin,
    CheckoutSessionsMixin,
    OrdersMixin,
    PaymentsMixin,
    RefundsMixin,
    WebhookEndpointsMixin,
    CouponsMixin,
    PromotionCodesMixin,
    TokensMixin,
    ResourceBase,
):
    """A typed client of the Smartpay API (``https://api.smartpay.co/v1``).

    ``secret_key`` is ``sk_test_…`` or ``sk_live_…``; ``public_key``, when given, must be of
    the same mode.  ``timeout`` is seconds, or a ``(connect, read)`` pair.  Failed calls
    (connection errors, timeouts, HTTP 429 and 5xx) are retried up to ``max_retries``
    times with the same ``Idempotency-Key``, waiting a random time up to
    ``backoff_factor * 2**n`` seconds (at most ``max_backoff``), or what ``Retry-After``
    asks (also at most ``max_backoff``).  ``session`` lets the caller supply (and own) the
    ``requests.Session``; ``user_agent`` is appended to ``django-smartpay/<version>``;
    ``sleep`` is the function used to wait between retries (tests pass a recorder).

    Arguments are checked before anything is sent: a bad argument raises
    :class:`~django_smartpay.client.errors.SmartpayValidationError` and no request is made.
    Results are the parsed JSON objects; calls Smartpay answers with no body return ``None``.
    Use it as a context manager, or call :meth:`close`, to release its connections.
    """

    def __init__(
        self,
        secret_key: str,
        *,
        public_key: str | None = None,
        api_base: str = DEFAULT_API_BASE,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        session: requests.Session | None = None,
        backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        user_agent: str | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        mode = v.secret_key_mode(secret_key)
        if public_key is not None:
            if v.public_key_mode(public_key) != mode:
                raise v.fail("SmartpayClient", "key.mode-mismatch", field="public_key", mode=mode)
        self._mode: Literal["test", "live"] = "test" if mode == "test" else "live"
        self._public_key = public_key
        self._transport = Transport(
            secret_key,
            api_base=api_base,
            timeout=timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            max_backoff=max_backoff,
            session=session,
            user_agent=user_agent,
            sleep=sleep,
        )

    @property
    def mode(self) -> Literal["test", "live"]:
        """``"test"`` or ``"live"``, from the secret key."""
        return self._mode

    @property
    def public_key(self) -> str | None:
        return self._public_key

    @property
    def api_base(self) -> str:
        return self._transport.api_base

    @property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` seconds of every try."""
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries

    @property
    def session(self) -> requests.Session:
        """The ``requests.Session`` used for every call."""
        return self._transport.session

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Low-level call: ``path`` is joined to ``api_base`` (``"/orders"``).

        ``params`` are query parameters and ``json`` the body (``None`` values dropped);
        both are sent as given, without camelCase conversion.  POST/PUT/PATCH/DELETE get
        ``idempotency_key`` or a generated key (the same on every retry); GET gets none.
        Returns the parsed JSON, or ``None`` when the answer has no body.
        """
        return self._transport.request(
            method, path, params=params, json=json, idempotency_key=idempotency_key
        )

    def close(self) -> None:
        """Release the connections (a session passed in by the caller is left open)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SmartpayClient mode={self._mode} api_base={redact(self._transport.api_base)!r}>"
