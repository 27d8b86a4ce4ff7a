"""``manage.py demo`` on its own: a database the simulator has forgotten, the banner, no sidecar.

The simulator keeps its objects in memory.  A demo restarted (without ``--fresh``) against a
new simulator finds its database mirroring tokens the simulator has never heard of: it says
so and starts from an empty database rather than failing later with ``*.not-found``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from django_smartpay.simulator.server import RunningServer

from .conftest import MANAGE, ROOT

FORGOTTEN = "Warning: the Smartpay simulator has forgotten"  # demo.FORGOTTEN
START_CHECKOUT = """
from django.contrib.auth import get_user_model
from django_smartpay import services
alice = get_user_model().objects.get(username="alice")
session = services.create_token_checkout_session(
    success_url="http://127.0.0.1/ok/", cancel_url="http://127.0.0.1/no/", user=alice
)
print(session.token_id)
"""


def _environment(database: Path, simulator: RunningServer) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update(DEMO_DATABASE=str(database), SMARTPAY_SIMULATOR_PORT=simulator.origin.rsplit(":", 1)[1])
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(MANAGE), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _rows(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def test_a_database_the_simulator_has_forgotten_is_emptied_with_a_warning(tmp_path: Path):
    database = tmp_path / "shop.sqlite3"
    first = RunningServer("127.0.0.1", 0)
    try:
        env = _environment(database, first)
        started = _manage(env, "demo", "--no-serve")
        assert FORGOTTEN not in started.stderr
        assert "smartpay_charge_due --as-of '<ISO datetime>'" in started.stdout or (
            "smartpay_charge_due --as-of <ISO datetime>" in started.stdout
        )
        token_id = _manage(env, "shell", "-c", START_CHECKOUT).stdout.split()[-1]
        assert token_id.startswith("paytok_test_")
        # The same simulator still knows the token: a restart keeps everything.
        again = _manage(env, "demo", "--no-serve")
        assert FORGOTTEN not in again.stderr
        assert _rows(database, "select smartpay_id from smartpay_token") == [(token_id,)]
    finally:
        first.stop()

    second = RunningServer("127.0.0.1", 0)  # a new simulator: it has never seen that token
    try:
        env = _environment(database, second)
        restarted = _manage(env, "demo", "--no-serve")
        assert FORGOTTEN in restarted.stderr and token_id in restarted.stderr
        assert "The database was emptied" in restarted.stderr
        assert _rows(database, "select count(*) from smartpay_token") == [(0,)]
        assert _rows(database, "select count(*) from smartpay_checkoutsession") == [(0,)]
        assert sorted(_rows(database, "select username from auth_user")) == [("admin",), ("alice",)]
        assert "The Smartpay simulator answered the shop's client." in restarted.stdout
        # Now in step with the simulator: the next start keeps the database.
        assert FORGOTTEN not in _manage(env, "demo", "--no-serve").stderr
    finally:
        second.stop()


WITHOUT_SIDECAR = """
import sys
sys.modules["drf_spectacular_sidecar"] = None  # as if it were not installed
import django
django.setup()
from django.conf import settings
from django.test import Client
print("offline docs:", settings.OFFLINE_API_DOCS)
client = Client(HTTP_HOST="127.0.0.1")
page = client.get("/api/smartpay/docs/")
print("status:", page.status_code)
print("says:", "pip install drf-spectacular-sidecar" in page.content.decode())
print("root:", sorted(client.get("/api/smartpay/", HTTP_ACCEPT="application/json").json()))
"""


def test_without_the_sidecar_the_docs_page_says_how_to_get_it(tmp_path: Path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL",)}
    env.update(
        DJANGO_SETTINGS_MODULE="demo_site.settings",
        PYTHONPATH=str(ROOT / "example_project"),
        DEMO_DATABASE=str(tmp_path / "unused.sqlite3"),
    )
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WITHOUT_SIDECAR)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "offline docs: False" in result.stdout
    assert "status: 501" in result.stdout and "says: True" in result.stdout
    assert "root: ['orders', 'schedules', 'schema', 'tokens']" in result.stdout
