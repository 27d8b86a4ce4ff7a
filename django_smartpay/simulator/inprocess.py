"""A ``requests`` transport adapter that hands requests to the simulator's WSGI app in-process.

No sockets: the PreparedRequest becomes a WSGI environ, the app's response becomes a
``requests.Response``.  A ``drop_response`` fault raises ``ConnectionError`` *after* the
request was processed; latency beyond the caller's read timeout raises ``ReadTimeout`` after
the request was processed (as a real server keeps working when its client gives up).
Due webhooks are delivered once the response is complete.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .app import READ_TIMEOUT_KEY
from .context import Host


def _read_timeout(timeout: Any) -> float | None:
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return float(timeout) if isinstance(timeout, int | float) else None


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    return b"".join(part if isinstance(part, bytes) else str(part).encode() for part in body)


class InProcessAdapter(HTTPAdapter):
    """Never opens a connection: :meth:`send` calls the app; the answer is built by ``build_response``."""

    def __init__(self, sim: Host) -> None:
        super().__init__()
        self.sim = sim

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        body = _body_bytes(request.body)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": (request.method or "GET").upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(parts.path or "/", "latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme or "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            READ_TIMEOUT_KEY: _read_timeout(timeout),
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value
        result = self.sim.app.handle(environ)
        try:
            if result.drop:
                raise requests.exceptions.ConnectionError(
                    "Connection aborted: the simulator dropped the response (fault)", request=request
                )
            if result.timed_out:
                raise requests.exceptions.ReadTimeout("Read timed out (simulated latency)", request=request)
            return self._build(request, result)
        finally:
            self.sim.after_request()

    def _build(self, request: requests.PreparedRequest, result: Any) -> requests.Response:
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(result.body),
            headers=dict(result.headers),  # the simulator never repeats a header
            status=result.status,
            reason=result.status_line().partition(" ")[2],
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=request.url,
        )
        return self.build_response(request, raw)

    def close(self) -> None:
        """Nothing to release: there is no connection pool."""
