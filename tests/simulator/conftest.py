"""Fixtures for the simulator's own tests: plain ``requests`` against an in-process simulator."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from django_smartpay.simulator import Simulator

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_simulatorSuite0001"
ADDRESS = {
    "line1": "虎ノ門1-17-1",  # noqa: RUF001 - a real Tokyo address
    "locality": "港区",
    "postalCode": "105-6415",
    "country": "JP",
}


class Api:
    """A requests session bound to one secret key and the simulator's ``/v1`` base."""

    def __init__(
        self, sim: Simulator, http: requests.Session, key: str = SECRET_KEY, *, register: bool = True
    ) -> None:
        if register:
            sim.register_key(key)  # the simulator answers only keys it knows, as Smartpay does
        self.sim = sim
        self.http = http
        self.key = key

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Basic {self.key}", **kwargs.pop("headers", {})}
        return self.http.request(method, self.sim.api_base + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, json: Any = None, status: int = 200) -> Any:
        response = self.request(method, path, json=json)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def as_key(self, key: str, *, register: bool = True) -> Api:
        """The same simulator seen with another key (registered first unless ``register=False``)."""
        return Api(self.sim, self.http, key, register=register)


@dataclass
class Inbox:
    """A webhook receiver: records every delivery, answers the queued statuses (then 200)."""

    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        self.received.append({"url": url, "headers": dict(headers), "body": body})
        return self.answers.pop(0) if self.answers else 200

    def types(self) -> list[str]:
        return [json.loads(item["body"])["eventData"]["type"] for item in self.received]


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=1234, keys=[SECRET_KEY])


@pytest.fixture
def http(sim: Simulator) -> Iterator[requests.Session]:
    session = sim.session()
    yield session
    session.close()


@pytest.fixture
def api(sim: Simulator, http: requests.Session) -> Api:
    return Api(sim, http)


@pytest.fixture
def inbox(sim: Simulator) -> Inbox:
    receiver = Inbox()
    sim.webhook_sender = receiver
    return receiver


def item(
    name: str = "セーター", amount: int = 1000, quantity: int = 1, kind: str = "product"
) -> dict[str, Any]:
    return {"name": name, "amount": amount, "currency": "JPY", "quantity": quantity, "kind": kind}


def session_payload(amount: int = 1000, capture_method: str | None = None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "amount": amount,
        "currency": "JPY",
        "items": [item(amount=amount)],
        "shippingInfo": {"address": ADDRESS},
        "customerInfo": {"emailAddress": "taro@example.jp"},
        "successUrl": "https://shop.example.jp/success",
        "cancelUrl": "https://shop.example.jp/cancel",
        "reference": "shop-order-1",
    }
    if capture_method:
        payload["captureMethod"] = capture_method
    payload.update(extra)
    return payload


def token_session_payload(**extra: Any) -> dict[str, Any]:
    return {
        "mode": "token",
        "successUrl": "https://shop.example.jp/success",
        "cancelUrl": "https://shop.example.jp/cancel",
        "reference": "token-ref",
        **extra,
    }


def order_payload(token_id: str, amount: int = 1500, **extra: Any) -> dict[str, Any]:
    return {
        "token": token_id,
        "amount": amount,
        "currency": "JPY",
        "items": [item(amount=amount - 500)],
        "shippingInfo": {"address": ADDRESS, "feeAmount": 500, "feeCurrency": "JPY"},
        "customerInfo": {"emailAddress": "taro@example.jp"},
        "reference": "charge-1",
        **extra,
    }


def authorized_order(api: Api, amount: int = 1000, capture_method: str = "manual") -> dict[str, Any]:
    session = api.ok("POST", "/checkout-sessions", session_payload(amount, capture_method))
    return api.sim.authorize_order(session["order"]["id"])


def active_token(api: Api) -> str:
    session = api.ok("POST", "/checkout-sessions", token_session_payload())
    token_id = session["token"]["id"]
    api.sim.approve_token(token_id)
    return token_id


class ServerProcess:
    """``python -m django_smartpay.simulator`` in a subprocess on a free loopback port."""

    READY = re.compile(r"^Smartpay simulator ready at (http://127\.0\.0\.1:(\d+)/v1)$")

    def __init__(self, *args: str, timeout: float = 15.0) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            "SMARTPAY_SECRET_KEY": SECRET_KEY,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django_smartpay.simulator", "--host", "127.0.0.1", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=REPO_ROOT,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            match = self.READY.match(self.lines[-1])
            if match:
                self.api_base = match.group(1)
                self.origin = self.api_base[: -len("/v1")]
                return
        self.stop()
        raise AssertionError(f"the simulator did not print its ready line: {self.lines!r}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode
