"""The CLI server: ready line, real HTTP with keep-alive, CLI faults, dropped responses, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from django_smartpay.client import base62

from .conftest import SECRET_KEY, ServerProcess

KEY = {"Authorization": f"Basic {SECRET_KEY}"}  # registered through $SMARTPAY_SECRET_KEY
COUPON = {"name": "x", "discountType": "percentage", "discountPercentage": 5}


def test_cli_serves_over_loopback_and_terminates() -> None:
    server = ServerProcess("--seed", "5", "--fault", "POST:/v1/coupons:503:1")
    try:
        assert server.lines[-1] == f"Smartpay simulator ready at {server.api_base}"
        assert server.origin in server.lines[0]
        with requests.Session() as http:
            assert (
                http.post(server.api_base + "/coupons", json=COUPON, headers=KEY, timeout=5).status_code
                == 503
            )
            created = http.post(server.api_base + "/coupons", json=COUPON, headers=KEY, timeout=5)
            assert created.status_code == 200 and created.json()["id"].startswith("coupon_test_")
            fetched = http.get(server.api_base + f"/coupons/{created.json()['id']}", headers=KEY, timeout=5)
            assert fetched.json() == created.json()
            assert http.get(server.api_base + "/coupons", timeout=5).status_code == 401
    finally:
        server.stop()
    assert server.process.returncode is not None


def test_server_drops_the_connection_after_commit() -> None:
    server = ServerProcess()
    try:
        http = requests.Session()
        rule = {"method": "POST", "path": "/v1/coupons", "drop_response": True}
        assert http.post(server.origin + "/_simulator/faults", json=rule, timeout=5).status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            http.post(server.api_base + "/coupons", json=COUPON, headers=KEY, timeout=5)
        objects = requests.get(server.origin + "/_simulator/objects?kind=coupon", timeout=5).json()["data"]
        assert len(objects) == 1
        assert (
            requests.post(server.api_base + "/coupons", json=COUPON, headers=KEY, timeout=5).status_code
            == 200
        )
    finally:
        server.stop()


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    arrived = threading.Event()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        type(self).arrived.set()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_server_delivers_signed_webhooks_in_real_time() -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    server = ServerProcess()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        hook = requests.post(
            server.api_base + "/webhook-endpoints", json={"url": url}, headers=KEY, timeout=5
        ).json()
        requests.post(server.api_base + "/coupons", json=COUPON, headers=KEY, timeout=5)
        assert _Receiver.arrived.wait(5)
        headers, body = _Receiver.received[0]
        message = headers["Smartpay-Signature-Timestamp"].encode() + b"." + body
        expected = hmac.new(base62.decode(hook["signingSecret"]), message, hashlib.sha256).hexdigest()
        assert headers["Smartpay-Signature"] == expected
        assert headers["Smartpay-Subscription-Id"] == hook["id"]
    finally:
        server.stop()
        receiver.shutdown()
        receiver.server_close()
