"""System checks for the Celery settings token charges rely on (``manage.py check --tag smartpay``).

They read the Django settings of the ``CELERY_`` namespace (what
``app.config_from_object("django.conf:settings", namespace="CELERY")`` loads),
make no database query, and run only when Celery is installed and a real broker
is configured: ``CELERY_BROKER_URL`` set to something other than ``memory://``,
and ``CELERY_TASK_ALWAYS_EAGER`` not true.  The ids are stable.

- ``smartpay.W101`` ``CELERY_TASK_ACKS_LATE`` is not true: a charge task is
  acknowledged before it runs, so a worker that dies mid-charge loses it until
  ``smartpay_reconcile`` notices.
- ``smartpay.W102`` ``CELERY_TASK_REJECT_ON_WORKER_LOST`` is not true: with late
  acknowledgement, a task whose worker process was killed is acknowledged anyway.
- ``smartpay.W103`` the broker is Redis (or SQS) and its ``visibility_timeout``
  is not longer than the longest countdown a charge task is retried with: a
  message waiting for its countdown would be delivered a second time.  (The
  second delivery is harmless — the charge is claimed — but it is wasted work
  and, in bulk, a storm.)
- ``smartpay.W104`` ``CELERY_TASK_SERIALIZER`` is not ``"json"``.
- ``smartpay.W105`` ``CELERY_ACCEPT_CONTENT`` accepts more than JSON (pickle lets
  whoever can write to the broker run code in the worker).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

from .charging.policy import longest_countdown

TAG = "smartpay"
#: Celery's default visibility timeout for Redis and SQS (seconds).
DEFAULT_VISIBILITY_TIMEOUT = 3600
VISIBILITY_SCHEMES = ("redis", "rediss", "sentinel", "sqs")


def register_checks() -> None:
    register(check_celery_settings, TAG)


def _warning(number: int, msg: str, hint: str) -> Warning:
    return Warning(msg, hint=hint, id=f"smartpay.W{number:03d}")


def celery_configured() -> bool:
    """Celery is installed and a real broker is set (not ``memory://``, not eager)."""
    if importlib.util.find_spec("celery") is None:
        return False
    broker = getattr(settings, "CELERY_BROKER_URL", None)
    if not isinstance(broker, str) or not broker or broker.startswith("memory://"):
        return False
    return not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)


def check_celery_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not celery_configured():
        return []
    messages: list[CheckMessage] = []
    if getattr(settings, "CELERY_TASK_ACKS_LATE", False) is not True:
        messages.append(
            _warning(
                101,
                "CELERY_TASK_ACKS_LATE is not True: a Smartpay charge task is lost if its worker dies while it runs.",
                "Set CELERY_TASK_ACKS_LATE = True.  A charge task that runs twice is harmless: it claims its charge "
                "and sends the same Idempotency-Key.",
            )
        )
    if getattr(settings, "CELERY_TASK_REJECT_ON_WORKER_LOST", False) is not True:
        messages.append(
            _warning(
                102,
                "CELERY_TASK_REJECT_ON_WORKER_LOST is not True: a charge task whose worker process is killed is "
                "acknowledged instead of delivered again.",
                "Set CELERY_TASK_REJECT_ON_WORKER_LOST = True (with CELERY_TASK_ACKS_LATE = True).",
            )
        )
    messages += _check_visibility_timeout()
    serializer = getattr(settings, "CELERY_TASK_SERIALIZER", "json")
    if serializer != "json":
        messages.append(
            _warning(
                104,
                f"CELERY_TASK_SERIALIZER is {serializer!r}: Smartpay tasks take primary keys and need only JSON.",
                'Set CELERY_TASK_SERIALIZER = "json".',
            )
        )
    accept = getattr(settings, "CELERY_ACCEPT_CONTENT", ["json"])
    extra = sorted({str(item) for item in accept} - {"json", "application/json"}) if accept else []
    if extra:
        messages.append(
            _warning(
                105,
                f"CELERY_ACCEPT_CONTENT accepts {', '.join(extra)} besides JSON.",
                'Set CELERY_ACCEPT_CONTENT = ["json"]: a worker that accepts pickle runs code written to the broker.',
            )
        )
    return messages


def _check_visibility_timeout() -> list[CheckMessage]:
    broker = str(getattr(settings, "CELERY_BROKER_URL", ""))
    if broker.split("://", 1)[0].split("+", 1)[0] not in VISIBILITY_SCHEMES:
        return []
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    timeout = (
        options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT) if isinstance(options, dict) else None
    )
    needed = longest_countdown()
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > needed:
        return []
    return [
        _warning(
            103,
            f"The broker's visibility_timeout ({timeout!r} s) is not longer than the longest countdown of a "
            f"Smartpay charge retry ({needed:.0f} s): waiting retries would be delivered twice.",
            f'Set CELERY_BROKER_TRANSPORT_OPTIONS = {{"visibility_timeout": {max(DEFAULT_VISIBILITY_TIMEOUT, int(needed) * 2)}}} '
            "or more.",
        )
    ]
