"""The error tree raised by :class:`~django_smartpay.client.SmartpayClient`.

Every error carries ``status_code`` (``None`` when nothing came back from the
server), ``error_code`` (Smartpay's ``errorCode`` such as ``order.not-found``),
``message`` and ``details``.  No error text ever contains a secret: every message
and every detail passes through :func:`redact` / :func:`redact_value`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .problems import Problem

MASK = "***"
_SECRET_KEY = re.compile(r"sk_(?:test|live)_[0-9A-Za-z]+")
#: ``Authorization: Basic <key>`` / ``Bearer <token>`` in an echoed header.
_AUTHORIZATION = re.compile(r"(?i)\b(authorization\b[\"']?\s*[:=]\s*[\"']?(?:basic|bearer)?\s*)[^\s\"',;}]+")
#: ``signingSecret=…``, ``"signing_secret": "…"``, ``secret: …``, ``password=…`` (JSON, query, text).
_SECRET_FIELD = re.compile(
    r"(?i)((?:signing[_-]?secret|[a-z_]*secret|password|api[_-]?key)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"
)
#: ``https://user:password@host``: credentials in a URL.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_SECRET_NAME = re.compile(r"(?i)secret|password|authorization|api[_-]?key")


def redact(text: str) -> str:
    """Mask what looks like a secret: secret keys, secret fields, Authorization values, URL credentials."""
    text = _SECRET_KEY.sub("sk_" + MASK, text)
    text = _AUTHORIZATION.sub(r"\g<1>" + MASK, text)
    text = _SECRET_FIELD.sub(r"\g<1>" + MASK, text)
    return _URL_USERINFO.sub(r"\g<1>" + MASK + "@", text)


def redact_value(value: Any) -> Any:
    """:func:`redact` every string inside ``value``; mask whole values under secret-named keys."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            key: MASK if isinstance(key, str) and _SECRET_NAME.search(key) else redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


class SmartpayError(Exception):
    """Base class of every error the client raises about a Smartpay call."""

    default_error_code: str | None = None
    #: Class-level answers of the two properties below; subclasses set them.
    retry_may_succeed: bool = False
    may_have_been_applied: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        details: list[Any] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        self.message = redact(str(message))
        self.status_code = status_code
        self.error_code = error_code if error_code is not None else self.default_error_code
        self.details = [redact_value(item) for item in details] if details else []
        #: The ``Idempotency-Key`` sent with the failed call, so the caller can retry it safely.
        self.idempotency_key = idempotency_key
        super().__init__(self.message)

    @property
    def transient(self) -> bool:
        """Whether the same request, sent again with the same idempotency key, may still succeed."""
        return self.retry_may_succeed

    @property
    def outcome_unknown(self) -> bool:
        """Whether Smartpay may have applied the request although no success answer came back."""
        return self.may_have_been_applied

    def __str__(self) -> str:
        head = " ".join(str(part) for part in (self.status_code, self.error_code) if part is not None)
        text = f"[{head}] {self.message}" if head else self.message
        if self.details:
            text += " (" + "; ".join(redact(str(item)) for item in self.details) + ")"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"error_code={self.error_code!r}, message={self.message!r})"
        )


class SmartpayInvalidRequestError(SmartpayError):
    """The request was refused as invalid (HTTP 400, 403 or 422)."""

    default_error_code = "request.invalid"


class SmartpayValidationError(SmartpayInvalidRequestError):
    """Local validation failed; no HTTP request was sent.

    ``problems`` holds each problem as a stable code and its parameters
    (:class:`~django_smartpay.client.problems.Problem`); ``code`` and ``params`` are those of
    the first.  ``details`` are their English sentences unless given.  A translated text of
    the same codes comes from ``django_smartpay.errors_text`` in a Django project.
    """

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
        problems: Iterable[Problem] = (),
        details: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        found = [Problem(code, dict(params or {}))] if code is not None else []
        found.extend(problems)
        #: Each problem, its parameters redacted like every other text of an error.
        self.problems: tuple[Problem, ...] = tuple(
            Problem(problem.code, redact_value(dict(problem.params))) for problem in found
        )
        if details is None and self.problems:
            details = [str(problem) for problem in self.problems]
        super().__init__(message or (details[0] if details else ""), details=details, **kwargs)

    @property
    def code(self) -> str | None:
        """The stable code of the first problem (``"value.required"``), ``None`` if it has none."""
        return self.problems[0].code if self.problems else None

    @property
    def params(self) -> dict[str, Any]:
        """The parameters of the first problem (``{"field": "amount"}``)."""
        return dict(self.problems[0].params) if self.problems else {}


class SmartpayAuthenticationError(SmartpayError):
    """The secret key is missing, malformed or unknown (HTTP 401)."""


class SmartpayNotFoundError(SmartpayError):
    """The object does not exist in this mode of this account (HTTP 404)."""


class SmartpayConflictError(SmartpayError):
    """The object's state forbids the operation, or an idempotency conflict (HTTP 409)."""

    @property
    def transient(self) -> bool:
        # ``request.in-progress``: the first request with this key is still running.
        return self.error_code == "request.in-progress"

    @property
    def outcome_unknown(self) -> bool:
        return self.transient


class SmartpayRateLimitError(SmartpayError):
    """Too many requests (HTTP 429).  Nothing was applied; try again later."""

    retry_may_succeed = True


class SmartpayServerError(SmartpayError):
    """Smartpay failed (HTTP 5xx), or answered a 2xx that could not be parsed."""

    retry_may_succeed = True
    may_have_been_applied = True


class SmartpayConnectionError(SmartpayError):
    """No answer: the connection failed.  The request may or may not have been applied."""

    retry_may_succeed = True
    may_have_been_applied = True


class SmartpayTimeoutError(SmartpayConnectionError):
    """No answer in time.  The request may or may not have been applied."""


class WebhookSignatureError(SmartpayError):
    """A webhook's signature, timestamp or headers did not verify."""

    default_error_code = "webhook.invalid-signature"


__all__ = [
    "SmartpayAuthenticationError",
    "SmartpayConflictError",
    "SmartpayConnectionError",
    "SmartpayError",
    "SmartpayInvalidRequestError",
    "SmartpayNotFoundError",
    "SmartpayRateLimitError",
    "SmartpayServerError",
    "SmartpayTimeoutError",
    "SmartpayValidationError",
    "WebhookSignatureError",
    "redact",
    "redact_value",
]
