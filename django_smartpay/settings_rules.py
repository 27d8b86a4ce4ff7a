"""The rule of each key of the ``SMARTPAY`` setting, and its default: what the checks and the run time share.

Each rule takes a value (and the whole dict, for rules that depend on another key) and
returns a :class:`Problem` or ``None``; :mod:`django_smartpay.conf` reads the settings
through them and :mod:`django_smartpay.checks` reports them.  Nothing here reads settings.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .client import base62, defaults
from .client.validation import ID_PATTERNS, PUBLIC_KEY_PATTERN, SECRET_KEY_PATTERN
from .exceptions import SmartpayConfigurationError

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


def networks(value: object) -> tuple[Network, ...]:
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
        networks,
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
