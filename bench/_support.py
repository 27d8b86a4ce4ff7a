"""Helpers shared by the benches: machine load, processes, databases, the simulator server, Django set-up.

Every process started here runs in its own session (process group), so it can be
stopped with everything it forked (a prefork Celery worker and its children).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The settings module of the charge benches (reads ``SMARTPAY_BENCH_*`` environment variables).
SETTINGS = "bench.charges_settings"
ADDRESS = {"line1": "1-1-1 Marunouchi", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}
CHARGE = {
    "items": [{"name": "Monthly matcha box", "amount": 3000}],
    "shipping_info": {"address": ADDRESS},
    "customer_info": {},
}


def environment(**values: str) -> dict[str, str]:
    """``os.environ`` plus ``values``, the repository on ``PYTHONPATH`` and the bench settings."""
    env = dict(os.environ)
    env.update(values)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    return env


def setup_django(**values: str) -> None:
    """Configure this process with the bench settings and ``values`` as ``SMARTPAY_BENCH_*`` variables."""
    os.environ.update(values)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


# --- processes --------------------------------------------------------------------------


def stop_group(
    process: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM, timeout: float = 10.0
) -> None:
    """Signal the process group of ``process``; SIGKILL it if it is still alive after ``timeout``."""
    if process is None or process.poll() is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if process is not None:
                os.killpg(process.pid, signal.SIGKILL)  # children a dead leader left behind
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class Simulator:
    """``python -m django_smartpay.simulator`` in a subprocess, and its control API."""

    def __init__(self, *, seed: int | None = None, log: IO[str] | None = None) -> None:
        command = [sys.executable, "-m", "django_smartpay.simulator", "--host", "127.0.0.1", "--port", "0"]
        command.append("--any-key")  # bench keys vary; the simulator answers unknown keys 401 otherwise
        if seed is not None:
            command += ["--seed", str(seed)]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=log if log is not None else subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.api_base = ""
        deadline = time.monotonic() + 30
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            if line.startswith("Smartpay simulator ready at "):
                self.api_base = line.rsplit(" ", 1)[1].strip()
                break
        if not self.api_base:
            self.stop()
            raise RuntimeError("the simulator did not start")
        self.origin = self.api_base.removesuffix("/v1")
        self.http = requests.Session()
        self.http.trust_env = False

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, f"{self.origin}/_simulator/{path}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        stop_group(self.process)
        with contextlib.suppress(Exception):
            self.http.close()


def start_worker(
    env: dict[str, str], *, concurrency: int, queue: str, name: str, log: IO[str] | None = None
) -> subprocess.Popen[Any]:
    """A prefork ``celery -A tests.celery_app worker`` consuming ``queue``, in its own process group."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.celery_app",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--queues",
        queue,
        "--hostname",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
        start_new_session=True,
    )


# --- databases and brokers ------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(
        with_database(url, "postgres").replace("postgres://", "postgresql://", 1), autocommit=True
    )


def create_database(url: str, name: str) -> None:
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str, name: str) -> None:
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def delete_redis_keys(url: str, prefix: str) -> int:
    """Delete every key under ``prefix`` (the bench's queues and unacked messages)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


@contextlib.contextmanager
def timed() -> Iterator[dict[str, float]]:
    result: dict[str, float] = {}
    started = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - started


def machine_load() -> dict[str, Any]:
    """The load this machine is under: load averages over 1, 5 and 15 minutes and the CPU counts.

    Every bench puts this in its JSON (``dump`` adds it) so that a figure measured on a busy,
    shared machine can be told from one measured on an idle one.
    """
    one, five, fifteen = os.getloadavg()
    cpus = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    return {
        "loadavg_1m": round(one, 2),
        "loadavg_5m": round(five, 2),
        "loadavg_15m": round(fifteen, 2),
        "cpu_count": cpus,
        "cpus_usable": usable,
        "load_per_cpu_1m": round(one / usable, 2),
    }


def dump(result: dict[str, Any]) -> None:
    """Print ``result`` as JSON, with the machine load at the end of the run (``machine_load``)."""
    result.setdefault("machine_load", machine_load())
    print(json.dumps(result, indent=2, sort_keys=False))


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of process group ``pgid`` (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, …
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
