"""The HTTP server defends itself: loopback only, bodies capped while read, deadlines, bounded connections.

Every socket here talks to 127.0.0.1; non-loopback addresses are only refused, never bound.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
import requests

from django_smartpay.simulator.server import (
    NO_AUTHENTICATION_WARNING,
    RunningServer,
    SimulatorServer,
    check_bind_host,
    is_loopback_host,
    parse_args,
)

KEY = "Basic sk_test_serverSafety01"


@pytest.fixture
def server():
    with RunningServer(
        max_body_bytes=1000, request_timeout=1.0, max_connections=6, keys=["sk_test_serverSafety01"]
    ) as running:
        yield running


def _connect(server) -> socket.socket:
    host, port = server.server.server_address[:2]
    sock = socket.create_connection((host, port), timeout=5)
    return sock


def _answer(sock: socket.socket) -> tuple[int, bytes]:
    """Status and whatever else arrives until the server closes the connection."""
    data = b""
    while True:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    if not data:
        return 0, b""
    return int(data.split(b" ", 2)[1]), data


def _post_head(path: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {KEY}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode("ascii")


def _coupon_body() -> bytes:
    return json.dumps({"name": "x", "discountType": "percentage", "discountPercentage": 5}).encode()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_allowed(host):
    assert is_loopback_host(host)
    check_bind_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.168.1.10", "10.0.0.1", "example.com", "0"])
def test_non_loopback_hosts_are_refused_without_binding(host, capsys):
    assert not is_loopback_host(host)
    with pytest.raises(ValueError, match="no authentication"):
        check_bind_host(host)
    with pytest.raises(ValueError, match="--allow-non-loopback"):
        SimulatorServer(host, 0)  # refused before any socket is created
    with pytest.raises(SystemExit):
        parse_args(["--host", host, "--port", "0"])
    assert "no authentication" in capsys.readouterr().err
    check_bind_host(host, allow_non_loopback=True)  # the explicit flag lifts the refusal
    assert parse_args(["--host", host, "--allow-non-loopback"]).allow_non_loopback is True


def test_cli_refuses_a_non_loopback_host_and_says_why():
    result = subprocess.run(
        [sys.executable, "-m", "django_smartpay.simulator", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no authentication" in result.stderr and "ready" not in result.stdout
    assert "no authentication" in NO_AUTHENTICATION_WARNING


def test_content_length_over_the_cap_is_413_without_reading_the_body(server):
    with _connect(server) as sock:
        sock.sendall(_post_head("/v1/coupons", "Content-Length: 5000000\r\n") + b"{")
        status, data = _answer(sock)
    assert status == 413 and b"request.too-large" in data
    assert server.sim.objects() == []


def test_expect_100_continue_with_an_oversized_body_is_refused_before_it_is_sent(server):
    with _connect(server) as sock:
        sock.sendall(_post_head("/v1/coupons", "Content-Length: 5000000\r\nExpect: 100-continue\r\n"))
        status, data = _answer(sock)
    assert status == 413 and b"100 Continue" not in data


def test_chunked_body_is_capped_while_it_is_read(server):
    with _connect(server) as sock:
        sock.sendall(_post_head("/v1/coupons", "Transfer-Encoding: chunked\r\n"))
        for _ in range(3):  # 3 x 400 bytes: the third chunk crosses the 1000-byte cap
            sock.sendall(b"190\r\n" + b" " * 400 + b"\r\n")
        status, data = _answer(sock)  # answered without the terminating chunk ever being sent
    assert status == 413 and b"request.too-large" in data


def test_one_huge_chunk_is_refused_from_its_size_line(server):
    with _connect(server) as sock:
        sock.sendall(_post_head("/v1/coupons", "Transfer-Encoding: chunked\r\n") + b"7fffffff\r\n")
        status, _data = _answer(sock)
    assert status == 413


def test_a_small_chunked_body_is_served(server):
    body = _coupon_body()
    with _connect(server) as sock:
        chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        sock.sendall(
            _post_head("/v1/coupons", "Transfer-Encoding: chunked\r\nConnection: close\r\n") + chunked
        )
        status, data = _answer(sock)
    assert status == 200 and b"coupon_test_" in data


@pytest.mark.parametrize(
    "extra, payload",
    [
        ("Content-Length: -1\r\n", b""),
        ("Content-Length: 1e3\r\n", b""),
        ("Content-Length: 10\r\nContent-Length: 11\r\n", b""),
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
        ("Transfer-Encoding: chunked\r\n", b"1_0\r\n"),
        ("Transfer-Encoding: chunked\r\n", b"+5\r\n"),
        ("Transfer-Encoding: chunked\r\n", b"5\r\nabcdeXY0\r\n\r\n"),
    ],
)
def test_malformed_framing_is_400(server, extra, payload):
    with _connect(server) as sock:
        sock.sendall(_post_head("/v1/coupons", extra) + payload)
        status, _data = _answer(sock)
    assert status == 400
    assert server.sim.objects() == []


def test_unknown_transfer_encoding_is_501(server):
    with _connect(server) as sock:
        sock.sendall(_post_head("/v1/coupons", "Transfer-Encoding: gzip\r\n"))
        status, _data = _answer(sock)
    assert status == 501


def test_half_sent_body_times_out_and_the_connection_is_closed(server):
    with _connect(server) as sock:
        sock.sendall(_post_head("/v1/coupons", "Content-Length: 100\r\n") + b'{"name"')
        started = time.monotonic()
        status, _data = _answer(sock)  # blocks until the server gives up on the request
    assert status == 0  # closed without an answer
    assert time.monotonic() - started < 4  # the 1-second deadline, not the 5-second socket timeout
    assert server.sim.objects() == []


def test_a_byte_dripping_client_hits_the_request_deadline(server):
    """Each byte arrives well within any per-read timeout; the whole request still has a deadline."""
    with _connect(server) as sock:
        sock.sendall(b"GET /_simulator/ HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 4 and not closed:
            try:
                sock.sendall(b"X")
            except OSError:
                closed = True
                break
            sock.settimeout(0.2)
            try:
                closed = sock.recv(1) == b""
            except TimeoutError:
                pass
        assert closed
        assert time.monotonic() - started < 3


def test_slow_sockets_do_not_keep_a_normal_request_waiting(server):
    """A handful of slowloris connections hold slots; a normal request is still served at once."""
    attackers = []
    for _ in range(4):
        sock = _connect(server)
        sock.sendall(b"POST /v1/coupons HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        attackers.append(sock)
    try:
        started = time.monotonic()
        response = requests.post(
            server.api_base + "/coupons",
            json=json.loads(_coupon_body()),
            headers={"Authorization": KEY},
            timeout=5,
        )
        assert response.status_code == 200
        assert time.monotonic() - started < 0.9  # served before the attackers' deadline ran out
    finally:
        for sock in attackers:
            sock.close()


def test_connections_beyond_the_bound_get_503_and_slots_come_back(server):
    attackers = []
    for _ in range(6):  # every slot taken by a connection that sends nothing
        sock = _connect(server)
        sock.sendall(b"GET /_simulator/ HTTP/1.1\r\n")
        attackers.append(sock)
    try:
        # A seventh connection is turned away at once instead of waiting for a thread.
        with _connect(server) as extra:
            extra.sendall(b"GET /_simulator/ HTTP/1.1\r\nHost: x\r\n\r\n")
            status, data = _answer(extra)
        assert status == 503 and b"simulator.busy" in data
        # The attackers' requests time out; their slots are freed and normal service resumes.
        for sock in attackers:
            assert _answer(sock)[0] == 0
        deadline = time.monotonic() + 5
        while True:
            response = requests.get(server.origin + "/_simulator/", timeout=5)
            if response.status_code == 200 or time.monotonic() > deadline:
                break
        assert response.status_code == 200
    finally:
        for sock in attackers:
            sock.close()


def test_a_normal_request_with_keep_alive_still_works(server):
    with requests.Session() as http:
        for _ in range(3):
            assert http.get(server.origin + "/_simulator/", timeout=5).status_code == 200


def test_cli_options_of_keys_amounts_and_webhook_timestamps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTPAY_SECRET_KEY", raising=False)
    args = parse_args(
        ["--key", "sk_test_a1", "--key", "sk_live_b2", "--strict-amounts", "--webhook-timestamps", "original"]
    )
    assert args.key == ["sk_test_a1", "sk_live_b2"] and args.strict_amounts and not args.any_key
    assert args.webhook_timestamps == "original" and parse_args([]).webhook_timestamps == "fresh"
    for bad in (["--key", "pk_test_nope"], ["--webhook-timestamps", "sometimes"]):
        with pytest.raises(SystemExit):
            parse_args(bad)
    monkeypatch.setenv("SMARTPAY_SECRET_KEY", "not a key")
    with pytest.raises(SystemExit):
        parse_args([])
