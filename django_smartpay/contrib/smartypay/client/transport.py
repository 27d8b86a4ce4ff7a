"""HTTP for the SmartyPay client: basic auth, timeouts, retries of reads only, typed errors.

Borrowed from the Smartpay transport (:mod:`django_smartpay.client.transport`): the
``Retry-After`` parsing, which statuses are worth a retry, the User-Agent and the option
ranges.  Different on purpose: SmartyPay documents no idempotency key, so only calls marked
``retry=True`` (GET and search) are ever sent twice here; a create is sent once and its
unknown outcome is settled by the client (see :meth:`SmartyPayClient.create_payment`).

The API key and secret travel only in the ``Authorization`` header, set by an auth object
whose repr hides them; no exception raised here chains the ``requests`` exception (which
holds the prepared request), and every message is masked for both values.
"""

from __future__ import annotations

import base64
import logging
import random
import time
from collections.abc import Callable
from typing import Any, Final

import requests
import urllib3.exceptions

from django_smartpay.client import defaults
from django_smartpay.client.errors import MASK
from django_smartpay.client.transport import build_user_agent, is_retryable_status, parse_retry_after

from . import wire
from .errors import (
    SmartyPayConnectionError,
    SmartyPayError,
    SmartyPayResponseError,
    SmartyPayTimeoutError,
    SmartyPayValidationError,
    error_class,
)

logger = logging.getLogger("django_smartpay.contrib.smartypay.client")

Sleep = Callable[[float], None]
_SNIPPET: Final = 200


class BasicAuth(requests.auth.AuthBase):
    """``Authorization: Basic base64(API_KEY:SECRET)``; its repr shows neither."""

    def __init__(self, api_key: str, secret: str) -> None:
        token = base64.b64encode(f"{api_key}:{secret}".encode()).decode("ascii")
        self._header = f"Basic {token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "<SmartyPay basic auth>"


class Transport:
    """Sends requests to one SmartyPay base URL with one API key and secret."""

    def __init__(
        self,
        api_key: str,
        secret: str,
        *,
        base_url: str,
        timeout: defaults.Timeout = defaults.DEFAULT_TIMEOUT,
        max_retries: int = defaults.DEFAULT_MAX_RETRIES,
        backoff_factor: float = defaults.DEFAULT_BACKOFF_FACTOR,
        max_backoff: float = defaults.DEFAULT_MAX_BACKOFF,
        session: requests.Session | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        for name, value in (("api_key", api_key), ("secret", secret)):
            if not isinstance(value, str) or not value or value != value.strip():
                raise SmartyPayValidationError(
                    f"{name} must be a non-empty string without surrounding spaces"
                )
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise SmartyPayValidationError(
                "base_url must be an http(s) URL such as https://partner-api.smartypay.io"
            )
        if ":" in api_key:
            raise SmartyPayValidationError(
                "api_key must not contain ':' (basic auth separates it from the secret)"
            )
        self.base_url = base_url.rstrip("/")
        try:
            self.timeout = defaults.timeout_pair(timeout)
            self.max_retries = defaults.max_retries(max_retries)
            self.backoff_factor = defaults.backoff(backoff_factor)
            self.max_backoff = defaults.backoff(max_backoff)
        except ValueError as exc:
            raise SmartyPayValidationError(f"client option {exc}") from None
        self.user_agent = build_user_agent("smartypay")
        self._auth = BasicAuth(api_key, secret)
        self._hidden = (api_key, secret)
        self._owns_session = session is None
        self.session = requests.Session() if session is None else session
        self._sleep = sleep
        self._random = random.Random()

    def mask(self, text: str) -> str:
        """``text`` with the API key and secret replaced by ``***``."""
        for value in self._hidden:
            text = text.replace(value, MASK)
        return text

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def backoff_delay(self, retry_number: int, retry_after: str | None = None) -> float:
        requested = parse_retry_after(retry_after)
        if requested is not None:
            return min(requested, self.max_backoff)
        return self._random.uniform(0.0, min(self.max_backoff, self.backoff_factor * (2**retry_number)))

    def wait(self, retry_number: int, why: str, retry_after: str | None = None) -> None:
        delay = self.backoff_delay(retry_number, retry_after)
        logger.warning("SmartyPay: %s; retry %d in %.2f s", self.mask(why), retry_number + 1, delay)
        self._sleep(delay)

    def request(self, method: str, path: str, *, json: Any = None, retry: bool = False) -> Any:
        """Send one call; with ``retry`` (reads only) failures worth it are retried.

        Returns the parsed JSON (numbers with a fraction as Decimal).
        """
        body = None if json is None else _encode(json)
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if body is not None:
            headers["Content-Type"] = "application/json"
        url = self.base_url + path
        attempt = 0
        while True:
            failure = None
            try:
                response = self.session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    auth=self._auth,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                failure = _failure(exc)
            if failure is not None:
                error_type, description, worth_retrying = failure
                if retry and worth_retrying and attempt < self.max_retries:
                    self.wait(attempt, f"{method} {path}: {description}")
                    attempt += 1
                    continue
                raise error_type(self.mask(f"{method} {self.base_url}{path}: {description}"))
            if retry and is_retryable_status(response.status_code) and attempt < self.max_retries:
                retry_after = response.headers.get("Retry-After")
                response.close()
                self.wait(attempt, f"{method} {path}: HTTP {response.status_code}", retry_after)
                attempt += 1
                continue
            return self._result(response, method, path)

    def _result(self, response: requests.Response, method: str, path: str) -> Any:
        status = response.status_code
        content = response.content
        parsed: Any = None
        parsed_ok = False
        if content.strip():
            try:
                parsed, parsed_ok = wire.loads(content), True
            except (UnicodeDecodeError, ValueError, RecursionError):
                parsed_ok = False
        if 200 <= status < 300:
            if not parsed_ok:
                raise SmartyPayResponseError(
                    self.mask(
                        f"{method} {path}: HTTP {status} with a body that is not JSON: {self._snippet(content)}"
                    ),
                    status_code=status,
                )
            return parsed
        raise self._error(status, response.reason, parsed if parsed_ok else None, content)

    def _error(self, status: int, reason: str | None, body: Any, content: bytes) -> SmartyPayError:
        code: str | None = None
        message = ""
        if isinstance(body, dict):
            found = body.get("code", body.get("errorCode"))
            code = found if isinstance(found, str) and len(found) <= 100 else None
            if isinstance(body.get("message"), str):
                message = body["message"]
        elif content.strip():
            message = self._snippet(content)
        text = f"HTTP {status}" + (f" {reason}" if reason else "") + (f": {message}" if message else "")
        return error_class(status, code)(self.mask(text), status_code=status, code=code)

    def _snippet(self, content: bytes) -> str:
        text = " ".join(content.decode("utf-8", errors="replace").split())
        return self.mask(text if len(text) <= _SNIPPET else text[:_SNIPPET] + "…")


def _encode(body: Any) -> bytes:
    try:
        return wire.dumps(body)
    except (TypeError, ValueError) as exc:
        problem = str(exc)
    raise SmartyPayValidationError(f"the request body cannot be encoded as JSON: {problem}")


def _failure(exc: requests.RequestException) -> tuple[type[SmartyPayConnectionError], str, bool]:
    """(error class, description without the request, worth a retry) of a failed send."""
    name = type(exc).__name__
    if isinstance(exc, requests.Timeout):
        return SmartyPayTimeoutError, f"no answer in time ({name})", True
    if isinstance(exc, requests.ConnectionError):
        if exc.args and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError):
            return SmartyPayTimeoutError, f"no answer in time ({name})", True
        return SmartyPayConnectionError, f"the connection failed ({name})", True
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return SmartyPayConnectionError, f"the answer was cut off ({name})", True
    return SmartyPayConnectionError, f"the request could not be sent ({name})", False
