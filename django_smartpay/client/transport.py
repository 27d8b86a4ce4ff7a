"""HTTP transport: one ``requests.Session``, timeouts, retries and error mapping.

Every POST/PUT/PATCH/DELETE carries an ``Idempotency-Key`` (the caller's, or 40 random
characters from :mod:`secrets`), and every retry of that call sends the *same* key, so a
retried create can never be applied twice.  That makes it safe to retry every method on
connection errors, timeouts, 429 and 5xx, with exponential backoff and full jitter,
honouring ``Retry-After`` (capped by ``max_backoff``).  GET sends no key.

The secret key is sent as ``Authorization: Basic <raw key>`` (not base64, spec §1.2) by a
:class:`requests.auth.AuthBase`, so a caller's session ``auth`` or a ``~/.netrc`` cannot
replace it.  No exception raised from here carries the key, the request headers or the
original ``requests`` exception (whose ``.request`` holds the headers).
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import secrets
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import requests
import urllib3.exceptions

import django_smartpay

from . import defaults
from . import validation as v
from .defaults import (
    DEFAULT_BACKOFF_FACTOR,
    DEFAULT_MAX_BACKOFF,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Timeout,
)
from .errors import (
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
    redact_value,
)
from .payloads import prune_none

logger = logging.getLogger("django_smartpay.client")

Sleep = Callable[[float], None]
_T = TypeVar("_T")

METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
IDEMPOTENCY_KEY_LENGTH: Final = 40
_KEY_ALPHABET: Final = string.ascii_letters + string.digits
_SNIPPET_LENGTH: Final = 200

_STATUS_ERRORS: Final[Mapping[int, type[SmartpayError]]] = {
    400: SmartpayInvalidRequestError,
    401: SmartpayAuthenticationError,
    403: SmartpayInvalidRequestError,
    404: SmartpayNotFoundError,
    409: SmartpayConflictError,
    422: SmartpayInvalidRequestError,
    429: SmartpayRateLimitError,
}


def new_idempotency_key() -> str:
    """40 random alphanumeric characters (≈238 bits) from :mod:`secrets`."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(IDEMPOTENCY_KEY_LENGTH))


def build_user_agent(extra: str | None = None) -> str:
    """``django-smartpay/<version>``, followed by ``extra`` when given."""
    base = f"django-smartpay/{django_smartpay.__version__}"
    return f"{base} {extra}" if extra else base


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:  # RFC 7231 dates are GMT
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


class _BasicRawKey(requests.auth.AuthBase):
    """``Authorization: Basic <raw secret key>``; its repr never shows the key."""

    def __init__(self, secret_key: str) -> None:
        self._secret_key = secret_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Basic {self._secret_key}"
        return request

    def __repr__(self) -> str:
        return "<Smartpay secret key auth>"


@dataclass(frozen=True)
class _Failure:
    """A request that got no usable answer, described without the original exception."""

    error_class: type[SmartpayConnectionError]
    description: str
    retryable: bool


def _describe_exception(exc: requests.RequestException) -> _Failure:
    name = type(exc).__name__
    if isinstance(exc, requests.Timeout):
        kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
        return _Failure(
            SmartpayTimeoutError, f"no answer from Smartpay in time ({kind} timeout, {name})", True
        )
    if isinstance(exc, requests.ConnectionError):
        # A read timeout while the body is streamed arrives as a ConnectionError.
        if exc.args and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError):
            return _Failure(
                SmartpayTimeoutError, f"no answer from Smartpay in time (read timeout, {name})", True
            )
        return _Failure(SmartpayConnectionError, f"could not connect to Smartpay ({name})", True)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return _Failure(SmartpayConnectionError, f"the answer from Smartpay was cut off ({name})", True)
    return _Failure(SmartpayConnectionError, f"the request could not be sent ({name})", False)


def _snippet(content: bytes) -> str:
    text = " ".join(content.decode("utf-8", errors="replace").split())
    return text if len(text) <= _SNIPPET_LENGTH else text[:_SNIPPET_LENGTH] + "…"


def _parse_json(content: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(content)
    except ValueError:
        return False, None


def error_from_response(
    status: int, reason: str | None, content: bytes, idempotency_key: str | None
) -> SmartpayError:
    """The typed error for an HTTP error response (JSON or not)."""
    error_class = _STATUS_ERRORS.get(status, SmartpayServerError if status >= 500 else SmartpayError)
    status_text = f"HTTP {status}" + (f" {reason}" if reason else "")
    ok, body = _parse_json(content) if content.strip() else (False, None)
    error_code: str | None = None
    message = ""
    details: list[Any] | None = None
    if ok and isinstance(body, dict):
        error_code = body.get("errorCode") if isinstance(body.get("errorCode"), str) else None
        message = body["message"] if isinstance(body.get("message"), str) else ""
        raw_details = body.get("details")
        if isinstance(raw_details, list):
            details = redact_value(raw_details)
        elif raw_details is not None:
            details = [redact_value(raw_details)]
        if status == 401 and not message:
            scheme, realm = body.get("scheme"), body.get("realm")
            message = f"{status_text}: the secret key was refused (scheme {scheme}, realm {realm})"
    elif content.strip():
        message = f"{status_text}: {_snippet(content)}"
    if not message:
        message = status_text
    return error_class(
        message, status_code=status, error_code=error_code, details=details, idempotency_key=idempotency_key
    )


def encode_body(json_body: Any) -> bytes:
    """Compact UTF-8 JSON without ``None`` values; refuses what JSON cannot carry."""
    try:
        return json.dumps(
            prune_none(json_body), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        problem = str(exc)
    raise SmartpayValidationError(
        "The request body cannot be encoded as JSON", code="request.not-json", params={"reason": problem}
    )


class Transport:
    """Sends requests to one Smartpay API base with one secret key."""

    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        if not isinstance(api_base, str) or not api_base.startswith(("https://", "http://")):
            raise ValueError("api_base must be an http(s) URL such as https://api.smartpay.co/v1")
        self.api_base = api_base.rstrip("/")
        self.timeout = _option("timeout", defaults.timeout_pair, timeout)
        self.max_retries = _option("max_retries", defaults.max_retries, max_retries)
        self.backoff_factor = _option("backoff_factor", defaults.backoff, backoff_factor)
        self.max_backoff = _option("max_backoff", defaults.backoff, max_backoff)
        self.user_agent = build_user_agent(user_agent)
        self._auth = _BasicRawKey(secret_key)
        self._owns_session = session is None
        self.session = requests.Session() if session is None else session
        self._sleep = sleep
        self._random = random.Random()

    def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session:
            self.session.close()

    def backoff_delay(self, retry_number: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (0 for the first retry)."""
        requested = parse_retry_after(retry_after)
        if requested is not None:
            return min(requested, self.max_backoff)
        ceiling = min(self.max_backoff, self.backoff_factor * (2**retry_number))
        return self._random.uniform(0.0, ceiling)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send one API call (with retries); return the parsed JSON, or ``None`` for no body."""
        method = method.upper() if isinstance(method, str) else method
        if method not in METHODS:
            raise v.fail(
                "request", "request.method-invalid", field="method", allowed=", ".join(sorted(METHODS))
            )
        if not isinstance(path, str) or not path.startswith("/") or "://" in path:
            raise v.fail("request", "request.path-invalid", field="path")
        key = (
            None
            if method == "GET"
            else v.idempotency_key("request", idempotency_key) or new_idempotency_key()
        )
        body = None if json is None else encode_body(json)
        query = {name: value for name, value in (params or {}).items() if value is not None}
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        url = self.api_base + path
        retry = 0
        while True:
            failure: _Failure | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=query,
                    data=body,
                    headers=headers,
                    auth=self._auth,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                failure = _describe_exception(exc)
            # Raised outside the ``except`` block so the requests exception (which holds
            # the prepared request and its Authorization header) is not chained.
            if failure is not None:
                if failure.retryable and retry < self.max_retries:
                    self._wait(retry, None, method, path, failure.description)
                    retry += 1
                    continue
                attempts = f" after {retry + 1} attempts" if retry else ""
                raise failure.error_class(
                    f"{method} {self.api_base}{path}: {failure.description}{attempts}", idempotency_key=key
                )
            if is_retryable_status(response.status_code) and retry < self.max_retries:
                retry_after = response.headers.get("Retry-After")
                response.close()
                self._wait(retry, retry_after, method, path, f"HTTP {response.status_code}")
                retry += 1
                continue
            return self._result(response, method, path, key)

    def _wait(self, retry: int, retry_after: str | None, method: str, path: str, why: str) -> None:
        delay = self.backoff_delay(retry, retry_after)
        logger.warning(
            "Smartpay %s %s: %s; retry %d of %d in %.2f s",
            method,
            path,
            why,
            retry + 1,
            self.max_retries,
            delay,
        )
        self._sleep(delay)

    def _result(self, response: requests.Response, method: str, path: str, key: str | None) -> Any:
        status = response.status_code
        content = response.content
        if not 200 <= status < 300:
            raise error_from_response(status, response.reason, content, key)
        if status == 204 or not content.strip():
            return None
        ok, parsed = _parse_json(content)
        if not ok:
            raise SmartpayServerError(
                f"{method} {path}: Smartpay answered HTTP {status} with a body that is not JSON: {_snippet(content)}",
                status_code=status,
                idempotency_key=key,
            )
        return parsed


def _option(name: str, parse: Callable[[object], _T], value: object) -> _T:
    """``parse(value)``; its ``ValueError`` names the option."""
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"{name} {exc}") from None
