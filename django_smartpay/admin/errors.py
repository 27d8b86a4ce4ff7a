"""How the admin words a Smartpay error: every message about a failed row is made here.

:func:`error_text` is the one place an exception becomes the text staff read; it takes the
translated sentence of :mod:`django_smartpay.errors_text`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ..errors_text import user_message
from ..exceptions import (
    SmartpayConnectionError,
    SmartpayError,
    SmartpayRateLimitError,
    SmartpayServerError,
    SmartpayValidationError,
)


def error_text(exc: SmartpayError) -> str:
    """The sentence of ``exc`` shown to staff, in the active language (never Smartpay's English)."""
    return user_message(exc)


def describe_error(subject: Any, exc: SmartpayError) -> str:
    """``<subject>: <what happened> …``: a sentence a support person can act on."""
    values = {
        "object": subject,
        "message": error_text(exc),
        "code": exc.error_code or "",
        "status": exc.status_code,
    }
    if isinstance(exc, SmartpayValidationError):
        return _("%(object)s: not done (nothing was sent to Smartpay): %(message)s") % values
    if isinstance(exc, SmartpayConnectionError):
        return (
            _("%(object)s: Smartpay could not be reached, so the outcome is unknown (%(message)s).") % values
        )
    if isinstance(exc, SmartpayServerError | SmartpayRateLimitError):
        return _("%(object)s: Smartpay is unavailable (HTTP %(status)s); try again later.") % values
    return _("%(object)s: Smartpay refused the request: %(message)s (error %(code)s).") % values
