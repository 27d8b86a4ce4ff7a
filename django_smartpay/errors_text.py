"""Text for people of every error a door shows: stable codes → translated sentences.

The client (which imports nothing of Django) gives each local validation problem a stable
code and parameters (:data:`~django_smartpay.client.problems.PROBLEM_CODES`); Smartpay gives
each refusal an ``errorCode`` (``order.not-found``).  This module turns both into a sentence in
the active language: :func:`problem_text` for one problem, :func:`problem_texts` for each of a
validation error, :func:`user_message` for any :class:`SmartpayError`.  An unknown code gets a
general sentence of the error's kind: Smartpay's own English message is never shown, and no
text here carries a secret (parameters are redacted, codes must look like codes).

The services and the charging engine translate their own refusals where they raise them (their
``message`` is already in the request's language) and give them a code and parameters of their
own: those messages are shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .client.errors import (
    SmartpayAuthenticationError,
    SmartpayConflictError,
    SmartpayConnectionError,
    SmartpayError,
    SmartpayInvalidRequestError,
    SmartpayNotFoundError,
    SmartpayRateLimitError,
    SmartpayServerError,
    SmartpayTimeoutError,
    SmartpayValidationError,
    redact,
)
from .client.problems import Problem

#: A code as Smartpay and the client write them; anything else is never shown.
SAFE_CODE: Final = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
MAX_SHOWN_PARAM = 120

#: One translated sentence per code of the client's local validation (``PROBLEM_CODES``).
PROBLEM_MESSAGES: Final[Mapping[str, Promise]] = {
    "value.required": _("%(field)s is required."),
    "value.empty": _("%(field)s must not be empty."),
    "value.not-allowed-in-token-mode": _("%(field)s is not allowed in a token checkout."),
    "value.not-allowed-with": _("%(field)s is not allowed when %(other)s is %(value)s."),
    "value.conflict": _("%(field)s and %(other)s are both given and differ."),
    "value.differs-from-payload": _("%(field)s differs from %(other)s in the payload."),
    "integer.invalid": _("%(field)s must be a whole number."),
    "integer.fraction": _("%(field)s must be a whole number, without a fraction."),
    "integer.too-small": _("%(field)s must be at least %(minimum)s."),
    "integer.too-large": _("%(field)s must be at most %(maximum)s."),
    "number.invalid": _("%(field)s must be a number."),
    "number.not-finite": _("%(field)s must be a finite number."),
    "number.out-of-range": _("%(field)s must be between %(minimum)s and %(maximum)s."),
    "text.invalid": _("%(field)s must be text."),
    "text.too-long": _("%(field)s must be at most %(maximum)s characters (it has %(length)s)."),
    "boolean.invalid": _("%(field)s must be true or false."),
    "choice.invalid": _("%(field)s must be one of %(allowed)s."),
    "mapping.invalid": _("%(field)s must be an object."),
    "mapping.too-many-keys": _("%(field)s may have at most %(maximum)s keys (it has %(count)s)."),
    "mapping.key-not-text": _("The keys of %(field)s must be text."),
    "mapping.duplicate-key": _("%(field)s is given twice (also as %(other)s)."),
    "list.invalid": _("%(field)s must be a list."),
    "list.too-long": _("%(field)s may have at most %(maximum)s entries (it has %(count)s)."),
    "list.item-not-text": _("%(field)s may contain only non-empty text."),
    "datetime.naive": _("%(field)s must be a date and time with a time zone."),
    "date.is-datetime": _("%(field)s must be a date without a time."),
    "date.invalid": _("%(field)s must be a date written YYYY-MM-DD."),
    "id.invalid": _("%(field)s must be an id like %(prefix)s_test_…."),
    "key.secret-invalid": _("The secret key must look like sk_test_… or sk_live_…."),
    "key.public-invalid": _("The public key must look like pk_test_… or pk_live_…."),
    "key.mode-mismatch": _("The public key and the secret key must both be test keys or both be live keys."),
    "idempotency-key.invalid": _(
        "The idempotency key must be 1 to %(maximum)s printable ASCII characters without spaces."
    ),
    "items.no-product": _("%(field)s must contain at least one product item."),
    "amount.negative-total": _("The total of the items and the shipping fee is negative (%(amount)s)."),
    "shipping.address-twice": _("%(field)s has both an address and address fields (%(names)s) of its own."),
    "promotion-code.token-order": _("A promotion code cannot be used for an order paid with a token."),
    "update.empty": _("Give at least one field to change."),
    "request.method-invalid": _("%(field)s must be one of %(allowed)s."),
    "request.path-invalid": _("%(field)s must start with /."),
    "request.not-json": _("The request cannot be sent: a value cannot be written as JSON."),
}

#: Smartpay's ``errorCode`` values that reach people, and what to tell them.
API_MESSAGES: Final[Mapping[str, Promise]] = {
    "request.invalid": _("Smartpay found the request invalid."),
    "request.malformed": _("Smartpay could not read the request."),
    "request.too-large": _("The request is too large for Smartpay."),
    "request.in-progress": _("The same request is still being processed. Please try again in a moment."),
    "request.idempotency-key-reused": _(
        "This request was already sent with different contents; start it again from the beginning."
    ),
    "checkout-session.not-found": _("This checkout session does not exist at Smartpay."),
    "order.not-found": _("This order does not exist at Smartpay."),
    "payment.not-found": _("This payment does not exist at Smartpay."),
    "refund.not-found": _("This refund does not exist at Smartpay."),
    "token.not-found": _("This saved payment method does not exist at Smartpay or cannot be used now."),
    "coupon.not-found": _("This coupon does not exist at Smartpay."),
    "promotion-code.not-found": _("This promotion code does not exist at Smartpay."),
    "webhook-endpoint.not-found": _("This webhook endpoint does not exist at Smartpay."),
    "object.not-found": _("This object does not exist at Smartpay."),
    "order.cannot-capture": _("This order cannot be captured in its current state."),
    "order.cannot-cancel": _("This order cannot be canceled in its current state."),
    "order.cannot-authorize": _("This order cannot be authorized in its current state."),
    "order.rejected": _("Smartpay declined the payment."),
    "payment.excessive-amount": _("The amount is more than what is left to capture on this order."),
    "amount.insufficient": _("The amount is more than what is left to refund on this payment."),
    "token.invalid": _("This saved payment method is not active, so it cannot be charged."),
    "token.cannot-authorize": _("This saved payment method cannot be approved in its current state."),
    "token.disabled": _("This saved payment method is disabled."),
    "promotion-code.exists": _("This promotion code already exists."),
    "webhook.invalid-signature": _("The webhook signature could not be verified."),
}

#: What to say when the code is unknown, by the kind of error (most specific first).
GENERIC_MESSAGES: Final[tuple[tuple[type[SmartpayError], Promise], ...]] = (
    (SmartpayValidationError, _("The request is invalid; nothing was sent to Smartpay.")),
    (SmartpayTimeoutError, _("Smartpay did not answer in time.")),
    (SmartpayConnectionError, _("The connection to Smartpay failed.")),
    (SmartpayRateLimitError, _("Smartpay is receiving too many requests. Please try again later.")),
    (SmartpayServerError, _("Smartpay is not working as expected. Please try again later.")),
    (SmartpayAuthenticationError, _("The shop's Smartpay keys are not accepted. Please contact the shop.")),
    (SmartpayNotFoundError, _("This object does not exist at Smartpay.")),
    (SmartpayConflictError, _("The current state of the object does not allow this.")),
    (SmartpayInvalidRequestError, _("Smartpay found the request invalid.")),
    (SmartpayError, _("The request could not be completed.")),
)


def safe_code(code: object) -> str | None:
    """``code`` if it looks like a code and holds nothing redaction would mask, else ``None``."""
    if isinstance(code, str) and len(code) <= 64 and SAFE_CODE.fullmatch(code) and redact(code) == code:
        return code
    return None


def _shown(value: Any) -> Any:
    """A parameter as a sentence may show it: numbers as they are, text redacted and cut short."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = redact(str(value))
    return text if len(text) <= MAX_SHOWN_PARAM else text[: MAX_SHOWN_PARAM - 1] + "…"


def problem_text(problem: Problem) -> str | None:
    """The sentence of one client problem in the active language.

    ``None`` for an unknown code, or parameters that do not fit the code's sentence.
    """
    message = PROBLEM_MESSAGES.get(problem.code)
    if message is None:
        return None
    params = {name: _shown(value) for name, value in problem.params.items()}
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return None  # not the parameters of this code: the error's own text is shown instead


def problem_texts(exc: SmartpayValidationError) -> list[tuple[str, str]]:
    """``(code, sentence)`` for each problem of a validation error, in the active language.

    A problem of the client is rendered from its code.  A refusal of the services or of the
    charging engine carries its own translated ``message`` (and a code of its own); an error
    with neither a known code nor such a message gets the general sentence.
    """
    found: list[tuple[str, str]] = []
    for problem in exc.problems:
        text = problem_text(problem)
        if text is not None:
            found.append((problem.code, text))
    if found and len(found) == len(exc.problems):
        return found
    code = safe_code(exc.code) or "invalid"
    own = [str(detail) for detail in exc.details if isinstance(detail, str) and detail] or [exc.message]
    own = [text for text in own if text]
    if own:
        return [(code, text) for text in own]
    return [(code, str(GENERIC_MESSAGES[0][1]))]


def api_text(exc: SmartpayError) -> str:
    """The sentence of a Smartpay refusal or failure: its code's text, else its kind's."""
    code = exc.error_code
    if code is not None and code in API_MESSAGES and not isinstance(exc, SmartpayValidationError):
        return str(API_MESSAGES[code])
    for kind, message in GENERIC_MESSAGES:
        if isinstance(exc, kind):
            return str(message)
    return str(GENERIC_MESSAGES[-1][1])


def user_message(exc: SmartpayError) -> str:
    """One sentence for a person about ``exc``, in the active language, never with a secret."""
    if isinstance(exc, SmartpayValidationError):
        return " ".join(text for _code, text in problem_texts(exc))
    return api_text(exc)


__all__ = [
    "API_MESSAGES",
    "GENERIC_MESSAGES",
    "PROBLEM_MESSAGES",
    "api_text",
    "problem_text",
    "problem_texts",
    "safe_code",
    "user_message",
]
