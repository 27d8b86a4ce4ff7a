"""Serving the simulator over HTTP: a threaded HTTP/1.1 (keep-alive) server and the CLI.

``python -m django_smartpay.simulator --host 127.0.0.1 --port 8765`` prints the origin and then
exactly ``Smartpay simulator ready at http://127.0.0.1:8765/v1`` and serves until interrupted.
``--port 0`` picks a free port (the ready line shows it).  Webhooks are delivered in real time by a
background thread.  A ``drop_response`` fault closes the connection without an answer.

The stdlib ``wsgiref`` server handles one request per connection, so this module speaks HTTP/1.1
itself on :mod:`http.server` and calls the app's ``handle`` directly.
"""

from __future__ import annotations

import argparse
import io
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from .simulator import Simulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SmartpaySimulator/1.0"
    server: SimulatorServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line per request."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad chunked body")
            return
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

    def __init__(self, host: str, port: int, sim: Simulator | None = None, **options: Any) -> None:
        super().__init__((host, port), _Handler)
        bound_host, bound_port = self.server_address[:2]
        shown = "127.0.0.1" if bound_host in ("0.0.0.0", "") else bound_host  # noqa: S104 - display only
        self.origin = f"http://{shown}:{bound_port}"
        self.sim = (
            sim if sim is not None else Simulator(origin=self.origin, auto_deliver_webhooks=False, **options)
        )

    @property
    def api_base(self) -> str:
        return self.origin + "/v1"


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
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument(
        "--webhook-speed", type=float, default=1.0, help="divide webhook retry delays by this"
    )
    parser.add_argument("--fault", type=_fault, action="append", default=[], help="METHOD:PATH:STATUS:COUNT")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every /v1 request")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed for ids, secrets and fault probabilities"
    )
    args = parser.parse_args(argv)
    if args.webhook_speed <= 0:
        parser.error("--webhook-speed must be positive")
    if args.latency < 0:
        parser.error("--latency must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = SimulatorServer(args.host, args.port, webhook_speed=args.webhook_speed, seed=args.seed)
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
