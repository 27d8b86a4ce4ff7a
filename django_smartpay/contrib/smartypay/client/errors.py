"""The errors of :class:`~django_smartpay.contrib.smartypay.client.SmartyPayClient`.

SmartyPay answers an error with an error object carrying a ``code`` (``PaymentNotFound``)
and an HTTP status.  Every documented code has a class of its own; an undocumented code
gets the class of its HTTP status.  Messages are redacted: they never carry the API key
or the secret (the transport also masks the exact values it was given).
"""

from __future__ import annotations

from typing import Any, Final

from django_smartpay.client.errors import redact, redact_value


class SmartyPayError(Exception):
    """Base class of every error about a SmartyPay call."""

    #: The documented code this class stands for (``None``: any code of its HTTP status).
    code_name: str | None = None
    #: Whether SmartyPay may have applied the request although no success answer came back.
    may_have_been_applied: bool = False
    #: Whether the same request may succeed when sent again later.
    retry_may_succeed: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        self.message = redact(str(message))
        self.status_code = status_code
        self.code = code if code is not None else self.code_name
        self.details = redact_value(details) if details is not None else None
        super().__init__(self.message)

    @property
    def outcome_unknown(self) -> bool:
        return self.may_have_been_applied

    def __str__(self) -> str:
        head = " ".join(str(part) for part in (self.status_code, self.code) if part is not None)
        return f"[{head}] {self.message}" if head else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, message={self.message!r})"


class SmartyPayValidationError(SmartyPayError):
    """An argument was refused locally; nothing was sent."""


class SmartyPayInvalidRequestError(SmartyPayError):
    """SmartyPay refused the request (HTTP 400 or another 4xx without a class of its own)."""


class SmartyPayAuthenticationError(SmartyPayError):
    """The API key and secret were refused (HTTP 401 or 403)."""


class SmartyPayNotFoundError(SmartyPayError):
    """HTTP 404."""


class SmartyPayRateLimitError(SmartyPayError):
    """HTTP 429: nothing was applied; try later."""

    retry_may_succeed = True


class SmartyPayServerError(SmartyPayError):
    """HTTP 5xx: SmartyPay failed; the request may have been applied."""

    may_have_been_applied = True
    retry_may_succeed = True


class SmartyPayResponseError(SmartyPayServerError):
    """A success answer that could not be understood (not JSON, or not a payment)."""


class SmartyPayConnectionError(SmartyPayError):
    """No answer (connection failed or reset); the request may have been applied."""

    may_have_been_applied = True
    retry_may_succeed = True


class SmartyPayTimeoutError(SmartyPayConnectionError):
    """No answer in time; the request may have been applied."""


class SmartyPayOutcomeUnknownError(SmartyPayError):
    """A create got no usable answer and the search for its reference could not settle it.

    ``reference`` is the merchant reference sent in the payment's metadata: find the payment
    later with :meth:`SmartyPayClient.find_by_reference` (``refresh_payment`` does) before
    creating another one.
    """

    may_have_been_applied = True

    def __init__(self, message: str, *, reference: str, cause: SmartyPayError | None = None) -> None:
        super().__init__(
            message,
            status_code=cause.status_code if cause is not None else None,
            code=cause.code if cause is not None else None,
        )
        self.reference = reference
        self.cause = cause


class SmartyPayNotCreatedError(SmartyPayError):
    """Every create attempt got no answer, and a complete search proved none was applied."""

    def __init__(self, message: str, *, reference: str, cause: SmartyPayError | None = None) -> None:
        super().__init__(
            message,
            status_code=cause.status_code if cause is not None else None,
            code=cause.code if cause is not None else None,
        )
        self.reference = reference
        self.cause = cause


# --- one class per documented code ------------------------------------------------------------


class PaymentExpiresAtInvalidError(SmartyPayInvalidRequestError):
    """``expiresAt`` has an invalid format or is in the past."""

    code_name = "PaymentExpiresAtInvalid"


class PaymentAmountInvalidError(SmartyPayInvalidRequestError):
    """The amount cannot be parsed (its value or its currency)."""

    code_name = "PaymentAmountInvalid"


class PaymentAmountNotSupportedError(SmartyPayInvalidRequestError):
    """The token code is unknown, or its network is disabled by the merchant."""

    code_name = "PaymentAmountNotSupported"


class MerchantNotFoundError(SmartyPayInvalidRequestError):
    """The ``merchantId`` is not found."""

    code_name = "MerchantNotFound"


class PaymentMetadataSizeExceededError(SmartyPayInvalidRequestError):
    """The metadata JSON is larger than 4 KB."""

    code_name = "PaymentMetadataSizeExceeded"


class PaymentDescriptionSizeExceededError(SmartyPayInvalidRequestError):
    """The description is larger than 1 KB."""

    code_name = "PaymentDescriptionSizeExceeded"


class InvoiceInconsistentAssetError(SmartyPayInvalidRequestError):
    """Auxiliary amounts have token codes of different networks."""

    code_name = "InvoiceInconsistentAsset"


class InvoiceDuplicateAmountsError(SmartyPayInvalidRequestError):
    """Auxiliary amounts have duplicate values."""

    code_name = "InvoiceDuplicateAmounts"


class CompensationDisabledError(SmartyPayInvalidRequestError):
    """The gas compensation feature is disabled by the merchant."""

    code_name = "CompensationDisabled"


class PaymentNotFoundError(SmartyPayNotFoundError):
    """No payment with this id (for these credentials)."""

    code_name = "PaymentNotFound"


#: Every documented error code, its class and its documented HTTP status.
ERROR_CODES: Final[dict[str, tuple[type[SmartyPayError], int]]] = {
    cls.code_name: (cls, status)
    for cls, status in (
        (PaymentExpiresAtInvalidError, 400),
        (PaymentAmountInvalidError, 400),
        (PaymentAmountNotSupportedError, 400),
        (PaymentNotFoundError, 404),
        (MerchantNotFoundError, 400),
        (PaymentMetadataSizeExceededError, 400),
        (PaymentDescriptionSizeExceededError, 400),
        (InvoiceInconsistentAssetError, 400),
        (InvoiceDuplicateAmountsError, 400),
        (CompensationDisabledError, 400),
    )
    if cls.code_name is not None
}

_STATUS_CLASSES: Final[dict[int, type[SmartyPayError]]] = {
    401: SmartyPayAuthenticationError,
    403: SmartyPayAuthenticationError,
    404: SmartyPayNotFoundError,
    429: SmartyPayRateLimitError,
}


def error_class(status: int, code: str | None) -> type[SmartyPayError]:
    """The class of an error answer: the code's own class, else the status's."""
    if code is not None and code in ERROR_CODES:
        return ERROR_CODES[code][0]
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return SmartyPayServerError
    if 400 <= status < 500:
        return SmartyPayInvalidRequestError
    return SmartyPayResponseError


__all__ = [
    "ERROR_CODES",
    "CompensationDisabledError",
    "InvoiceDuplicateAmountsError",
    "InvoiceInconsistentAssetError",
    "MerchantNotFoundError",
    "PaymentAmountInvalidError",
    "PaymentAmountNotSupportedError",
    "PaymentDescriptionSizeExceededError",
    "PaymentExpiresAtInvalidError",
    "PaymentMetadataSizeExceededError",
    "PaymentNotFoundError",
    "SmartyPayAuthenticationError",
    "SmartyPayConnectionError",
    "SmartyPayError",
    "SmartyPayInvalidRequestError",
    "SmartyPayNotCreatedError",
    "SmartyPayNotFoundError",
    "SmartyPayOutcomeUnknownError",
    "SmartyPayRateLimitError",
    "SmartyPayResponseError",
    "SmartyPayServerError",
    "SmartyPayTimeoutError",
    "SmartyPayValidationError",
    "error_class",
]
