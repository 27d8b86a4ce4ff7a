"""System checks for the ``SMARTPAY`` setting (``manage.py check --tag smartpay``).

The ids are stable; a retired id is never reused.  The checks read settings and
the URLconf only: they make no database query and no HTTP request.

Errors

- ``smartpay.E001`` ``SMARTPAY`` is missing or is not a dict.
- ``smartpay.E002`` ``SMARTPAY["SECRET_KEY"]`` is missing.
- ``smartpay.E003`` ``SMARTPAY["SECRET_KEY"]`` is not shaped ``sk_test_…``/``sk_live_…``.
- ``smartpay.E004`` ``SMARTPAY["PUBLIC_KEY"]`` is set but not shaped ``pk_test_…``/``pk_live_…``.
- ``smartpay.E005`` the public and secret keys belong to different modes (test/live).
- ``smartpay.E006`` ``SMARTPAY["API_BASE"]`` is not an https URL.  Plain http is
  accepted where a leaked key cannot travel: loopback hosts (``localhost``,
  ``127.0.0.0/8``, ``::1``), and the in-process simulator origin
  ``http://smartpay.simulator`` with a *test* key.  That origin only works
  through ``Simulator.session()``; used without it, requests would go out in
  clear text to whatever answers that name, so a live key there is an error.
- ``smartpay.E007`` ``SMARTPAY["TIMEOUT"]`` is not a positive number or a ``(connect, read)`` pair.
- ``smartpay.E008`` ``SMARTPAY["MAX_RETRIES"]`` is not an integer ≥ 0.
- ``smartpay.E009`` ``SMARTPAY["WEBHOOK_SECRETS"]`` is not a list of base62
  secrets or a dict of endpoint id to a base62 secret or a non-empty list of them.
- ``smartpay.E010`` ``SMARTPAY["WEBHOOK_TOLERANCE"]`` is not a positive number of seconds.
- ``smartpay.E011`` ``SMARTPAY["PROCESS_WEBHOOKS"]`` is not ``"sync"`` or ``"async"``.
- ``smartpay.E012`` ``SMARTPAY["WEBHOOK_TRUSTED_PROXIES"]`` is not a list of IP
  addresses or networks (``"10.0.0.1"``, ``"10.0.0.0/8"``, ``"::1"``).

Warnings

- ``smartpay.W001`` a live secret key while ``DEBUG = True``.
- ``smartpay.W002`` the ``smartpay:webhook`` URL is routed but
  ``WEBHOOK_SECRETS`` is empty.  Secrets stored on ``WebhookEndpoint`` rows
  may cover it, but checks make no database query, so they cannot see them.
- ``smartpay.W003`` ``SMARTPAY`` has a key django_smartpay does not know (a typo?).
- ``smartpay.W004`` ``PROCESS_WEBHOOKS = "async"`` but Celery is not installed.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

from .client import base62
from .conf import DEFAULTS

TAG = "smartpay"
SECRET_KEY_RE = re.compile(r"^sk_(test|live)_[0-9a-zA-Z]+$")
PUBLIC_KEY_RE = re.compile(r"^pk_(test|live)_[0-9a-zA-Z]+$")
SIMULATOR_HOST = "smartpay.simulator"


def register_checks() -> None:
    register(check_settings, TAG)


def _error(number: int, msg: str, hint: str | None = None) -> Error:
    return Error(msg, hint=hint, id=f"smartpay.E{number:03d}")


def _warning(number: int, msg: str, hint: str | None = None) -> Warning:
    return Warning(msg, hint=hint, id=f"smartpay.W{number:03d}")


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    config = getattr(settings, "SMARTPAY", None)
    if not isinstance(config, dict):
        return [
            _error(
                1, "settings.SMARTPAY is missing or is not a dict.", 'Set SMARTPAY = {"SECRET_KEY": "sk_…"}.'
            )
        ]
    options = {**DEFAULTS, **config}
    messages = _check_keys(options)
    messages += _check_api_base(options)
    messages += _check_numbers(options)
    messages += _check_webhooks(options)
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        messages.append(
            _warning(3, f"SMARTPAY has unknown keys: {', '.join(unknown)}.", "Check their spelling.")
        )
    return messages


def _mode(value: Any, pattern: re.Pattern[str]) -> str | None:
    match = pattern.match(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def _check_keys(options: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    secret, public = options["SECRET_KEY"], options["PUBLIC_KEY"]
    secret_mode = _mode(secret, SECRET_KEY_RE)
    public_mode = _mode(public, PUBLIC_KEY_RE)
    if not secret:
        messages.append(
            _error(2, 'SMARTPAY["SECRET_KEY"] is not set.', "Use the secret key from Smartpay's dashboard.")
        )
    elif secret_mode is None:
        messages.append(
            _error(3, 'SMARTPAY["SECRET_KEY"] is not a Smartpay secret key (sk_test_… or sk_live_…).')
        )
    if public and public_mode is None:
        messages.append(
            _error(4, 'SMARTPAY["PUBLIC_KEY"] is not a Smartpay public key (pk_test_… or pk_live_…).')
        )
    if secret_mode and public_mode and secret_mode != public_mode:
        messages.append(
            _error(
                5,
                f'SMARTPAY["PUBLIC_KEY"] is a {public_mode} key but SMARTPAY["SECRET_KEY"] is a {secret_mode} key.',
                "Use the public and secret keys of the same mode.",
            )
        )
    if secret_mode == "live" and settings.DEBUG:
        messages.append(_warning(1, "A live Smartpay secret key is configured while DEBUG is True."))
    return messages


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_api_base(options: dict[str, Any]) -> list[CheckMessage]:
    value = options["API_BASE"]
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return [_error(6, f'SMARTPAY["API_BASE"] is not a URL: {value!r}.')]
    if parts.scheme == "https" or _is_loopback(parts.hostname):
        return []
    if parts.hostname == SIMULATOR_HOST and _mode(options["SECRET_KEY"], SECRET_KEY_RE) != "live":
        return []
    return [
        _error(
            6,
            f'SMARTPAY["API_BASE"] must use https: {value!r}.',
            "Plain http is accepted only for loopback hosts, and for http://smartpay.simulator with a test key.",
        )
    ]


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _check_numbers(options: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    timeout = options["TIMEOUT"]
    pair = isinstance(timeout, list | tuple) and len(timeout) == 2 and all(map(_positive, timeout))
    if not (_positive(timeout) or pair):
        messages.append(
            _error(7, f'SMARTPAY["TIMEOUT"] must be positive seconds or a (connect, read) pair: {timeout!r}.')
        )
    retries = options["MAX_RETRIES"]
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        messages.append(_error(8, f'SMARTPAY["MAX_RETRIES"] must be an integer >= 0: {retries!r}.'))
    if not _positive(options["WEBHOOK_TOLERANCE"]):
        messages.append(
            _error(
                10,
                f'SMARTPAY["WEBHOOK_TOLERANCE"] must be positive seconds: {options["WEBHOOK_TOLERANCE"]!r}.',
            )
        )
    return messages


def _valid_secret(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        base62.decode(value)
    except ValueError:
        return False
    return True


def _check_webhooks(options: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    secrets = options["WEBHOOK_SECRETS"]
    if isinstance(secrets, dict):
        valid = all(isinstance(key, str) and _valid_secret_or_list(value) for key, value in secrets.items())
    else:
        valid = isinstance(secrets, list | tuple) and all(map(_valid_secret, secrets))
    if not valid:
        messages.append(
            _error(
                9,
                'SMARTPAY["WEBHOOK_SECRETS"] must be a list of signing secrets, or a dict of endpoint id '
                "to a secret or a list of secrets.",
                "Signing secrets are base62 strings (letters and digits) returned when an endpoint is created.",
            )
        )
    elif not secrets and _webhook_routed():
        messages.append(
            _warning(
                2,
                'The smartpay:webhook URL is routed but SMARTPAY["WEBHOOK_SECRETS"] is empty.',
                "Ignore this if every endpoint was registered through django_smartpay: their secrets are "
                "stored on WebhookEndpoint rows, which checks cannot see because they make no database query.",
            )
        )
    if not _valid_networks():
        messages.append(
            _error(
                12,
                'SMARTPAY["WEBHOOK_TRUSTED_PROXIES"] must be a list of IP addresses or networks.',
                'For example ["127.0.0.1", "10.0.0.0/8"]: the reverse proxies in front of Django.',
            )
        )
    process = options["PROCESS_WEBHOOKS"]
    if process not in ("sync", "async"):
        messages.append(_error(11, f'SMARTPAY["PROCESS_WEBHOOKS"] must be "sync" or "async": {process!r}.'))
    elif process == "async" and importlib.util.find_spec("celery") is None:
        messages.append(_warning(4, 'SMARTPAY["PROCESS_WEBHOOKS"] is "async" but Celery is not installed.'))
    return messages


def _valid_secret_or_list(value: object) -> bool:
    if isinstance(value, list | tuple):
        return bool(value) and all(map(_valid_secret, value))
    return _valid_secret(value)


def _valid_networks() -> bool:
    """The webhook view's own parser decides (one implementation); it raises on a bad entry."""
    from .webhooks.network import trusted_proxies

    try:
        trusted_proxies()
    except ImproperlyConfigured:
        return False
    return True


def _webhook_routed() -> bool:
    try:
        reverse("smartpay:webhook")
    except (NoReverseMatch, ImproperlyConfigured):
        return False
    return True


@register(TAG)
def check_webhook_mode(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Webhook endpoints of the other mode than ``SECRET_KEY``: their events would all be ignored.

    The webhook view never applies an event of the other mode (test or live); when the
    endpoint ids in ``WEBHOOK_SECRETS`` (or, with ``--database``, active endpoint rows)
    say such events are expected, say so now.
    """
    config = getattr(settings, "SMARTPAY", None)
    key_mode = _mode(config.get("SECRET_KEY"), SECRET_KEY_RE) if isinstance(config, dict) else None
    if key_mode is None:
        return []
    other = "test" if key_mode == "live" else "live"
    secrets = config.get("WEBHOOK_SECRETS") if isinstance(config, dict) else None
    named = [str(name) for name in secrets] if isinstance(secrets, dict) else []
    endpoints = sorted(name for name in named if f"_{other}_" in name)
    if databases:
        rows = apps.get_model("smartpay", "WebhookEndpoint")._default_manager.filter(
            active=True, test=other == "test"
        )
        endpoints += sorted(set(rows.values_list("smartpay_id", flat=True)) - set(endpoints))
    if not endpoints:
        return []
    return [
        _warning(
            50,
            f"Webhook endpoints of {other} mode ({', '.join(endpoints)}) are configured but "
            f'SMARTPAY["SECRET_KEY"] is a {key_mode} key: their events are stored as ignored, never applied.',
            f"Use {key_mode}-mode endpoints, or the {other} secret key with them.",
        )
    ]
