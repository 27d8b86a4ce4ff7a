"""The four Smartpay headers of a delivery, and its signature check (spec §7.1, §7.2, §11).

Which secrets are tried, for the endpoint named by ``Smartpay-Subscription-Id``:

1. ``SMARTPAY["WEBHOOK_SECRETS"]``: a list (every secret is tried, so a rotation can
   list the old and the new one), or a dict mapping endpoint ids to a secret or a
   list of secrets (only that endpoint's entry is tried);
2. when the settings give no secret for that endpoint, or none of theirs matches,
   the secret stored on its :class:`~django_smartpay.models.WebhookEndpoint` row (an
   endpoint registered through :mod:`django_smartpay.services`).  This costs one
   query, which the caller combines with its duplicate check.

The HMAC itself is :func:`django_smartpay.client.verify_webhook`: every secret is
compared in constant time, and the timestamp must lie within
``SMARTPAY["WEBHOOK_TOLERANCE"]`` seconds of now, in the past or the future.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from django_smartpay.client import WebhookSignatureError, verify_webhook
from django_smartpay.client.constants import (
    HEADER_EVENT_ID,
    HEADER_SIGNATURE,
    HEADER_SIGNATURE_TIMESTAMP,
    HEADER_SUBSCRIPTION_ID,
)
from django_smartpay.conf import get_setting
from django_smartpay.exceptions import SmartpayConfigurationError
from django_smartpay.models.events import EVENT_ID_MAX_LENGTH

from . import errors

#: Header name -> WSGI environ key, in the order they are checked.
HEADERS = {
    name: "HTTP_" + name.upper().replace("-", "_")
    for name in (HEADER_SIGNATURE, HEADER_SIGNATURE_TIMESTAMP, HEADER_EVENT_ID, HEADER_SUBSCRIPTION_ID)
}
_EVENT_ID = re.compile(rf"[\x21-\x7e]{{1,{EVENT_ID_MAX_LENGTH}}}")
_SUBSCRIPTION_ID = re.compile(r"[\x21-\x7e]{1,64}")


@dataclass(frozen=True)
class SignedHeaders:
    signature: str
    timestamp: str
    event_id: str
    subscription_id: str


def read_headers(request: HttpRequest) -> SignedHeaders:
    """The four headers, present and well formed, or :class:`~.errors.WebhookRequestError` (400)."""
    values = []
    for name, key in HEADERS.items():
        value = request.META.get(key, "").strip()
        if not value:
            raise errors.WebhookRequestError(
                400, errors.MISSING_HEADER, _("The %(header)s header is missing.") % {"header": name}
            )
        values.append(value)
    headers = SignedHeaders(*values)
    if not _EVENT_ID.fullmatch(headers.event_id):
        raise errors.WebhookRequestError(
            400, errors.INVALID_HEADER, _("Smartpay-Event-Id is not a valid event id.")
        )
    if not _SUBSCRIPTION_ID.fullmatch(headers.subscription_id):
        raise errors.WebhookRequestError(
            400, errors.INVALID_HEADER, _("Smartpay-Subscription-Id is not a valid webhook endpoint id.")
        )
    return headers


def settings_secrets(subscription_id: str) -> list[str]:
    """The secrets ``SMARTPAY["WEBHOOK_SECRETS"]`` gives for this endpoint (maybe none)."""
    configured = get_setting("WEBHOOK_SECRETS")
    if isinstance(configured, Mapping):
        configured = configured.get(subscription_id) or []
    if isinstance(configured, str):
        return [configured]
    if isinstance(configured, list | tuple):
        return list(configured)
    raise SmartpayConfigurationError(
        'SMARTPAY["WEBHOOK_SECRETS"] must be a list of signing secrets '
        "or a dict mapping webhook endpoint ids to a secret or a list of secrets."
    )


def _check(body: bytes, headers: SignedHeaders, secrets: list[str]) -> None:
    tolerance = get_setting("WEBHOOK_TOLERANCE")
    try:
        verify_webhook(
            body,
            timestamp=headers.timestamp,
            signature=headers.signature,
            secrets=secrets,
            tolerance=tolerance,
        )
    except ValueError:
        # Raised for a secret that is not base62; the message names no secret.
        raise SmartpayConfigurationError(
            'A webhook signing secret (SMARTPAY["WEBHOOK_SECRETS"] or a WebhookEndpoint row) is not base62.'
        ) from None


def _refusal(exc: WebhookSignatureError) -> errors.WebhookRequestError:
    code = exc.error_code or errors.INVALID_SIGNATURE
    return errors.WebhookRequestError(400, code, errors.SIGNATURE_MESSAGES.get(code, exc.message))


def verify(body: bytes, headers: SignedHeaders, endpoint_secret: Callable[[], str | None]) -> None:
    """Check the signature and timestamp of ``body``; raise a 400 error if they do not hold.

    ``endpoint_secret()`` returns the secret stored for ``headers.subscription_id``; it
    is called only when the settings do not settle the question.
    """
    refused: errors.WebhookRequestError | None = None
    secrets = settings_secrets(headers.subscription_id)
    if secrets:
        try:
            _check(body, headers, secrets)
            return
        except WebhookSignatureError as exc:
            refused = _refusal(exc)
            if refused.code != errors.INVALID_SIGNATURE:
                raise refused from None
    stored = endpoint_secret()
    if not stored:
        if refused is not None:
            raise refused
        raise errors.WebhookRequestError(
            400,
            errors.UNKNOWN_SUBSCRIPTION,
            _("No signing secret is configured for this Smartpay-Subscription-Id."),
        )
    try:
        _check(body, headers, [stored])
    except WebhookSignatureError as exc:
        raise _refusal(exc) from None
