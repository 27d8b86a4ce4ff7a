"""The example project for real: ``manage.py demo`` in a subprocess, on free loopback ports.

The demo command migrates a temporary SQLite database, creates the demo logins, starts the
Smartpay simulator as its own child process, registers the shop's webhook URL with it and
runs the development server — exactly what the README's first command does.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MANAGE = ROOT / "example_project" / "manage.py"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DemoShop:
    url: str
    simulator: str
    database: Path
    process: subprocess.Popen
    log: Path
    output: list[str] = field(default_factory=list)

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the shop's database (as the shop's own processes wrote it)."""
        with sqlite3.connect(self.database, timeout=20) as connection:
            return connection.execute(sql, params).fetchall()

    def wait_for(self, sql: str, expected: object, timeout: float = 15.0) -> list[tuple]:
        """Poll ``sql`` until it returns ``expected`` (webhooks arrive asynchronously)."""
        deadline = time.monotonic() + timeout
        rows = self.query(sql)
        while rows != expected and time.monotonic() < deadline:
            time.sleep(0.2)
            rows = self.query(sql)
        return rows

    def session(self, username: str, password: str) -> requests.Session:
        """A logged-in browser-like session (CSRF cookie and token included)."""
        http = requests.Session()
        http.trust_env = False
        http.get(self.url + "/login/", timeout=10)
        response = http.post(
            self.url + "/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": http.cookies["csrftoken"],
            },
            headers={"Referer": self.url + "/login/"},
            timeout=10,
        )
        assert response.url == self.url + "/", response.text[:500]
        return http

    def signup(self, username: str) -> requests.Session:
        """A new customer, signed up through the shop's page and logged in."""
        http = requests.Session()
        http.trust_env = False
        http.get(self.url + "/signup/", timeout=10)
        password = "a-long-demo-password-1"
        response = self.post(
            http,
            "/signup/",
            data={
                "username": username,
                "email": f"{username}@example.jp",
                "password1": password,
                "password2": password,
            },
        )
        assert response.url == self.url + "/", response.text[:500]
        return http

    def post(self, http: requests.Session, path: str, **kwargs: object) -> requests.Response:
        data = {"csrfmiddlewaretoken": http.cookies["csrftoken"], **kwargs.pop("data", {})}  # type: ignore[dict-item]
        return http.post(
            self.url + path, data=data, headers={"Referer": self.url + "/"}, timeout=30, **kwargs
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the demo stops its simulator, then exits
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this fixture started
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoShop]:
    folder = tmp_path_factory.mktemp("demo")
    shop_port, simulator_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.pop("CELERY_BROKER_URL", None)  # the demo runs Celery eagerly, like a fresh clone
    env.update(
        DEMO_DATABASE=str(folder / "shop.sqlite3"),
        SMARTPAY_SIMULATOR_PORT=str(simulator_port),
        PYTHONUNBUFFERED="1",
    )
    log = folder / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "demo", "--addrport", f"127.0.0.1:{shop_port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=folder,
            start_new_session=True,
        )
    shop = DemoShop(
        url=f"http://127.0.0.1:{shop_port}",
        simulator=f"http://127.0.0.1:{simulator_port}",
        database=folder / "shop.sqlite3",
        process=process,
        log=log,
    )
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"manage.py demo exited with {process.returncode}:\n{log.read_text()}")
            try:
                if requests.get(shop.url + "/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the demo shop did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()}")
            time.sleep(0.2)
        yield shop
    finally:
        _stop(process)
