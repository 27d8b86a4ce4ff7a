""":class:`SmartyPayClient`: create, retrieve and search SmartyPay one-time payments."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import quote

import requests

from django_smartpay.client import defaults

from .errors import (
    SmartyPayError,
    SmartyPayNotCreatedError,
    SmartyPayOutcomeUnknownError,
    SmartyPayResponseError,
    SmartyPayValidationError,
)
from .transport import Sleep, Transport
from .wire import Money, Payment, PaymentPage, format_timestamp

DEFAULT_BASE_URL: Final = "https://partner-api.smartypay.io"
#: The in-process simulator's origin (``SmartyPaySimulator().session()``).
SIMULATOR_ORIGIN: Final = "http://smartypay.simulator"
#: The metadata key under which every create carries its merchant reference.
REFERENCE_KEY: Final = "merchantReference"
DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 100
#: Payments looked at, at most, when a create's unknown outcome is searched for.
DEFAULT_RECOVERY_SCAN_LIMIT: Final = 1000
REFERENCE_LENGTH: Final = 32
_REFERENCE_ALPHABET: Final = string.ascii_letters + string.digits
_MAX_REFERENCE_LENGTH: Final = 64


def new_reference() -> str:
    """32 random letters and digits from :mod:`secrets`."""
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


@dataclass(frozen=True)
class ReferenceSearch:
    """What :meth:`SmartyPayClient.find_by_reference` found.

    ``payment`` is the payment carrying the reference, or ``None``; ``complete`` says whether
    every payment the search can see was looked at (so ``None`` proves there is none).
    """

    payment: Payment | None
    complete: bool
    scanned: int


class SmartyPayClient:
    """A typed client of SmartyPay's Payments API (``https://partner-api.smartypay.io``).

    Authentication is HTTP basic with ``api_key`` and ``secret``.  ``merchant_id`` is the
    default ``merchantId`` of creates (and a search predicate, as in the document's
    example).  ``timeout`` is seconds or a ``(connect, read)`` pair.  Reads and searches
    are retried up to ``max_retries`` times on connection errors, timeouts, 429 and 5xx;
    a create is never sent twice blindly (see :meth:`create_payment`).
    """

    def __init__(
        self,
        api_key: str,
        secret: str,
        *,
        merchant_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: defaults.Timeout = defaults.DEFAULT_TIMEOUT,
        max_retries: int = defaults.DEFAULT_MAX_RETRIES,
        backoff_factor: float = defaults.DEFAULT_BACKOFF_FACTOR,
        max_backoff: float = defaults.DEFAULT_MAX_BACKOFF,
        page_size: int = DEFAULT_PAGE_SIZE,
        recovery_scan_limit: int = DEFAULT_RECOVERY_SCAN_LIMIT,
        session: requests.Session | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        if merchant_id is not None and (not isinstance(merchant_id, str) or not merchant_id.strip()):
            raise SmartyPayValidationError("merchant_id must be a non-empty string")
        self.merchant_id = merchant_id
        self.page_size = _count("page_size", page_size, 1, MAX_PAGE_SIZE)
        self.recovery_scan_limit = _count("recovery_scan_limit", recovery_scan_limit, 1, 1_000_000)
        self._transport = Transport(
            api_key,
            secret,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            max_backoff=max_backoff,
            session=session,
            sleep=sleep,
        )

    # --- properties and plumbing ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def timeout(self) -> tuple[float, float]:
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries

    @property
    def session(self) -> requests.Session:
        return self._transport.session

    def request(self, method: str, path: str, *, json: Any = None, retry: bool = False) -> Any:
        """Low-level call: ``path`` (``/v1/payments``) is joined to ``base_url``; returns the parsed JSON.

        Nothing is checked or added: tests use it to send what the typed methods refuse.
        """
        if method not in ("GET", "POST") or not isinstance(path, str) or not path.startswith("/"):
            raise SmartyPayValidationError("request() takes GET or POST and a path starting with /")
        return self._transport.request(method, path, json=json, retry=retry)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SmartyPayClient base_url={self.base_url!r} merchant_id={self.merchant_id!r}>"

    # --- the three operations ------------------------------------------------------------------

    def get_payment(self, payment_id: str) -> Payment:
        """``GET /v1/payments/{id}`` (retried when it is worth it)."""
        if not isinstance(payment_id, str) or not payment_id.strip() or len(payment_id) > 64:
            raise SmartyPayValidationError("payment_id must be a non-empty string of at most 64 characters")
        answer = self._transport.request("GET", f"/v1/payments/{quote(payment_id, safe='')}", retry=True)
        return Payment.from_api(answer)

    def search_payments(
        self,
        *,
        status_in: Sequence[str] | None = None,
        id_in: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        merchant_id: str | None = None,
    ) -> PaymentPage:
        """``POST /v1/payments/search``: one page; predicates combine with AND (retried like a read)."""
        predicates: dict[str, Any] = {}
        if status_in is not None:
            predicates["statusIn"] = _strings("status_in", status_in)
        if id_in is not None:
            predicates["idIn"] = _strings("id_in", id_in)
        merchant = merchant_id if merchant_id is not None else self.merchant_id
        if merchant is not None:
            predicates["merchantId"] = merchant
        page = {
            "limit": _count("limit", self.page_size if limit is None else limit, 1, MAX_PAGE_SIZE),
            "offset": _count("offset", offset, 0, 10**9),
        }
        answer = self._transport.request(
            "POST", "/v1/payments/search", json={"predicates": predicates, "page": page}, retry=True
        )
        items = answer.get("list") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise SmartyPayResponseError("a search answered without a 'list' of payments")
        answered = answer.get("page") if isinstance(answer.get("page"), dict) else {}
        return PaymentPage(
            payments=[Payment.from_api(item) for item in items],
            limit=_int_or(answered.get("limit"), page["limit"]),
            offset=_int_or(answered.get("offset"), page["offset"]),
        )

    def iter_payments(
        self,
        *,
        status_in: Sequence[str] | None = None,
        id_in: Sequence[str] | None = None,
        page_size: int | None = None,
        merchant_id: str | None = None,
    ) -> Iterator[Payment]:
        """Every payment the search finds, page after page (``offset`` += the page's size).

        The last page is the first one shorter than the page size.  A payment is yielded
        once even when a new payment shifts it onto the next page too; a page made only of
        payments already seen raises :class:`SmartyPayResponseError` (the offset is ignored).
        Payments that change status during the walk may move between pages: run again.
        """
        size = self.page_size if page_size is None else page_size
        offset = 0
        seen: set[str] = set()
        while True:
            page = self.search_payments(
                status_in=status_in, id_in=id_in, limit=size, offset=offset, merchant_id=merchant_id
            )
            fresh = [payment for payment in page.payments if payment.id not in seen]
            if page.payments and not fresh and len(page.payments) >= size:
                raise SmartyPayResponseError(
                    f"pagination does not advance: the page at offset {offset} repeats"
                )
            seen.update(payment.id for payment in fresh)
            yield from fresh
            if len(page.payments) < size:
                return
            offset += len(page.payments)

    def create_payment(
        self,
        amount: Money,
        *,
        merchant_id: str | None = None,
        expires_at: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
        description: str | None = None,
        reference: str | None = None,
    ) -> Payment:
        """``POST /v1/payments``, sent once, never retried blindly.

        The payment's ``metadata`` carries ``reference`` under :data:`REFERENCE_KEY` (a new
        random one when not given).  When the answer is lost (timeout, connection reset,
        5xx, an unreadable 2xx) the client searches for that reference
        (:meth:`find_by_reference`): found, the payment is returned; not found after a
        complete search, the create is sent again (at most ``max_retries`` times, then
        :class:`SmartyPayNotCreatedError`); a search that fails or cannot look at every payment
        raises :class:`SmartyPayOutcomeUnknownError` (with ``reference``).  Errors that prove
        nothing was applied (4xx, 429) are raised at once.
        """
        if not isinstance(amount, Money):
            raise SmartyPayValidationError("amount must be a Money(Decimal value, token code)")
        merchant = merchant_id if merchant_id is not None else self.merchant_id
        if not isinstance(merchant, str) or not merchant.strip():
            raise SmartyPayValidationError("merchant_id is required (argument or the client's merchant_id)")
        reference = new_reference() if reference is None else reference
        _check_reference(reference)
        if metadata is not None and not isinstance(metadata, Mapping):
            raise SmartyPayValidationError("metadata must be a mapping")
        given = dict(metadata or {})
        if given.get(REFERENCE_KEY, reference) != reference:
            raise SmartyPayValidationError(
                f"metadata[{REFERENCE_KEY!r}] is the client's; pass reference= instead"
            )
        if description is not None and not isinstance(description, str):
            raise SmartyPayValidationError("description must be a string")
        body: dict[str, Any] = {"merchantId": merchant, "amount": amount.to_api()}
        if expires_at is not None:
            body["expiresAt"] = format_timestamp(expires_at)
        body["metadata"] = {**given, REFERENCE_KEY: reference}
        if description is not None:
            body["description"] = description
        attempt = 0
        while True:
            try:
                return Payment.from_api(self._transport.request("POST", "/v1/payments", json=body))
            except SmartyPayError as exc:
                if not exc.outcome_unknown:
                    raise
                lost = exc
            found = self._recover(reference, lost, merchant)
            if found is not None:
                return found
            if attempt >= self._transport.max_retries:
                raise SmartyPayNotCreatedError(
                    f"the payment was not created: every attempt failed ({lost.message})",
                    reference=reference,
                    cause=lost,
                ) from None
            self._transport.wait(attempt, f"create {reference}: no payment found after a lost answer")
            attempt += 1

    def _recover(self, reference: str, lost: SmartyPayError, merchant: str) -> Payment | None:
        """The payment of a create whose answer was lost, ``None`` when proven absent; raises otherwise."""
        try:
            search = self.find_by_reference(reference, merchant_id=merchant)
        except SmartyPayError as exc:
            raise SmartyPayOutcomeUnknownError(
                f"a create got no answer ({lost.message}) and the search for its reference failed ({exc.message})",
                reference=reference,
                cause=lost,
            ) from None
        if search.payment is not None:
            return search.payment
        if not search.complete:
            raise SmartyPayOutcomeUnknownError(
                f"a create got no answer ({lost.message}) and its reference was not among the "
                f"{search.scanned} payments searched (the search stops at {self.recovery_scan_limit})",
                reference=reference,
                cause=lost,
            ) from None
        return None

    def find_by_reference(
        self, reference: str, *, merchant_id: str | None = None, scan_limit: int | None = None
    ) -> ReferenceSearch:
        """The payment whose metadata carries ``reference`` (see :data:`REFERENCE_KEY`).

        SmartyPay searches by status and id only, so this walks the search pages (every
        status) and compares the metadata, looking at ``scan_limit`` payments at most
        (``recovery_scan_limit``).
        """
        _check_reference(reference)
        limit = self.recovery_scan_limit if scan_limit is None else _count("scan_limit", scan_limit, 1, 10**6)
        scanned = 0
        for payment in self.iter_payments(merchant_id=merchant_id):
            if payment.metadata.get(REFERENCE_KEY) == reference:
                return ReferenceSearch(payment, True, scanned + 1)
            scanned += 1
            if scanned >= limit:
                return ReferenceSearch(None, False, scanned)
        return ReferenceSearch(None, True, scanned)


def _check_reference(reference: object) -> None:
    if (
        not isinstance(reference, str)
        or not reference
        or len(reference) > _MAX_REFERENCE_LENGTH
        or not reference.isascii()
        or not reference.isprintable()
    ):
        raise SmartyPayValidationError(
            f"reference must be 1 to {_MAX_REFERENCE_LENGTH} printable ASCII characters"
        )


def _count(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SmartyPayValidationError(f"{name} must be an integer from {low} to {high}")
    return value


def _strings(name: str, values: Sequence[str]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(value, str) and value for value in values):
        raise SmartyPayValidationError(f"{name} must be a list of non-empty strings")
    return list(values)


def _int_or(value: object, fallback: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else fallback
