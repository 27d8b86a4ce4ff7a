"""System checks of ``settings.SMARTYPAY`` (``manage.py check --tag smartypay``), ids ``smartypay.*``.

Registered by the app's ``ready()``, so a project that does not install the app never runs
them.  The errors come from the rules of :mod:`.conf`, the ones every read applies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from django_smartpay.client.errors import redact

from . import conf

TAG = "smartypay"


def register_checks() -> None:
    register(check_settings, TAG)


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    config = getattr(settings, "SMARTYPAY", None)
    if not isinstance(config, dict):
        return [
            Error(
                "settings.SMARTYPAY is missing or is not a dict.",
                hint='Set SMARTYPAY = {"API_KEY": …, "SECRET": …, "MERCHANT_ID": …}.',
                id="smartypay.E001",
            )
        ]
    messages: list[CheckMessage] = [
        Error(problem.message, hint=problem.hint, id=f"smartypay.E{problem.number:03d}")
        for problem in conf.problems(config)
    ]
    unknown = sorted(redact(str(key))[:40] for key in config if key not in conf.DEFAULTS)
    if unknown:
        messages.append(
            Warning(
                f"SMARTYPAY has unknown keys: {', '.join(unknown)}.",
                hint="Check their spelling.",
                id="smartypay.W001",
            )
        )
    return messages
