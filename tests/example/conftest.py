"""The example project for real: ``manage.py demo`` in a subprocess, on free loopback ports.

The demo command migrates a temporary SQLite database, creates the demo logins, registers the
shop's webhook URL with the Smartpay simulator and runs the development server — what the
README's first command does.  The simulator serves from this process, so that the tests are
told (not left to guess by polling) when a webhook has reached the shop and been answered.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import pytest
import requests

from django_smartpay.simulator.delivery import Sender
from django_smartpay.simulator.server import RunningServer
from tests.browser import chromium_executable

ROOT = Path(__file__).resolve().parents[2]
MANAGE = ROOT / "example_project" / "manage.py"
START_TIMEOUT = 60.0
WEBHOOK_TIMEOUT = 30.0
#: What ``manage.py demo`` prints once the shop's socket is bound (``demo.SERVING``).
READY_LINE = "Demo shop serving at "
CHROMIUM = chromium_executable()  # $SMARTPAY_CHROMIUM or /usr/bin/chromium
#: Where the browser tests' screenshots go: ``$SMARTPAY_SCREENSHOTS`` when set.
SCREENSHOTS = Path(os.environ.get("SMARTPAY_SCREENSHOTS") or ROOT / "test-results" / "example")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sent(NamedTuple):
    """One webhook the simulator sent to the shop, and the shop's answer (``None``: no answer)."""

    event_id: str
    type: str
    object_id: str
    status: int | None


class Webhooks:
    """The simulator's webhook sender, wrapped to record each delivery once the shop has answered.

    The shop applies an event before it answers, so after ``wait_for`` the shop's database
    already shows what the webhook changed.
    """

    def __init__(self, send: Sender) -> None:
        self._send = send
        self._sent: list[Sent] = []
        self._changed = threading.Condition()

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        event = json.loads(body)
        status: int | None = None
        try:
            status = self._send(url, headers, body)
            return status
        finally:
            data = event["eventData"]
            with self._changed:
                self._sent.append(Sent(event["id"], data["type"], str(data["data"].get("id", "")), status))
                self._changed.notify_all()

    def mark(self) -> int:
        """A bookmark: ``wait_for(..., after=mark)`` ignores the webhooks sent before it."""
        with self._changed:
            return len(self._sent)

    def wait_for(self, event_type: str, object_id: str | None = None, *, after: int = 0) -> Sent:
        """The first ``event_type`` webhook (about ``object_id``) the shop has answered."""

        def answered() -> Sent | None:
            return next(
                (
                    sent
                    for sent in self._sent[after:]
                    if sent.type == event_type and object_id in (None, sent.object_id)
                ),
                None,
            )

        with self._changed:
            sent = self._changed.wait_for(answered, timeout=WEBHOOK_TIMEOUT)
            assert sent is not None, f"no {event_type} webhook within {WEBHOOK_TIMEOUT:.0f} s: {self._sent}"
        return sent


class Output:
    """The demo's output, copied to a log file line by line; tells when a given line has appeared."""

    def __init__(self, stream: IO[str], log: Path) -> None:
        self.lines: list[str] = []
        self.ended = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream, log), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str], log: Path) -> None:
        with log.open("w") as out:
            for line in stream:
                out.write(line)
                out.flush()
                with self._changed:
                    self.lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    def wait_for_line(self, prefix: str, timeout: float) -> bool:
        """True once a line starting with ``prefix`` has appeared; False if the output ended first."""

        def seen() -> bool:
            return self.ended or any(line.startswith(prefix) for line in self.lines)

        with self._changed:
            self._changed.wait_for(seen, timeout=timeout)
            return any(line.startswith(prefix) for line in self.lines)

    def text(self) -> str:
        with self._changed:
            return "".join(self.lines)


@dataclass
class DemoShop:
    url: str
    simulator: str
    database: Path
    process: subprocess.Popen
    log: Path
    webhooks: Webhooks
    output: Output

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the shop's database (as the shop's own processes wrote it)."""
        with sqlite3.connect(self.database, timeout=20) as connection:
            return connection.execute(sql, params).fetchall()

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

    def subscribe(self, http: requests.Session, username: str) -> tuple[int, str]:
        """Subscribe ``username`` (logged in on ``http``), approving on the simulator's page.

        Returns the new schedule's id and its token's id.
        """
        start = self.post(http, "/subscribe/", allow_redirects=False)
        assert start.status_code == 302, start.text[:500]
        assert http.get(approve(start.headers["Location"]), timeout=30).status_code == 200
        [(schedule_id, token_id)] = self.query(
            "select s.id, s.token_id from smartpay_chargeschedule s join smartpay_token t "
            "on t.smartpay_id = s.token_id join auth_user u on u.id = t.user_id "
            "where u.username = ? and s.status = 'active'",
            username,
        )
        return schedule_id, token_id


def approve(checkout_url: str) -> str:
    """What the simulator's Approve button posts; the URL Smartpay sends the shopper back to."""
    response = requests.post(checkout_url, data={"action": "approve"}, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text[:500]
    return response.headers["Location"]


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot into :data:`SCREENSHOTS`."""
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


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
    shop_port = free_port()
    simulator = RunningServer("127.0.0.1", 0)  # the demo uses a simulator that already answers
    webhooks = Webhooks(simulator.sim.webhook_sender)
    simulator.sim.webhook_sender = webhooks
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.pop("CELERY_BROKER_URL", None)  # the demo runs Celery eagerly, like a fresh clone
    env.update(
        DEMO_DATABASE=str(folder / "shop.sqlite3"),
        SMARTPAY_SIMULATOR_PORT=simulator.origin.rsplit(":", 1)[1],
        PYTHONUNBUFFERED="1",
    )
    log = folder / "demo.log"
    process = subprocess.Popen(
        [sys.executable, str(MANAGE), "demo", "--addrport", f"127.0.0.1:{shop_port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=folder,
        start_new_session=True,
    )
    assert process.stdout is not None
    output = Output(process.stdout, log)
    shop = DemoShop(
        url=f"http://127.0.0.1:{shop_port}",
        simulator=simulator.origin,
        database=folder / "shop.sqlite3",
        process=process,
        log=log,
        webhooks=webhooks,
        output=output,
    )
    try:
        if not output.wait_for_line(READY_LINE, START_TIMEOUT):
            state = "exited" if output.ended else f"was not serving within {START_TIMEOUT:.0f} s"
            pytest.fail(f"manage.py demo {state}:\n{output.text()}")
        assert "Using the Smartpay simulator already running" in output.text()
        assert requests.get(shop.url + "/", timeout=10).status_code == 200
        yield shop
    finally:
        _stop(process)
        simulator.stop()
