"""System checks of the ``SMARTPAY`` setting (``manage.py check --tag smartpay``).

Errors come from the rules of :mod:`django_smartpay.conf`, the very ones every read at
run time applies, so what the checks accept works and what would fail is an ``E``.
Ids are stable and never reused (``W004`` became ``E013``); the README lists them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.urls import NoReverseMatch, reverse

from . import conf
from .client.errors import redact
from .client.validation import SECRET_KEY_PATTERN

TAG = "smartpay"


def register_checks() -> None:
    register(check_settings, TAG)
    # Only Tags.database, like W050: Django 6 runs a database check that carries a tag asked
    # for (check --tag smartpay) against every database; these run with --database and migrate.
    register(check_webhook_secrets, Tags.database)


def _warning(number: int, msg: str, hint: str | None = None) -> Warning:
    return Warning(msg, hint=hint, id=f"smartpay.W{number:03d}")


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    config = getattr(settings, "SMARTPAY", None)
    if not isinstance(config, dict):
        return [
            Error(
                "settings.SMARTPAY is missing or is not a dict.",
                hint='Set SMARTPAY = {"SECRET_KEY": "sk_…"}.',
                id="smartpay.E001",
            )
        ]
    messages: list[CheckMessage] = [
        Error(problem.message, hint=problem.hint, id=f"smartpay.E{problem.number:03d}")
        for problem in conf.problems(config)
    ]
    options = {**conf.DEFAULTS, **config}
    if conf.key_mode(options["SECRET_KEY"], SECRET_KEY_PATTERN) == "live" and settings.DEBUG:
        messages.append(_warning(1, "A live Smartpay secret key is configured while DEBUG is True."))
    misspelt = sorted(filter(None, map(_known_name, config)))
    messages += [
        Error(
            f'SMARTPAY has the key {name} with stray whitespace or in another case: SMARTPAY["{name}"] '
            "keeps its default.",
            hint=f'Spell the key exactly "{name}".',
            id="smartpay.E016",
        )
        for name in misspelt
    ]
    unknown = sorted(redact(str(key)) for key in set(config) - set(conf.DEFAULTS) if _known_name(key) is None)
    if unknown:
        messages.append(
            _warning(3, f"SMARTPAY has unknown keys: {', '.join(unknown)}.", "Check their spelling.")
        )
    return messages


def _known_name(key: object) -> str | None:
    """The setting ``key`` means when it is one with whitespace around it or in another case."""
    if not isinstance(key, str):
        return None
    name = "".join(key.split()).upper()
    return name if name in conf.DEFAULTS and name != key else None


def _webhook_routed() -> bool:
    try:
        reverse("smartpay:webhook")
    except (NoReverseMatch, ImproperlyConfigured):
        return False
    return True


def _key_mode() -> str | None:
    config = getattr(settings, "SMARTPAY", None)
    return conf.key_mode(config.get("SECRET_KEY"), SECRET_KEY_PATTERN) if isinstance(config, dict) else None


def check_webhook_secrets(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """W002: the webhook URL is routed but no signing secret could verify a delivery.

    The README's set-up registers endpoints with ``smartpay_webhooks register``, which
    keeps each signing secret on its ``WebhookEndpoint`` row, and leaves
    ``WEBHOOK_SECRETS`` empty: so the check looks at the rows, which makes it a
    ``database`` check (``check --database default``, ``migrate``; not ``check --tag
    smartpay``, which makes no query).  It warns only when
    ``WEBHOOK_SECRETS`` is empty and no active endpoint of the secret key's mode with a
    secret is stored in any of the migrated databases named.
    """
    config = getattr(settings, "SMARTPAY", None)
    key_mode = _key_mode()
    if not databases or key_mode is None or not isinstance(config, dict):
        return []
    if (
        config.get("WEBHOOK_SECRETS", conf.DEFAULTS["WEBHOOK_SECRETS"]) not in ([], (), {})
        or not _webhook_routed()
    ):
        return []
    model = apps.get_model("smartpay", "WebhookEndpoint")
    migrated = [
        alias for alias in databases if model._meta.db_table in connections[alias].introspection.table_names()
    ]
    if not migrated:
        return []  # not migrated yet: migrate runs the database checks first
    for alias in migrated:
        rows = model._default_manager.using(alias).filter(active=True, test=key_mode == "test")
        if rows.exclude(signing_secret="").exists():
            return []
    return [
        _warning(
            2,
            'The smartpay:webhook URL is routed but no signing secret is configured: SMARTPAY["WEBHOOK_SECRETS"] '
            "is empty and no active webhook endpoint with a secret is stored, so every delivery would be refused.",
            "Register the endpoint: manage.py smartpay_webhooks register https://<your host>/<path>/webhook/ "
            "(its secret is stored on its row), or put the secret of an endpoint made in the dashboard in "
            'SMARTPAY["WEBHOOK_SECRETS"].',
        )
    ]


@register(Tags.database)
def check_webhook_mode(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Active webhook endpoint rows of the other mode than ``SECRET_KEY`` (with ``--database``).

    A ``database`` check, as Django runs them: only for the databases a command names
    (``check --database default``, ``migrate``), and only once the table exists.

    The webhook view never applies an event of the other mode (test or live): an endpoint
    registered with a test key stays on its row when the project switches to a live key,
    and its deliveries would all be stored as ignored.  (Endpoint ids of the other mode in
    ``WEBHOOK_SECRETS`` are an error of the settings rules already.)
    """
    config = getattr(settings, "SMARTPAY", None)
    key_mode = (
        conf.key_mode(config.get("SECRET_KEY"), SECRET_KEY_PATTERN) if isinstance(config, dict) else None
    )
    if key_mode is None or not databases:
        return []
    other = "test" if key_mode == "live" else "live"
    model = apps.get_model("smartpay", "WebhookEndpoint")
    endpoints: list[str] = []
    for alias in databases:
        if model._meta.db_table not in connections[alias].introspection.table_names():
            continue  # not migrated yet (migrate runs the database checks first)
        rows = model._default_manager.using(alias).filter(active=True, test=other == "test")
        endpoints.extend(rows.values_list("smartpay_id", flat=True))
    endpoints.sort()
    if not endpoints:
        return []
    return [
        _warning(
            50,
            f"Active webhook endpoints of {other} mode ({', '.join(endpoints)}) are stored but "
            f'SMARTPAY["SECRET_KEY"] is a {key_mode} key: their events are stored as ignored, never applied.',
            f"Deactivate or delete them (services.delete_webhook_endpoint), or use the {other} secret key.",
        )
    ]
