"""Benchmark: the webhook view's SQL statements, API calls and throughput.

    python bench/webhooks.py [--events 500] [--rounds 10] [--database-url postgres://…]

1. Cost per webhook, measured in-process (Django's test client, every statement
   counted as Django logs it, ``BEGIN``/``COMMIT`` included): real events made by the
   in-process simulator — a first-time object (``token.created``), an update
   (``token.approved``), a duplicate (the same delivery again), and a few more types —
   with the API requests the settings-built client sent while processing them.
2. Throughput over real HTTP: one Django WSGI server (``wsgiref``, in a thread, on
   127.0.0.1, behind ``startproject``'s middleware unless ``--middleware minimal``)
   serves both the webhook view and a bare baseline view that verifies the same HMAC (:func:`django_smartpay.client.verify_webhook_signature`) and inserts one
   row with the ORM.  A ``requests.Session`` sends ``--events`` first-time
   ``token.created`` deliveries (re-signed at send time) to each, in ``--rounds``
   interleaved rounds whose order alternates, and the API requests made meanwhile are
   counted.

The database is a SQLite file in a temporary directory (WAL, ``synchronous=NORMAL``,
so that commits do not fsync and the comparison measures the views rather than the
disk; ``--sqlite-durable`` keeps SQLite's defaults), or the PostgreSQL server of
``--database-url`` (a throw-away ``bench_django_smartpay`` database is created there
and dropped).  Prints one JSON document; the process stops by itself.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import types
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
import requests
from django.conf import settings

from tests.settings import database_from_url

SECRET_KEY = "sk_test_benchWebhooks0001"
WEBHOOK_PATH = "/smartpay/webhook/"
BASELINE_PATH = "/baseline/"
ADDRESS = {"line1": "1-1-1", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}
TARGETS = {"first_time": 6, "update": 6, "duplicate": 2, "api_calls": 0, "throughput_ratio": 0.6}


def database_settings(url: str | None, directory: str, durable: bool) -> dict[str, Any]:
    if not url:
        pragmas = "" if durable else "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(directory) / "bench.sqlite3"),
            "OPTIONS": {"init_command": pragmas} if pragmas else {},
            "CONN_MAX_AGE": None,  # both sides keep their connection, as a production server would
        }
    try:
        database = database_from_url(url)  # the test suite's parser: one implementation
    except ValueError as exc:
        raise SystemExit(f"--database-url: {exc}") from None
    database["CONN_MAX_AGE"] = None  # both sides keep their connection, as a production server would
    database["TEST"] = {"NAME": "bench_django_smartpay"}
    return database


# --- the bench's own app and URLconf ------------------------------------------------------------

BENCH_APP = "bench_webhooks_app"
BENCH_URLS = "bench_webhooks_urls"


def install_bench_modules() -> None:
    """A tiny app (for the baseline's model) and a URLconf, as importable modules."""
    from django.apps import AppConfig

    app_module = types.ModuleType(BENCH_APP)
    app_module.__path__ = []  # a package, so Django looks no further for models

    class BenchConfig(AppConfig):
        name = BENCH_APP
        label = BENCH_APP
        path = str(Path(__file__).resolve().parent)
        default_auto_field = "django.db.models.BigAutoField"

    app_module.BenchConfig = BenchConfig  # type: ignore[attr-defined]
    sys.modules[BENCH_APP] = app_module
    sys.modules[BENCH_URLS] = types.ModuleType(BENCH_URLS)


#: ``django-admin startproject``'s middleware: what both views run behind in a real project.
PROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
MINIMAL_MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]


def configure(database: dict[str, Any], api_base: str, middleware: list[str]) -> None:
    install_bench_modules()
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=BENCH_URLS,
        MIDDLEWARE=middleware,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django_smartpay",
            f"{BENCH_APP}.BenchConfig",
        ],
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        SMARTPAY={"SECRET_KEY": SECRET_KEY, "API_BASE": api_base, "MAX_RETRIES": 0},
        LOGGING_CONFIG=None,
    )
    django.setup()


def define_baseline() -> tuple[Any, Any]:
    """The baseline: a model with one row per delivery, and a bare view that writes it."""
    from django.db import models
    from django.http import JsonResponse
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    from django_smartpay.client import verify_webhook_signature

    class BaselineEvent(models.Model):
        event_id = models.CharField(max_length=255, unique=True)
        body = models.TextField()

        class Meta:
            app_label = BENCH_APP

        def __str__(self) -> str:
            return self.event_id

    @csrf_exempt
    def baseline(request: Any) -> Any:
        body = request.body
        stamp = request.headers.get("Smartpay-Signature-Timestamp", "")
        secret = settings.SMARTPAY["WEBHOOK_SECRETS"][0]
        if not verify_webhook_signature(
            stamp.encode() + b"." + body, secret, request.headers.get("Smartpay-Signature")
        ):
            return JsonResponse({"error": "invalid-signature"}, status=400)
        BaselineEvent.objects.create(event_id=request.headers["Smartpay-Event-Id"], body=body.decode())
        return JsonResponse({"status": "ok"})

    sys.modules[BENCH_URLS].urlpatterns = [  # type: ignore[attr-defined]
        path("smartpay/", include("django_smartpay.urls")),
        path(BASELINE_PATH.strip("/") + "/", baseline),
    ]
    return BaselineEvent, baseline


def prepare_database(baseline_model: Any, postgres: bool) -> Any:
    from django.core.management import call_command
    from django.db import connection

    if postgres:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    with connection.schema_editor() as editor:
        editor.create_model(baseline_model)
    return connection


# --- the simulator side ------------------------------------------------------------------------


class Capture:
    """The simulator's webhook sender: keeps every delivery, answers 200."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, dict[str, str], bytes]] = []

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        event_type = json.loads(body)["eventData"]["type"]
        self.deliveries.append((event_type, dict(headers), body))
        return 200

    def take(self) -> list[tuple[str, dict[str, str], bytes]]:
        taken, self.deliveries = self.deliveries, []
        return taken


class Shop:
    def __init__(self, client: Any, sim: Any) -> None:
        self.client, self.sim = client, sim

    def token_session(self) -> str:
        session = self.client.create_checkout_session(
            mode="token", success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
        )
        return session["token"]["id"]

    def automatic_order(self) -> str:
        session = self.client.create_checkout_session(
            currency="JPY",
            items=[{"name": "Matcha", "amount": 2000}],
            shipping_info={"address": ADDRESS},
            customer_info={},
            success_url="https://shop.example/ok",
            cancel_url="https://shop.example/cancel",
            capture_method="automatic",
        )
        self.sim.clock.advance(1)
        self.sim.authorize_order(session["order"]["id"])
        return session["order"]["id"]


def resign(headers: dict[str, str], body: bytes, secret: str) -> dict[str, str]:
    """The delivery's headers with a fresh timestamp and signature (as a retry would carry)."""
    from django_smartpay.client import calculate_webhook_signature

    stamp = str(int(time.time() * 1000))
    fresh = {name: value for name, value in headers.items() if name != "Content-Type"}
    fresh["Smartpay-Signature-Timestamp"] = stamp
    fresh["Smartpay-Signature"] = calculate_webhook_signature(stamp.encode() + b"." + body, secret)
    return fresh


# --- 1. cost per webhook -------------------------------------------------------------------------


def measure_costs(shop: Shop, capture: Capture, secret: str, api_log: list[str]) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    browser = Client()

    def deliver(event_type: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        del api_log[:]
        with CaptureQueriesContext(connection) as queries:
            response = browser.post(
                WEBHOOK_PATH,
                data=body,
                content_type="application/json",
                headers=resign(headers, body, secret),
            )
        assert response.status_code == 200, response.content
        return {
            "event_type": event_type,
            "result": response.json()["status"],
            "statements": len(queries.captured_queries),
            "api_calls": len(api_log),
        }

    token_id = shop.token_session()
    (created,) = capture.take()
    shop.sim.clock.advance(1)
    shop.sim.approve_token(token_id)
    (approved,) = capture.take()
    first, update, duplicate = deliver(*created), deliver(*approved), deliver(*approved)
    shop.automatic_order()
    shop.client.create_coupon("Spring", "amount", discount_amount=100, currency="JPY")
    others = [deliver(*delivery) for delivery in capture.take()]
    payment_id = shop.client.get_order(shop.automatic_order())["payments"][0]
    for delivery in capture.take():
        deliver(*delivery)
    shop.client.create_refund(payment_id, 500, "JPY", "requested_by_customer")
    others += [deliver(*delivery) for delivery in capture.take()]
    return {
        "statements_per_webhook": {
            "first_time": first["statements"],
            "update": update["statements"],
            "duplicate": duplicate["statements"],
        },
        "api_calls_per_webhook": max(item["api_calls"] for item in (first, update, duplicate)),
        "by_event": [first, update, duplicate, *others],
    }


# --- 2. throughput over HTTP ---------------------------------------------------------------------


def serve(server_ms: dict[str, list[float]]) -> tuple[Any, threading.Thread, str]:
    """A WSGI server in a thread; ``server_ms[path]`` collects the time Django spent per request."""
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

    django_app = WSGIHandler()

    def timed_app(environ: dict[str, Any], start_response: Any) -> Any:
        began = time.perf_counter()
        response = django_app(environ, start_response)
        body = b"".join(response)
        response.close()
        server_ms.setdefault(environ["PATH_INFO"], []).append((time.perf_counter() - began) * 1000)
        return [body]

    server = make_server("127.0.0.1", 0, timed_app, server_class=WSGIServer, handler_class=Quiet)

    def run() -> None:
        try:
            server.serve_forever()
        finally:
            connections.close_all()  # the server thread's own (persistent) connection

    thread = threading.Thread(target=run, name="bench-wsgi", daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


def measure_throughput(
    shop: Shop, capture: Capture, secret: str, api_log: list[str], events: int, rounds: int
) -> dict[str, Any]:
    for _ in range(events):
        shop.token_session()
    deliveries = capture.take()
    assert len(deliveries) == events
    server_ms: dict[str, list[float]] = {}
    server, thread, origin = serve(server_ms)
    http = requests.Session()
    http.trust_env = False
    elapsed = {"ours": 0.0, "baseline": 0.0}
    statuses: dict[str, dict[int, int]] = {"ours": {}, "baseline": {}}
    per_round = max(events // rounds, 1)
    del api_log[:]
    try:
        for number, start in enumerate(range(0, events, per_round)):
            chunk = deliveries[start : start + per_round]
            order = ("ours", "baseline") if number % 2 == 0 else ("baseline", "ours")
            for side in order:
                path = WEBHOOK_PATH if side == "ours" else BASELINE_PATH
                signed = [(resign(headers, body, secret), body) for _, headers, body in chunk]
                began = time.perf_counter()
                for headers, body in signed:
                    response = http.post(
                        origin + path, data=body, headers={**headers, "Content-Type": "application/json"}
                    )
                    statuses[side][response.status_code] = statuses[side].get(response.status_code, 0) + 1
                elapsed[side] += time.perf_counter() - began
    finally:
        http.close()
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()
    ours, baseline = events / elapsed["ours"], events / elapsed["baseline"]
    return {
        "events_per_side": events,
        "rounds": -(-events // per_round),
        "ours_per_second": round(ours, 1),
        "baseline_per_second": round(baseline, 1),
        "ratio": round(ours / baseline, 3),
        "median_ms_in_django": {
            "ours": round(statistics.median(server_ms[WEBHOOK_PATH]), 3),
            "baseline": round(statistics.median(server_ms[BASELINE_PATH]), 3),
        },
        "statuses": statuses,
        "api_calls_during_run": len(api_log),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500, help="deliveries per side (default 500)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument(
        "--database-url", default=None, help="postgres://user@host:port/db (default: SQLite file)"
    )
    parser.add_argument(
        "--sqlite-durable",
        action="store_true",
        help="SQLite's default rollback journal (an fsync per commit, which then dominates both sides) "
        "instead of WAL with synchronous=NORMAL",
    )
    parser.add_argument(
        "--middleware",
        choices=["project", "minimal"],
        default="project",
        help="the middleware both views run behind: startproject's stack (default), "
        "or only CommonMiddleware and CsrfViewMiddleware",
    )
    options = parser.parse_args()
    if not 1 <= options.events <= 20_000:
        raise SystemExit("--events must be between 1 and 20000")

    from django_smartpay.simulator import Simulator

    sim = Simulator()
    capture = Capture()
    sim.webhook_sender = capture
    with tempfile.TemporaryDirectory() as directory:
        middleware = PROJECT_MIDDLEWARE if options.middleware == "project" else MINIMAL_MIDDLEWARE
        configure(
            database_settings(options.database_url, directory, options.sqlite_durable),
            sim.api_base,
            middleware,
        )
        baseline_model, _ = define_baseline()
        postgres = bool(options.database_url)
        connection = prepare_database(baseline_model, postgres)
        from django_smartpay import conf

        api_log: list[str] = []
        session = sim.session()
        session.hooks["response"].append(lambda response, *a, **k: api_log.append(response.request.path_url))
        try:
            with conf.use_http_session(session):
                client = conf.get_client()
                endpoint = client.create_webhook_endpoint("https://shop.example" + WEBHOOK_PATH)
                secret = endpoint["signingSecret"]
                settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": [secret]}
                shop = Shop(client, sim)
                costs = measure_costs(shop, capture, secret, api_log)
                throughput = measure_throughput(
                    shop, capture, secret, api_log, options.events, options.rounds
                )
        finally:
            session.close()
            if postgres:
                connection.close()
                connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    statements = costs["statements_per_webhook"]
    report = {
        "database": "postgresql"
        if options.database_url
        else "sqlite file, " + ("rollback journal" if options.sqlite_durable else "WAL, synchronous=NORMAL"),
        "middleware": options.middleware,
        **costs,
        "throughput": throughput,
        "targets": TARGETS,
        "targets_met": {
            "first_time": statements["first_time"] <= TARGETS["first_time"],
            "update": statements["update"] <= TARGETS["update"],
            "duplicate": statements["duplicate"] <= TARGETS["duplicate"],
            "api_calls": costs["api_calls_per_webhook"] == 0 and throughput["api_calls_during_run"] == 0,
            "throughput_ratio": throughput["ratio"] >= TARGETS["throughput_ratio"],
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
