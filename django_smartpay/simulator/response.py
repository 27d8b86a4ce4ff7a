"""The response object every part of the app returns before it is turned into WSGI or requests."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from .errors import ApiError
from .render import dumps

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
UNAUTHORIZED_BODY = dumps({"statusCode": 401, "scheme": "Basic", "realm": "api"})


class Response:
    """A finished response; ``drop`` asks the transport to lose it (see :mod:`.faults`)."""

    __slots__ = ("body", "drop", "headers", "status", "timed_out")

    def __init__(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else []
        self.drop = False
        self.timed_out = False

    @classmethod
    def json(cls, status: int, payload: Any, extra: list[tuple[str, str]] | None = None) -> Response:
        return cls.raw_json(status, dumps(payload), extra)

    @classmethod
    def raw_json(cls, status: int, body: bytes, extra: list[tuple[str, str]] | None = None) -> Response:
        headers = [("Content-Type", JSON_TYPE), ("Content-Length", str(len(body)))]
        return cls(status, body, headers + (extra or []))

    @classmethod
    def error(cls, error: ApiError) -> Response:
        return cls.json(error.status, error.body())

    @classmethod
    def empty(cls, status: int) -> Response:
        return cls(status, b"", [("Content-Length", "0")])

    @classmethod
    def unauthorized(cls) -> Response:
        return cls.raw_json(401, UNAUTHORIZED_BODY, [("WWW-Authenticate", 'Basic realm="api"')])

    def status_line(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"

    @classmethod
    def html(cls, status: int, text: str) -> Response:
        body = text.encode("utf-8")
        return cls(status, body, [("Content-Type", HTML_TYPE), ("Content-Length", str(len(body)))])

    @classmethod
    def redirect(cls, location: str, status: int = 303) -> Response:
        return cls(status, b"", [("Location", location), ("Content-Length", "0")])
