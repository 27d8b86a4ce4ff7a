"""Settings of django_smartpay: one ``SMARTPAY`` dict, read at call time.

Every value is looked up when it is needed (never cached at import), so
``override_settings(SMARTPAY={...})`` works in tests.  The only cache is the API
client built by :func:`get_client`; it is dropped whenever Django sends
``setting_changed`` for ``SMARTPAY``.

Settings (keys of ``settings.SMARTPAY``)
-----------------------------------------

``SECRET_KEY`` (required)
    Secret API key, ``sk_test_…`` or ``sk_live_…``.  Server side only.
``PUBLIC_KEY`` (optional, default ``None``)
    Public key, ``pk_test_…`` or ``pk_live_…``, for pages that load Smartpay's
    browser SDK.  When set, it must be of the same mode as ``SECRET_KEY``.
``API_BASE`` (default ``"https://api.smartpay.co/v1"``)
    Base URL including ``/v1``.  Must be https, except for loopback hosts
    (``localhost``, ``127.0.0.0/8``, ``::1``) and the in-process simulator origin
    ``http://smartpay.simulator``; see :mod:`django_smartpay.checks`.
``TIMEOUT`` (default ``30``)
    Seconds to wait for Smartpay: a number, or a ``(connect, read)`` pair.
``MAX_RETRIES`` (default ``2``)
    Retries after a connection error, 429 or 5xx.  Retries reuse the same
    ``Idempotency-Key``, so a retried create cannot be applied twice.
``WEBHOOK_SECRETS`` (default ``[]``)
    Signing secrets accepted on incoming webhooks: a list of secrets (each tried
    in turn, which allows rotation), or a dict mapping a webhook endpoint id
    (``webhookendpoint_…``, sent as ``Smartpay-Subscription-Id``) to its secret.
    Secrets of endpoints registered through :mod:`django_smartpay.services` are
    stored on their ``WebhookEndpoint`` row and need not be repeated here.
``WEBHOOK_TOLERANCE`` (default ``300``)
    Seconds a webhook's signature timestamp may differ from the server clock.
``PROCESS_WEBHOOKS`` (default ``"sync"``)
    ``"sync"`` applies a webhook inside the request; ``"async"`` stores it and
    applies it from a Celery task.
``WEBHOOK_TRUSTED_PROXIES`` (default ``[]``)
    IP addresses or networks (``"10.0.0.0/8"``) of the reverse proxies in front of
    the webhook view.  Only when ``REMOTE_ADDR`` is one of them is
    ``X-Forwarded-For`` read, right to left, and the first address that is not a
    trusted proxy recorded as the sender of a webhook; otherwise ``REMOTE_ADDR``
    is recorded and ``X-Forwarded-For`` ignored.
``CHECKOUT_SUCCESS_URL``, ``CHECKOUT_CANCEL_URL`` (default ``None``)
    Where Smartpay sends the shopper back after a token checkout started through
    the REST framework endpoints (:mod:`django_smartpay.contrib.rest_framework`)
    when the request gives no URL: an absolute URL, or a path made absolute
    against the request.
``CHECKOUT_REDIRECT_HOSTS`` (default ``None``: ``ALLOWED_HOSTS``)
    Hosts that success and cancel URLs given in a request body may point at
    (patterns as in ``ALLOWED_HOSTS``), so the endpoint is not an open redirect.

Tests route the settings-built client to the in-process simulator with
:func:`use_http_session`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings

from .exceptions import SmartpayConfigurationError

if TYPE_CHECKING:
    import requests

    from .client import SmartpayClient

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    "PUBLIC_KEY": None,
    "API_BASE": "https://api.smartpay.co/v1",
    "TIMEOUT": 30,
    "MAX_RETRIES": 2,
    "WEBHOOK_SECRETS": [],
    "WEBHOOK_TOLERANCE": 300,
    "PROCESS_WEBHOOKS": "sync",
    "WEBHOOK_TRUSTED_PROXIES": [],
    "CHECKOUT_SUCCESS_URL": None,
    "CHECKOUT_CANCEL_URL": None,
    "CHECKOUT_REDIRECT_HOSTS": None,
}
REQUIRED = frozenset({"SECRET_KEY"})

_lock = threading.Lock()
_client: SmartpayClient | None = None
_session_factory: Callable[[], requests.Session] | None = None


def user_settings() -> dict[str, Any]:
    """The raw ``SMARTPAY`` dict (empty when unset); raise if it is not a dict."""
    value = getattr(settings, "SMARTPAY", None)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SmartpayConfigurationError("settings.SMARTPAY must be a dict.")
    return value


def get_setting(name: str) -> Any:
    """Return ``SMARTPAY[name]`` or its default; raise when a required key is missing."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown django_smartpay setting {name!r}")
    value = user_settings().get(name, DEFAULTS[name])
    if name in REQUIRED and not value:
        raise SmartpayConfigurationError(f'SMARTPAY["{name}"] is required but not set.')
    return value


def is_test_mode() -> bool:
    """True when ``SECRET_KEY`` is a test key (objects made with it are test objects)."""
    return str(get_setting("SECRET_KEY")).startswith("sk_test_")


def get_client() -> SmartpayClient:
    """The client built from the settings, created once and reused (thread-safe)."""
    global _client
    client = _client
    if client is not None:
        return client
    with _lock:
        if _client is None:
            _client = _build_client()
        return _client


def _build_client() -> SmartpayClient:
    from .client import SmartpayClient, SmartpayValidationError

    options = {
        name: get_setting(name) for name in ("SECRET_KEY", "PUBLIC_KEY", "API_BASE", "TIMEOUT", "MAX_RETRIES")
    }
    session = _session_factory() if _session_factory is not None else None
    try:
        return SmartpayClient(
            options["SECRET_KEY"],
            public_key=options["PUBLIC_KEY"],
            api_base=options["API_BASE"],
            timeout=options["TIMEOUT"],
            max_retries=options["MAX_RETRIES"],
            session=session,
        )
    except SmartpayValidationError as exc:
        # The client checks keys and options; for Django this is a configuration error.
        raise SmartpayConfigurationError(f"SMARTPAY settings are invalid: {exc}") from exc


def reset_client() -> None:
    """Forget the cached client; the next :func:`get_client` builds a new one."""
    global _client
    with _lock:
        _client = None


def set_http_session_factory(factory: Callable[[], requests.Session] | None) -> None:
    """Build future clients with ``factory()`` as their HTTP session (``None``: the client's own)."""
    global _session_factory
    _session_factory = factory
    reset_client()


@contextmanager
def use_http_session(session: requests.Session) -> Iterator[None]:
    """Within the block, :func:`get_client` sends its requests through ``session``.

    Used by the test fixtures to route the settings-built client to the
    in-process simulator (``Simulator().session()``).
    """
    previous = _session_factory
    set_http_session_factory(lambda: session)
    try:
        yield
    finally:
        set_http_session_factory(previous)


def on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    """Receiver of Django's ``setting_changed``: drop the client built from old settings."""
    if setting == "SMARTPAY":
        reset_client()
