"""The ``SMARTPAY`` setting: one rule per key, applied both at run time and by the checks.

Values are read when needed (so ``override_settings`` works) and validated on every
read by the same rule the system checks run, so the checks and the run time cannot
disagree.  The keys, defaults and ranges are listed in the README ("Settings").
"""

from __future__ import annotations

import importlib.util
import ipaddress
import itertools
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .client import SmartpayClient, SmartpayValidationError, base62, defaults
from .client.validation import ID_PATTERNS, PUBLIC_KEY_PATTERN, SECRET_KEY_PATTERN
from .exceptions import SmartpayConfigurationError

if TYPE_CHECKING:
    import requests

    Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    "PUBLIC_KEY": None,
    "API_BASE": defaults.DEFAULT_API_BASE,
    "TIMEOUT": defaults.DEFAULT_TIMEOUT,
    "MAX_RETRIES": defaults.DEFAULT_MAX_RETRIES,
    "WEBHOOK_SECRETS": [],
    "WEBHOOK_TOLERANCE": defaults.DEFAULT_WEBHOOK_TOLERANCE,
    "PROCESS_WEBHOOKS": "sync",
    "WEBHOOK_TRUSTED_PROXIES": [],
    "CHECKOUT_SUCCESS_URL": None,
    "CHECKOUT_CANCEL_URL": None,
    "CHECKOUT_REDIRECT_HOSTS": None,
    "DUNNING_RETRY_DAYS": (1, 3, 7),
    "DUNNING_FINAL_STATUS": "unpaid",
}
REQUIRED = frozenset({"SECRET_KEY"})
#: The host of the in-process simulator (``Simulator.session()``): http is fine there with a test key.
SIMULATOR_HOST = urlsplit(defaults.SIMULATOR_ORIGIN).hostname

_lock = threading.Lock()
_client: SmartpayClient | None = None
_session_factory: Callable[[], requests.Session] | None = None


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why one setting is refused: the check id number, the message naming the key, a hint."""

    number: int
    setting: str
    message: str
    hint: str

    def error(self) -> SmartpayConfigurationError:
        return SmartpayConfigurationError(
            f"{self.message} {self.hint}",
            setting=self.setting,
            check_id=f"smartpay.E{self.number:03d}",
            hint=self.hint,
        )


def _key(name: str) -> str:
    return f'SMARTPAY["{name}"]'


def _kind(value: object) -> str:
    """The type of a value, never the value itself (it may be a secret)."""
    return type(value).__name__


def _stray_space(value: str) -> bool:
    """Whitespace anywhere: keys, secrets and URLs never contain any (a copy-paste slip)."""
    return any(char.isspace() for char in value)


def key_mode(value: object, pattern: re.Pattern[str]) -> str | None:
    """``"test"``/``"live"`` when ``value`` is exactly a key of ``pattern``, else ``None``."""
    match = pattern.fullmatch(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def _secret_key(value: object, config: Mapping[str, Any]) -> Problem | None:
    name = "SECRET_KEY"
    if value is None or value == "":
        return Problem(2, name, f"{_key(name)} is not set.", "Use the secret key from Smartpay's dashboard.")
    if key_mode(value, SECRET_KEY_PATTERN):
        return None
    if isinstance(value, str) and _stray_space(value):
        why = "has whitespace around or inside it"
    elif isinstance(value, str) and value.startswith(("pk_test_", "pk_live_")):
        why = "is a public key (pk_…), not a secret key"
    else:
        why = f"is not a Smartpay secret key (a {_kind(value)} that is not sk_test_… or sk_live_…)"
    return Problem(
        3,
        name,
        f"{_key(name)} {why}.",
        "Copy the key exactly as the dashboard shows it: sk_test_… or sk_live_….",
    )


def _public_key(value: object, config: Mapping[str, Any]) -> Problem | None:
    name = "PUBLIC_KEY"
    if value is None:
        return None
    mode = key_mode(value, PUBLIC_KEY_PATTERN)
    if mode is None:
        why = (
            "has whitespace around or inside it"
            if isinstance(value, str) and _stray_space(value)
            else (f"is not a Smartpay public key (a {_kind(value)} that is not pk_test_… or pk_live_…)")
        )
        return Problem(
            4, name, f"{_key(name)} {why}.", "Leave it out, or copy the pk_test_…/pk_live_… key exactly."
        )
    secret_mode = key_mode(config.get("SECRET_KEY"), SECRET_KEY_PATTERN)
    if secret_mode is not None and secret_mode != mode:
        return Problem(
            5,
            name,
            f"{_key(name)} is a {mode} key but {_key('SECRET_KEY')} is a {secret_mode} key.",
            "Use the public and secret keys of the same mode.",
        )
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_base(value: object, config: Mapping[str, Any]) -> Problem | None:
    name = "API_BASE"
    hint = "Use https://api.smartpay.co/v1; plain http only for loopback hosts, and for http://smartpay.simulator with a test key."
    if not isinstance(value, str) or _stray_space(value):
        return Problem(
            6, name, f"{_key(name)} must be a URL without whitespace, not this {_kind(value)}.", hint
        )
    try:
        parts = urlsplit(value)
        hostname, _port = parts.hostname, parts.port
    except ValueError:
        return Problem(6, name, f"{_key(name)} is not a URL.", hint)
    if parts.scheme not in ("http", "https") or not hostname:
        return Problem(6, name, f"{_key(name)} is not an http(s) URL.", hint)
    if "@" in parts.netloc or parts.query or parts.fragment:
        return Problem(6, name, f"{_key(name)} must not carry credentials, a query or a fragment.", hint)
    if parts.scheme == "https" or is_loopback(hostname):
        return None
    if hostname == SIMULATOR_HOST and key_mode(config.get("SECRET_KEY"), SECRET_KEY_PATTERN) != "live":
        return None
    return Problem(6, name, f"{_key(name)} must use https.", hint)


def _parsed_by(
    number: int, name: str, parse: Callable[[object], object], hint: str
) -> Callable[..., Problem | None]:
    def rule(value: object, config: Mapping[str, Any]) -> Problem | None:
        try:
            parse(value)
        except ValueError as exc:
            return Problem(number, name, f"{_key(name)} {exc}.", hint)
        except OverflowError:  # an int too big for a float: out of range like any other
            return Problem(number, name, f"{_key(name)} is out of range.", hint)
        return None

    return rule


def valid_signing_secret(value: object) -> bool:
    if not isinstance(value, str) or not value or _stray_space(value):
        return False
    try:
        base62.decode(value)
    except ValueError:
        return False
    return True


def _webhook_secrets(value: object, config: Mapping[str, Any]) -> Problem | None:
    name = "WEBHOOK_SECRETS"
    hint = (
        "Signing secrets are base62 strings (letters and digits, no spaces) returned when an endpoint is "
        "created; dict keys are the endpoints' ids (webhookendpoint_test_…/webhookendpoint_live_…)."
    )

    def bad(why: str) -> Problem:
        return Problem(9, name, f"{_key(name)} {why}.", hint)

    if isinstance(value, list | tuple):
        if not all(map(valid_signing_secret, value)):
            return bad("must list signing secrets, and one of them is not a base62 string")
        return None
    if not isinstance(value, dict):
        return bad(
            f"must be a list of signing secrets or a dict of endpoint id to secrets, not a {_kind(value)}"
        )
    secret_mode = key_mode(config.get("SECRET_KEY"), SECRET_KEY_PATTERN)
    for endpoint, secrets in value.items():
        mode = key_mode(endpoint, ID_PATTERNS["webhook_endpoint"])
        if mode is None:
            return bad("has a key that is not a webhook endpoint id (webhookendpoint_…)")
        if secret_mode is not None and mode != secret_mode:
            return bad(f"has a {mode} endpoint but {_key('SECRET_KEY')} is a {secret_mode} key")
        listed = list(secrets) if isinstance(secrets, list | tuple) else [secrets]
        if not listed or not all(map(valid_signing_secret, listed)):
            return bad(
                "maps an endpoint to something that is not a signing secret or a non-empty list of them"
            )
    return None


def _networks(value: object) -> tuple[Network, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of IP addresses or networks, not a {_kind(value)}")
    if not all(isinstance(item, str) for item in value):
        raise ValueError("must list IP addresses or networks as strings")
    return _parsed_networks(tuple(value))


@lru_cache(maxsize=8)
def _parsed_networks(items: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items)
    except ValueError:
        raise ValueError("must list IP addresses or networks, and one entry is neither") from None


def _process_webhooks(value: object, config: Mapping[str, Any]) -> Problem | None:
    name = "PROCESS_WEBHOOKS"
    if value not in ("sync", "async"):
        return Problem(
            11, name, f'{_key(name)} must be "sync" or "async".', 'Use "sync" unless Celery workers run.'
        )
    if value == "async" and importlib.util.find_spec("celery") is None:
        return Problem(
            13,
            name,
            f'{_key(name)} is "async" but Celery is not installed.',
            'Run: pip install "django-smartpay[celery]" (and start Celery workers), or use "sync".',
        )
    return None


def _checkout_url(name: str) -> Callable[..., Problem | None]:
    def rule(value: object, config: Mapping[str, Any]) -> Problem | None:
        if value is None or value == "":
            return None
        if isinstance(value, str) and not _stray_space(value):
            if value.startswith("/") and not value.startswith("//"):
                return None
            parts = urlsplit(value)
            if parts.scheme in ("http", "https") and parts.netloc and "@" not in parts.netloc:
                return None
        return Problem(
            14,
            name,
            f"{_key(name)} must be an absolute http(s) URL or a path starting with /.",
            'For example "https://shop.example/thanks" or "/thanks".',
        )

    return rule


def _redirect_hosts(value: object, config: Mapping[str, Any]) -> Problem | None:
    name = "CHECKOUT_REDIRECT_HOSTS"
    if value is None:
        return None
    if isinstance(value, list | tuple) and all(
        isinstance(host, str) and host and not _stray_space(host) for host in value
    ):
        return None
    return Problem(
        15,
        name,
        f"{_key(name)} must be None or a list of host names (patterns as in ALLOWED_HOSTS).",
        'For example ["shop.example", ".shop.example"]; a bare string would be read letter by letter.',
    )


def dunning_retry_days(value: object) -> tuple[float, ...]:
    """``DUNNING_RETRY_DAYS`` parsed: days after the first failure, increasing, each in (0, 366]."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of days, not a {_kind(value)}")
    days = tuple(value)
    if not all(isinstance(d, int | float) and not isinstance(d, bool) and 0 < d <= 366 for d in days):
        raise ValueError("must list numbers of days greater than 0 and at most 366")
    if any(later <= earlier for earlier, later in itertools.pairwise(days)):
        raise ValueError("must list days in increasing order")
    return tuple(float(d) for d in days)


def _dunning_final_status(value: object, config: Mapping[str, Any]) -> Problem | None:
    name = "DUNNING_FINAL_STATUS"
    if value in ("unpaid", "paused"):
        return None
    return Problem(21, name, f'{_key(name)} must be "unpaid" or "paused".', 'Leave it out for "unpaid".')


Rule = Callable[[Any, Mapping[str, Any]], "Problem | None"]

RULES: dict[str, Rule] = {
    "SECRET_KEY": _secret_key,
    "PUBLIC_KEY": _public_key,
    "API_BASE": _api_base,
    "TIMEOUT": _parsed_by(
        7, "TIMEOUT", defaults.timeout_pair, "For example 30, or (5, 30) for connect and read."
    ),
    "MAX_RETRIES": _parsed_by(8, "MAX_RETRIES", defaults.max_retries, "For example 2."),
    "WEBHOOK_SECRETS": _webhook_secrets,
    "WEBHOOK_TOLERANCE": _parsed_by(
        10,
        "WEBHOOK_TOLERANCE",
        defaults.webhook_tolerance,
        "Replay protection cannot be switched off; leave it out for the default of 300 seconds.",
    ),
    "PROCESS_WEBHOOKS": _process_webhooks,
    "WEBHOOK_TRUSTED_PROXIES": _parsed_by(
        12,
        "WEBHOOK_TRUSTED_PROXIES",
        _networks,
        'For example ["127.0.0.1", "10.0.0.0/8"]: your reverse proxies.',
    ),
    "CHECKOUT_SUCCESS_URL": _checkout_url("CHECKOUT_SUCCESS_URL"),
    "CHECKOUT_CANCEL_URL": _checkout_url("CHECKOUT_CANCEL_URL"),
    "CHECKOUT_REDIRECT_HOSTS": _redirect_hosts,
    "DUNNING_RETRY_DAYS": _parsed_by(
        20,
        "DUNNING_RETRY_DAYS",
        dunning_retry_days,
        "For example [1, 3, 7]: retry 1, 3 and 7 days after the first failure; [] gives up at once.",
    ),
    "DUNNING_FINAL_STATUS": _dunning_final_status,
}


def problems(config: Mapping[str, Any]) -> list[Problem]:
    """Every problem of a ``SMARTPAY`` dict, in the order of :data:`DEFAULTS` (used by the checks)."""
    options = {**DEFAULTS, **config}
    found = (RULES[name](options[name], options) for name in DEFAULTS)
    return [problem for problem in found if problem is not None]


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
    return _networks(get_setting("WEBHOOK_TRUSTED_PROXIES"))


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
