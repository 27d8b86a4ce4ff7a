"""The ``SMARTYPAY`` setting: one rule per key, used by the system checks and at run time.

``SMARTYPAY = {"API_KEY": …, "SECRET": …, "MERCHANT_ID": …}`` plus optional ``BASE_URL``,
``TIMEOUT``, ``MAX_RETRIES``, ``PAGE_SIZE`` and ``RECOVERY_SCAN_LIMIT``.  No message here
ever shows the API key or the secret.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

from django_smartpay.client import defaults

from .client import DEFAULT_BASE_URL, SIMULATOR_ORIGIN, SmartyPayClient, SmartyPayValidationError
from .client.client import DEFAULT_PAGE_SIZE, DEFAULT_RECOVERY_SCAN_LIMIT, MAX_PAGE_SIZE

DEFAULTS: Final[dict[str, Any]] = {
    "API_KEY": None,
    "SECRET": None,
    "MERCHANT_ID": None,
    "BASE_URL": DEFAULT_BASE_URL,
    "TIMEOUT": defaults.DEFAULT_TIMEOUT,
    "MAX_RETRIES": defaults.DEFAULT_MAX_RETRIES,
    "PAGE_SIZE": DEFAULT_PAGE_SIZE,
    "RECOVERY_SCAN_LIMIT": DEFAULT_RECOVERY_SCAN_LIMIT,
}
_LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "::1", urlsplit(SIMULATOR_ORIGIN).hostname})


class SmartyPayConfigurationError(ImproperlyConfigured):
    """``settings.SMARTYPAY`` is missing or invalid."""


@dataclass(frozen=True)
class Problem:
    number: int
    message: str
    hint: str | None = None


def _kind(value: object) -> str:
    return type(value).__name__


def _credential(name: str, number: int, value: object) -> Problem | None:
    if value is None:
        return Problem(
            number, f'SMARTYPAY["{name}"] is not set.', f'Set SMARTYPAY["{name}"] to your SmartyPay {name}.'
        )
    if (
        not isinstance(value, str)
        or not value
        or value != value.strip()
        or (name == "API_KEY" and ":" in value)
    ):
        return Problem(
            number,
            f'SMARTYPAY["{name}"] must be a non-empty string without surrounding spaces'
            + (" or ':'" if name == "API_KEY" else "")
            + f" (got a {_kind(value)}; its value is not shown).",
        )
    return None


def _merchant(value: object) -> Problem | None:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return Problem(
            4,
            'SMARTYPAY["MERCHANT_ID"] must be your merchant id (a string of at most 64 characters).',
            "The merchantId of every payment created; it is also a search predicate.",
        )
    return None


def _base_url(value: object) -> Problem | None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        return Problem(
            5, 'SMARTYPAY["BASE_URL"] must be an https URL such as https://partner-api.smartypay.io.'
        )
    if parts.username or parts.password:
        return Problem(5, 'SMARTYPAY["BASE_URL"] must not carry credentials; use API_KEY and SECRET.')
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        return Problem(5, 'SMARTYPAY["BASE_URL"] must use https (http only for a local simulator).')
    return None


def _parsed(number: int, name: str, parse: Callable[[object], object]) -> Callable[[object], Problem | None]:
    def rule(value: object) -> Problem | None:
        try:
            parse(value)
        except ValueError as exc:
            return Problem(number, f'SMARTYPAY["{name}"] {exc}.')
        return None

    return rule


def _range(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be an integer from {low} to {high}")
        return value

    return parse


RULES: Final[dict[str, Callable[[object], Problem | None]]] = {
    "API_KEY": lambda value: _credential("API_KEY", 2, value),
    "SECRET": lambda value: _credential("SECRET", 3, value),
    "MERCHANT_ID": _merchant,
    "BASE_URL": _base_url,
    "TIMEOUT": _parsed(6, "TIMEOUT", defaults.timeout_pair),
    "MAX_RETRIES": _parsed(7, "MAX_RETRIES", defaults.max_retries),
    "PAGE_SIZE": _parsed(8, "PAGE_SIZE", _range(1, MAX_PAGE_SIZE)),
    "RECOVERY_SCAN_LIMIT": _parsed(9, "RECOVERY_SCAN_LIMIT", _range(1, 1_000_000)),
}


@sensitive_variables()
def problems(config: Mapping[str, Any]) -> list[Problem]:
    """Every problem of ``config`` (a ``SMARTYPAY`` dict), in key order."""
    options = {**DEFAULTS, **config}
    found = [RULES[name](options[name]) for name in RULES]
    return [problem for problem in found if problem is not None]


def user_settings() -> dict[str, Any]:
    config = getattr(settings, "SMARTYPAY", None)
    if not isinstance(config, dict):
        raise SmartyPayConfigurationError("settings.SMARTYPAY is missing or is not a dict.")
    return config


@sensitive_variables()
def options() -> dict[str, Any]:
    """The validated settings merged over :data:`DEFAULTS`."""
    config = user_settings()
    found = problems(config)
    if found:
        raise SmartyPayConfigurationError(" ".join(problem.message for problem in found))
    return {**DEFAULTS, **config}


_lock = threading.Lock()
_client: SmartyPayClient | None = None
_session_factory: Callable[[], requests.Session] | None = None


@sensitive_variables()
def get_client() -> SmartyPayClient:
    """The client built from the settings, created once and reused (thread-safe)."""
    global _client
    with _lock:
        if _client is None:
            _client = _build_client()
        return _client


@sensitive_variables()
def _build_client() -> SmartyPayClient:
    config = options()
    try:
        return SmartyPayClient(
            config["API_KEY"],
            config["SECRET"],
            merchant_id=config["MERCHANT_ID"],
            base_url=config["BASE_URL"],
            timeout=config["TIMEOUT"],
            max_retries=config["MAX_RETRIES"],
            page_size=config["PAGE_SIZE"],
            recovery_scan_limit=config["RECOVERY_SCAN_LIMIT"],
            session=_session_factory() if _session_factory is not None else None,
        )
    except SmartyPayValidationError as exc:  # the rules above should have caught it
        raise SmartyPayConfigurationError(f"SMARTYPAY settings are invalid: {exc}") from None


def reset_client() -> None:
    """Forget the cached client (and close it); the next :func:`get_client` builds a new one."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None


@contextmanager
def use_http_session(session: requests.Session) -> Iterator[None]:
    """Within the block, :func:`get_client` sends through ``session`` (the test fixtures' seam)."""
    global _session_factory
    previous = _session_factory
    _session_factory = lambda: session  # noqa: E731
    reset_client()
    try:
        yield
    finally:
        _session_factory = previous
        reset_client()


def on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    """Receiver of Django's ``setting_changed``: drop the client built from the old settings."""
    if setting == "SMARTYPAY":
        reset_client()
