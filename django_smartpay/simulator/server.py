"""Serving the simulator over HTTP: a threaded HTTP/1.1 (keep-alive) server and the CLI.

It has no authentication, so it binds loopback addresses only unless told otherwise, and it
defends itself like any exposed server: request bodies are capped while they are read
(chunked included), every request must arrive within a deadline, and connections are bounded.
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from .inputs import MAX_BODY_BYTES
from .page_text import DEFAULT_MERCHANT_NAME, MAX_MERCHANT_NAME_LENGTH, check_merchant_name
from .render import dumps
from .simulator import SECRET_KEY_PATTERN, Simulator

#: Seconds one request (request line, headers and body) may take to arrive.
REQUEST_TIMEOUT = 10.0
#: Connections served at once; more are answered 503 at once and closed.
MAX_CONNECTIONS = 64
NO_AUTHENTICATION_WARNING = (
    "WARNING: the Smartpay simulator has no authentication: anyone who can reach {host} can read "
    "and change its state (objects, webhook secrets, faults, clock)."
)
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
_LINE_LIMIT = 1024
_MAX_TRAILERS = 32


def is_loopback_host(host: str) -> bool:
    """Whether binding ``host`` exposes the server to this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind_host(host: str, *, allow_non_loopback: bool = False) -> None:
    """Refuse (``ValueError``) a non-loopback ``host`` unless explicitly allowed."""
    if not allow_non_loopback and not is_loopback_host(host):
        raise ValueError(
            f"refusing to bind {host!r}: the simulator has no authentication; bind 127.0.0.1, "
            "or pass --allow-non-loopback (allow_non_loopback=True) if you really mean it"
        )


class RequestRefused(Exception):
    """A request the server answers itself, before the app sees it (400, 413, 501)."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


class _DeadlineSocketReader(io.RawIOBase):
    """Reads a socket, each receive bounded by the time left until the request's deadline.

    A per-receive timeout alone lets a client drip one byte at a time forever; the deadline
    bounds the whole request however the bytes are spread.
    """

    def __init__(self, sock: socket.socket, idle_timeout: float) -> None:
        self.sock = sock
        self.idle_timeout = idle_timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self.idle_timeout
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(timeout)
        return self.sock.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SmartpaySimulator/1.0"
    server: SimulatorServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile.close()  # the stock reader: replaced by one that keeps the request's deadline
        self._reader = _DeadlineSocketReader(self.connection, self.server.request_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # The deadline starts when the server waits for a request (keep-alive idling included).
        self._reader.deadline = time.monotonic() + self.server.request_timeout
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line per request."""

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before inviting the client to send it."""
        length = (self.headers.get("Content-Length") or "").strip()
        if length.isdigit() and int(length) > self.server.max_body_bytes:
            limit = self.server.max_body_bytes
            self._refuse(
                RequestRefused(413, "request.too-large", f"Request bodies are limited to {limit} bytes")
            )
            return False
        return super().handle_expect_100()

    def _line(self) -> bytes:
        line = self.rfile.readline(_LINE_LIMIT + 1)
        if len(line) > _LINE_LIMIT:
            raise RequestRefused(400, "request.malformed", "A chunk line is too long")
        if not line.endswith(b"\n"):
            raise RequestRefused(400, "request.malformed", "The chunked body ended early")
        return line

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_text = self._line().split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise RequestRefused(400, "request.malformed", "Bad chunk size")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > limit:
                raise RequestRefused(413, "request.too-large", f"Request bodies are limited to {limit} bytes")
            chunk = self.rfile.read(size)
            if len(chunk) < size or self._line().strip():
                raise RequestRefused(400, "request.malformed", "The chunked body ended early")
            chunks.append(chunk)
        for _ in range(_MAX_TRAILERS):
            if not self._line().strip():
                return b"".join(chunks)
        raise RequestRefused(400, "request.malformed", "Too many trailers")

    def _read_body(self) -> bytes:
        limit = self.server.max_body_bytes
        encoding = self.headers.get("Transfer-Encoding")
        length_text = self.headers.get("Content-Length")
        if encoding is not None:
            if length_text is not None:
                raise RequestRefused(
                    400, "request.malformed", "Content-Length and Transfer-Encoding together"
                )
            if encoding.strip().lower() != "chunked":
                raise RequestRefused(
                    501, "request.unsupported", "Only chunked transfer encoding is supported"
                )
            return self._read_chunked(limit)
        if length_text is None:
            return b""
        if not length_text.strip().isdigit() or len(self.headers.get_all("Content-Length") or ()) > 1:
            raise RequestRefused(400, "request.malformed", "Bad Content-Length")
        length = int(length_text)
        if length > limit:
            raise RequestRefused(413, "request.too-large", f"Request bodies are limited to {limit} bytes")
        body = self.rfile.read(length)
        if len(body) < length:
            raise RequestRefused(400, "request.malformed", "The body ended early")
        return body

    def _refuse(self, refused: RequestRefused) -> None:
        body = dumps(
            {"statusCode": refused.status, "errorCode": refused.error_code, "message": refused.message}
        )
        self.close_connection = True  # the rest of the body, if any, is never read
        self.send_response(refused.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except RequestRefused as refused:
            self._refuse(refused)
            return
        self._reader.deadline = None
        self.connection.settimeout(self.server.request_timeout)  # for writing the answer
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
        }
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key not in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                environ["HTTP_" + key] = value
        result = self.server.sim.app.handle(environ)
        if result.drop:
            self.close_connection = True
            return
        if self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        lines = [
            f"HTTP/1.1 {result.status_line()}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
        ]
        lines += [f"{name}: {value}" for name, value in result.headers]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # one write per response: separate header and body segments stall on delayed ACKs
        self.wfile.write(head if self.command == "HEAD" else head + result.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        sim: Simulator | None = None,
        *,
        allow_non_loopback: bool = False,
        max_body_bytes: int = MAX_BODY_BYTES,
        request_timeout: float = REQUEST_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        **options: Any,
    ) -> None:
        check_bind_host(host, allow_non_loopback=allow_non_loopback)
        if max_body_bytes < 0 or request_timeout <= 0 or max_connections < 1:
            raise ValueError("max_body_bytes >= 0, request_timeout > 0 and max_connections >= 1 are required")
        self.max_body_bytes = max_body_bytes
        self.request_timeout = request_timeout
        self.connection_slots = threading.BoundedSemaphore(max_connections)
        super().__init__((host, port), _Handler)
        address, bound_port = self.server_address[:2]
        bound_host = address.decode("ascii") if isinstance(address, bytes) else address
        shown = "127.0.0.1" if bound_host in ("0.0.0.0", "") else bound_host  # noqa: S104 - display only
        self.origin = f"http://{shown}:{bound_port}"
        self.sim = (
            sim if sim is not None else Simulator(origin=self.origin, auto_deliver_webhooks=False, **options)
        )

    @property
    def api_base(self) -> str:
        return self.origin + "/v1"

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve in a thread of its own while a slot is free; otherwise answer 503 and close."""
        if not self.connection_slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.connection_slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connection_slots.release()


_BUSY_BODY = dumps({"statusCode": 503, "errorCode": "simulator.busy", "message": "Too many connections"})
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
    + f"Content-Length: {len(_BUSY_BODY)}\r\nConnection: close\r\n\r\n".encode("ascii")
    + _BUSY_BODY
)


class RunningServer:
    """A simulator served from a background thread (handy for tests that need real sockets)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.server = SimulatorServer(host, port, **options)
        self.sim = self.server.sim
        self.origin = self.server.origin
        self.api_base = self.server.api_base
        self.sim.start_delivery_thread()
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="smartpay-simulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.sim.stop_delivery_thread()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _fault(text: str) -> dict[str, Any]:
    """``METHOD:PATH:STATUS:COUNT`` → keyword arguments of ``Faults.add``."""
    try:
        method, rest = text.split(":", 1)
        path, status, count = rest.rsplit(":", 2)
        return {"method": method, "path": path, "status": int(status), "count": int(count)}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected METHOD:PATH:STATUS:COUNT, got {text!r}") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m django_smartpay.simulator", description="A local Smartpay."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow binding an address other machines can reach (the simulator has no authentication)",
    )
    parser.add_argument(
        "--max-body-bytes", type=int, default=MAX_BODY_BYTES, help="largest request body (413 beyond)"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=REQUEST_TIMEOUT,
        help="seconds a request may take to arrive, headers and body included",
    )
    parser.add_argument(
        "--max-connections", type=int, default=MAX_CONNECTIONS, help="connections served at once (503 beyond)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument(
        "--webhook-speed", type=float, default=1.0, help="divide webhook retry delays by this"
    )
    parser.add_argument("--fault", type=_fault, action="append", default=[], help="METHOD:PATH:STATUS:COUNT")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every /v1 request")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed for ids, secrets and fault probabilities"
    )
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help="secret key to answer (repeatable; also $SMARTPAY_SECRET_KEY); other keys get 401",
    )
    parser.add_argument(
        "--any-key", action="store_true", help="answer every well-formed sk_test_/sk_live_ key"
    )
    parser.add_argument(
        "--strict-amounts",
        action="store_true",
        help="refuse a checkout amount other than the items plus the shipping fee",
    )
    parser.add_argument(
        "--webhook-timestamps",
        choices=("fresh", "original"),
        default="fresh",
        help="sign each webhook retry afresh (default) or resend the first signature and timestamp",
    )
    parser.add_argument(
        "--merchant-name",
        default=DEFAULT_MERCHANT_NAME,
        help=f"the shop's name on the checkout page (default {DEFAULT_MERCHANT_NAME!r})",
    )
    args = parser.parse_args(argv)
    bad_keys = [key for key in _keys(args.key) if not SECRET_KEY_PATTERN.fullmatch(key)]
    if bad_keys:
        parser.error("--key takes secret keys like sk_test_… (and so does $SMARTPAY_SECRET_KEY)")
    if args.webhook_speed <= 0:
        parser.error("--webhook-speed must be positive")
    try:
        args.merchant_name = check_merchant_name(args.merchant_name)
    except ValueError:
        parser.error(f"--merchant-name must be 1 to {MAX_MERCHANT_NAME_LENGTH} printable characters")
    if args.latency < 0:
        parser.error("--latency must not be negative")
    if args.max_body_bytes < 0 or args.request_timeout <= 0 or args.max_connections < 1:
        parser.error("--max-body-bytes >= 0, --request-timeout > 0 and --max-connections >= 1")
    try:
        check_bind_host(args.host, allow_non_loopback=args.allow_non_loopback)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _keys(given: list[str]) -> list[str]:
    """``--key`` values, plus ``$SMARTPAY_SECRET_KEY`` when it is set (as the demo's settings read it)."""
    from_env = os.environ.get("SMARTPAY_SECRET_KEY")
    return [*given, from_env] if from_env else list(given)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not is_loopback_host(args.host):
        print(NO_AUTHENTICATION_WARNING.format(host=args.host), file=sys.stderr, flush=True)
    server = SimulatorServer(
        args.host,
        args.port,
        allow_non_loopback=args.allow_non_loopback,
        max_body_bytes=args.max_body_bytes,
        request_timeout=args.request_timeout,
        max_connections=args.max_connections,
        webhook_speed=args.webhook_speed,
        seed=args.seed,
        keys=_keys(args.key),
        accept_any_key=args.any_key,
        webhook_timestamps=args.webhook_timestamps,
        strict_amounts=args.strict_amounts,
        merchant_name=args.merchant_name,
    )
    sim = server.sim
    for fault in args.fault:
        sim.faults.add(**fault)
    if args.latency:
        sim.faults.add(method="*", path="/v1/*", status=None, count=None, latency=args.latency)
    sim.start_delivery_thread()

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(
        f"Smartpay simulator: origin {server.origin} (checkout pages /checkout/…, control API /_simulator/)"
    )
    if not args.any_key and not _keys(args.key):
        print(
            "No key registered: every request gets 401 until one is (--key, $SMARTPAY_SECRET_KEY, "
            "POST /_simulator/keys)",
            file=sys.stderr,
        )
    print(f"Smartpay simulator ready at {server.api_base}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sim.stop_delivery_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
