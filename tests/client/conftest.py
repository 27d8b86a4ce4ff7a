"""A scripted Smartpay stand-in on 127.0.0.1 for the client tests.

``ScriptedServer`` is a real ``http.server.ThreadingHTTPServer`` on an ephemeral loopback
port.  Tests queue replies (status, JSON or raw body, headers, a delay) or install a
responder function, then read back every request it received (method, path, query,
headers, body, arrival time).  No part of ``requests`` is patched.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from django_smartpay.client import SmartpayClient

SECRET_KEY = "sk_test_Ho1BrYTcg3gAX4vTKk1taz"
LIVE_SECRET_KEY = "sk_live_Ho1BrYTcg3gAX4vTKk1taz"
PUBLIC_KEY = "pk_test_PCLEGPw9RrKIAlRcK504Bj"

CHECKOUT_ID = "checkout_test_hm3tau0XY7r3ULm06pHtr8"
ORDER_ID = "order_test_RiYq2rthzRHrkKVGeucSwn"
PAYMENT_ID = "payment_test_35LxgmF5KM22XKG38BjpJg"
REFUND_ID = "refund_test_1RdLAt8mT3KObCHbGvJp2B"
WEBHOOK_ID = "webhookendpoint_test_9Ns1KbqFHw7YqZxkJk1Twd"
COUPON_ID = "coupon_test_7fHz1Km2nYqX8eLr4TbWsd"
PROMOTION_CODE_ID = "promotioncode_test_2HsP9aQw6ZxLk3mNb8VtRc"
TOKEN_ID = "paytok_test_zAo001ZRfyjz1F4rMyYPnL"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    arrived: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str -> raw; None -> empty
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes; avoid the 40 ms delayed-ACK stall
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        recorded = Recorded(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            arrived=time.monotonic(),
        )
        reply = self.server.owner.next_reply(recorded)
        if reply.delay:
            self.server.owner.stopping.wait(reply.delay)
        if isinstance(reply.body, dict | list):
            payload = json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode()
            content_type = "application/json"
        elif isinstance(reply.body, str):
            payload, content_type = reply.body.encode(), "text/html; charset=utf-8"
        else:
            payload, content_type = reply.body or b"", "application/json"
        self.send_response(reply.status)
        headers = {"Content-Type": content_type, **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is expected in these tests


class ScriptedServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.stopping = threading.Event()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.responder: Callable[[Recorded], Reply] | None = None
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_base(self) -> str:
        return self.url + "/v1"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        """Forget requests and script; wake any handler still sleeping on a delayed reply."""
        with self._lock:
            self.requests = []
            self._replies.clear()
            self.responder = None
            self.stopping.set()
            self.stopping = threading.Event()

    def reply(
        self,
        status: int = 200,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        self._replies.append(Reply(status, body, headers or {}, delay))

    def next_reply(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._replies:
                return self._replies.popleft()
        if self.responder is not None:
            return self.responder(recorded)
        return Reply(200, {"object": "stub", "method": recorded.method, "path": recorded.path})


class SleepRecorder:
    """Stands in for ``time.sleep`` between retries: records, does not wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="session")
def _shared_server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture
def server(_shared_server: ScriptedServer) -> Iterator[ScriptedServer]:
    """The loopback server, with an empty script and request log for this test."""
    _shared_server.reset()
    yield _shared_server
    _shared_server.reset()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(server: ScriptedServer, sleeps: SleepRecorder) -> Iterator[Callable[..., SmartpayClient]]:
    """Build clients aimed at the scripted server, with fast backoff and recorded sleeps."""
    made: list[SmartpayClient] = []

    def build(**options: Any) -> SmartpayClient:
        settings: dict[str, Any] = {
            "api_base": server.api_base,
            "timeout": (2.0, 5.0),
            "max_retries": 2,
            "backoff_factor": 0.01,
            "max_backoff": 5.0,
            "sleep": sleeps,
        }
        settings.update(options)
        client = SmartpayClient(settings.pop("secret_key", SECRET_KEY), **settings)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., SmartpayClient]) -> SmartpayClient:
    return make_client()


def unused_port() -> int:
    """A loopback port with (almost certainly) nothing listening on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def checkout_payload(**overrides: Any) -> dict[str, Any]:
    """A minimal valid (strict) checkout session payload."""
    payload: dict[str, Any] = {
        "currency": "JPY",
        "items": [{"name": "Sticker", "amount": 1000}],
        "shippingInfo": {
            "address": {"line1": "1-2-3", "locality": "Shibuya", "postalCode": "150-0001", "country": "JP"}
        },
        "customerInfo": {},
        "successUrl": "https://shop.example/ok",
        "cancelUrl": "https://shop.example/cancel",
    }
    payload.update(overrides)
    return payload
