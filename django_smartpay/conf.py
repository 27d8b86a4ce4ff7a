"""The ``SMARTPAY`` setting as the package reads it, and the client built from it.

Values are read when needed (so ``override_settings`` works) and validated on every
read by the same rule the system checks run (:mod:`.settings_rules`), so the checks and
the run time cannot disagree.  The keys, defaults and ranges are listed in the README
("Settings").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .client import SmartpayClient, SmartpayValidationError, defaults
from .client.validation import SECRET_KEY_PATTERN
from .exceptions import SmartpayConfigurationError
from .settings_rules import DEFAULTS as DEFAULTS
from .settings_rules import RULES, Network, networks
from .settings_rules import dunning_retry_days as dunning_retry_days
from .settings_rules import key_mode as key_mode
from .settings_rules import problems as problems

if TYPE_CHECKING:
    import requests

_lock = threading.Lock()
_client: SmartpayClient | None = None
_session_factory: Callable[[], requests.Session] | None = None


# --- reading settings -------------------------------------------------------------------------


@sensitive_variables()
def user_settings() -> dict[str, Any]:
    """The raw ``SMARTPAY`` dict (empty when unset); raise if it is not a dict."""
    value = getattr(settings, "SMARTPAY", None)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SmartpayConfigurationError(
            "settings.SMARTPAY must be a dict.", setting="SMARTPAY", check_id="smartpay.E001"
        )
    return value


@sensitive_variables()
def get_setting(name: str) -> Any:
    """``SMARTPAY[name]`` or its default, checked by the rule the system checks use.

    Raises :class:`SmartpayConfigurationError` naming the key (``.setting``) when the
    value is missing or invalid; the message never quotes the value.
    """
    if name not in DEFAULTS:
        raise KeyError(f"unknown django_smartpay setting {name!r}")
    config = user_settings()
    value = config.get(name, DEFAULTS[name])
    problem = RULES[name](value, {**DEFAULTS, **config})
    if problem is not None:
        raise problem.error()
    return value


def is_test_mode() -> bool:
    """True when ``SECRET_KEY`` is a test key (objects made with it are test objects)."""
    return key_mode(get_setting("SECRET_KEY"), SECRET_KEY_PATTERN) == "test"


def timeout() -> tuple[float, float]:
    """``SMARTPAY["TIMEOUT"]`` as ``(connect, read)`` seconds."""
    return defaults.timeout_pair(get_setting("TIMEOUT"))


def max_retries() -> int:
    """``SMARTPAY["MAX_RETRIES"]``: the client's retries of one call."""
    return int(get_setting("MAX_RETRIES"))


def attempt_seconds() -> float:
    """The longest one client call can take with these settings, retries and waits included."""
    return defaults.attempt_seconds(get_setting("TIMEOUT"), get_setting("MAX_RETRIES"))


def webhook_tolerance() -> float:
    """``SMARTPAY["WEBHOOK_TOLERANCE"]`` in seconds: always positive and finite (never "off")."""
    return defaults.webhook_tolerance(get_setting("WEBHOOK_TOLERANCE"))


def webhook_secrets_for(subscription_id: str) -> list[str]:
    """The signing secrets ``SMARTPAY["WEBHOOK_SECRETS"]`` gives for one endpoint (maybe none)."""
    configured = get_setting("WEBHOOK_SECRETS")
    if isinstance(configured, dict):
        entry = configured.get(subscription_id, [])
        return [entry] if isinstance(entry, str) else list(entry)
    return list(configured)


def trusted_proxies() -> tuple[Network, ...]:
    """``SMARTPAY["WEBHOOK_TRUSTED_PROXIES"]`` as networks (an address is a one-address network)."""
    return networks(get_setting("WEBHOOK_TRUSTED_PROXIES"))


def process_webhooks_async() -> bool:
    return bool(get_setting("PROCESS_WEBHOOKS") == "async")


# --- the client built from the settings --------------------------------------------------------


@sensitive_variables()
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


@sensitive_variables()
def _build_client() -> SmartpayClient:
    options = {name: get_setting(name) for name in ("SECRET_KEY", "PUBLIC_KEY", "API_BASE")}
    session = _session_factory() if _session_factory is not None else None
    try:
        return SmartpayClient(
            options["SECRET_KEY"],
            public_key=options["PUBLIC_KEY"],
            api_base=options["API_BASE"],
            timeout=timeout(),
            max_retries=max_retries(),
            session=session,
        )
    except (SmartpayValidationError, ValueError) as exc:
        # Unreachable while the rules above hold; kept so a disagreement is still typed.
        raise SmartpayConfigurationError(f"SMARTPAY settings are invalid: {exc}") from None


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
