"""The webhook endpoint: the HTTP door that reads a delivery, has it verified, then applied.

It owns status codes, the body size limit and error bodies, and runs outside
``ATOMIC_REQUESTS`` so that a failure is recorded even when it answers 500.
"""

from __future__ import annotations

import logging
import re

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest, JsonResponse, UnreadablePostError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from django_smartpay import conf

from . import applying, errors
from .network import client_address
from .verification import (
    SignedHeaders,
    check_timestamp,
    claimed_object,
    parse,
    read_headers,
    verify_signature,
)

logger = logging.getLogger("django_smartpay.webhooks")

#: Largest body accepted (1 MiB); Smartpay's events are a few kilobytes.
MAX_BODY_BYTES = 1024 * 1024

#: Stored request headers whose name matches this have their value replaced: the signature,
#: and anything that may carry a credential (a proxy's or a load balancer's included).
REDACTED_HEADERS = re.compile(r"signature|auth|cookie|secret|token|key|pass|session|csrf", re.IGNORECASE)
#: Headers kept as they are although the pattern above matches them (no credential in them).
KEPT_HEADERS = frozenset({"Smartpay-Signature-Timestamp"})
REDACTED = "[redacted]"
#: At most this many headers are stored, each value cut to HEADER_MAX_LENGTH characters.
MAX_STORED_HEADERS = 50
HEADER_MAX_LENGTH = 1000


def _too_large() -> errors.WebhookRequestError:
    message = _("The body is larger than %(limit)d bytes.") % {"limit": MAX_BODY_BYTES}
    return errors.WebhookRequestError(413, errors.BODY_TOO_LARGE, message)


def _read_body(request: HttpRequest) -> bytes:
    """The raw body, refused from ``Content-Length`` before reading, and never read past the limit."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise _too_large()
    try:
        body = request.read(MAX_BODY_BYTES + 1)
    except UnreadablePostError:
        raise errors.WebhookRequestError(
            400, errors.UNREADABLE_BODY, _("The body could not be read.")
        ) from None
    if len(body) > MAX_BODY_BYTES:
        raise _too_large()
    return body


def _stored_headers(request: HttpRequest) -> dict[str, str]:
    """The request's headers, with the signature and any credentials redacted."""
    stored = {}
    for name, value in list(request.headers.items())[:MAX_STORED_HEADERS]:
        safe = value.replace("\x00", "")[:HEADER_MAX_LENGTH]
        stored[name[:HEADER_MAX_LENGTH]] = (
            REDACTED if REDACTED_HEADERS.search(name) and name not in KEPT_HEADERS else safe
        )
    return stored


def _error(exc: errors.WebhookRequestError) -> JsonResponse:
    return JsonResponse(exc.as_json(), status=exc.status)


@sensitive_variables("secrets", "found")  # an error report must not show the signing secrets
def _verify(body: bytes, headers: SignedHeaders) -> applying.Lookup:
    """Check the signature with the configured secrets, else the endpoint row's; return what is stored.

    The endpoint's row is read only when the settings give no matching secret, and then
    together with the event's state, so either way one query tells whether the event is
    new and whether the object it names is mirrored.
    """
    secrets = conf.webhook_secrets_for(headers.subscription_id)
    tolerance = conf.webhook_tolerance()
    refused: errors.WebhookRequestError | None = None
    if secrets:
        try:
            verify_signature(body, headers, secrets, None)
        except errors.WebhookRequestError as exc:
            if exc.code != errors.INVALID_SIGNATURE:
                raise
            refused = exc
        else:
            lookup = applying.lookup_event(headers.event_id, claimed_object(body))
            check_timestamp(headers.timestamp, lookup.event.status if lookup.event else None, tolerance)
            return lookup
    found = applying.endpoint_secret(headers.subscription_id, headers.event_id, claimed_object(body))
    if found is None or not found[0]:
        raise refused or errors.WebhookRequestError(
            400,
            errors.UNKNOWN_SUBSCRIPTION,
            _("No signing secret is configured for this Smartpay-Subscription-Id."),
        )
    verify_signature(body, headers, [found[0]], None)
    lookup = found[1]
    check_timestamp(headers.timestamp, lookup.event.status if lookup.event else None, tolerance)
    return lookup


def _handle(request: HttpRequest) -> JsonResponse:
    body = _read_body(request)
    headers = read_headers(request)
    lookup = _verify(body, headers)
    delivery = applying.Delivery(
        headers=headers,
        body=body,
        stored_headers=_stored_headers(request),
        remote_addr=client_address(request),
    )
    try:
        event = parse(body, headers.event_id)
    except errors.MalformedEvent as exc:
        applying.record_malformed(delivery, exc)
        raise
    claimed = lookup.about is not None and lookup.about == (event.object_kind, event.object_id)
    outcome = applying.receive(
        event, delivery, lookup.event, object_known=lookup.object_known if claimed else None
    )
    if outcome.result == "conflict":
        raise errors.WebhookRequestError(
            409, errors.EVENT_ID_REUSED, _("This event id is stored with another body; it was not applied.")
        )
    if outcome.status_code >= 500:
        raise errors.WebhookRequestError(
            500,
            errors.PROCESSING_FAILED,
            _("The event was stored but could not be applied; deliver it again to retry."),
        )
    return JsonResponse({"status": outcome.result, "event": headers.event_id})


@csrf_exempt
@login_not_required
@transaction.non_atomic_requests
def webhook(request: HttpRequest) -> JsonResponse:
    """Receive one Smartpay webhook delivery: ``POST`` only, CSRF- and login-exempt.

    Answers (JSON):

    - 200 ``{"status": "processed"|"ignored"|"received"|"duplicate", "event": id}``; "ignored"
      is also the answer to an event of the other mode (test or live) than ``SECRET_KEY``,
      which is stored but never applied (answered 200 so that Smartpay stops sending it);
    - 400 ``{"error", "message"}``: a missing or malformed header, a bad signature, a
      timestamp outside the tolerance, an unknown subscription, a signed body that is not
      a valid event (any field of the wrong type or range: recorded as a failed event, and
      each of Smartpay's retries is refused the same way, never reaching the mirrored
      tables), or an event id that differs
      between header and body;
    - 409 when the event id is stored, not yet applied, with another body (a genuine retry
      carries the same body), which is left as it was;
    - 405 for any method but ``POST``; 413 for a body over :data:`MAX_BODY_BYTES` (refused
      from ``Content-Length`` before reading, and reading is capped);
    - 500 when applying the event failed (recorded on its row; Smartpay retries), or when
      the receiver is misconfigured.

    The view must not run inside a transaction: it commits the event row on its own
    (``transaction.non_atomic_requests``), so a failure is recorded even when it answers
    500, and signals go out once that row is committed.
    """
    if request.method != "POST":
        response = _error(
            errors.WebhookRequestError(405, errors.METHOD_NOT_ALLOWED, _("Webhooks are delivered with POST."))
        )
        response["Allow"] = "POST"
        return response
    try:
        return _handle(request)
    except errors.WebhookRequestError as exc:
        if exc.status < 500:
            logger.warning("smartpay webhook refused: %s", exc.code)
        return _error(exc)
    except ImproperlyConfigured:
        logger.exception("smartpay webhook receiver is misconfigured")
        return _error(
            errors.WebhookRequestError(
                500, errors.MISCONFIGURED, _("The webhook receiver is misconfigured; see the server log.")
            )
        )
