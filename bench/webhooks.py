"""Benchmark: the webhook view in-process, beside a bare verify-and-insert view.

    python bench/webhooks.py [--events 300] [--rounds 6] [--database-url postgres://…]

Both views are called directly with requests built by Django's ``RequestFactory`` (no
HTTP client or server, whose cost would dwarf the difference being measured).  Real
events made by the in-process simulator are used, one set per kind: ``token.created``
(a first-time object), ``token.approved`` (an update), a duplicate, ``order.authorized``,
``payment.created`` and ``refund.created`` (which may fetch a follow-up object), and
``coupon.created``.  For each kind it reports the statements Django logged
(``BEGIN``/``COMMIT`` included), the API calls made, and the median time per delivery
of our view and of the baseline, as a ratio.  No target: the figures are reported.
Prints the machine load (``os.getloadavg``) before and after, and one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.conf import settings

from tests.settings import database_from_url

SECRET_KEY = "sk_test_benchWebhooks0001"
WEBHOOK_PATH = "/smartpay/webhook/"
BENCH_APP = "bench_webhooks_app"
BENCH_URLS = "bench_webhooks_urls"
ADDRESS = {"line1": "1-1-1", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}


def database_settings(url: str | None, directory: str) -> dict[str, Any]:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(directory) / "bench.sqlite3"),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    try:
        database = database_from_url(url)
    except ValueError as exc:
        raise SystemExit(f"--database-url: {exc}") from None
    database["TEST"] = {"NAME": "bench_django_smartpay_webhooks"}
    return database


def configure(database: dict[str, Any], api_base: str) -> None:
    from django.apps import AppConfig

    app_module = types.ModuleType(BENCH_APP)
    app_module.__path__ = []

    class BenchConfig(AppConfig):
        name = BENCH_APP
        label = BENCH_APP
        path = str(Path(__file__).resolve().parent)
        default_auto_field = "django.db.models.BigAutoField"

    app_module.BenchConfig = BenchConfig  # type: ignore[attr-defined]
    sys.modules[BENCH_APP] = app_module
    sys.modules[BENCH_URLS] = types.ModuleType(BENCH_URLS)
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=BENCH_URLS,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django_smartpay",
            f"{BENCH_APP}.BenchConfig",
        ],
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        SMARTPAY={"SECRET_KEY": SECRET_KEY, "API_BASE": api_base, "MAX_RETRIES": 0},
        LOGGING_CONFIG=None,
    )
    django.setup()


def define_baseline() -> tuple[Any, Callable[..., Any]]:
    """A bare view: check the HMAC of the same body and insert one row with the ORM."""
    from django.db import models
    from django.http import JsonResponse
    from django.urls import include, path

    from django_smartpay.client import verify_webhook_signature

    class BaselineEvent(models.Model):
        event_id = models.CharField(max_length=255, unique=True)
        body = models.TextField()

        class Meta:
            app_label = BENCH_APP

        def __str__(self) -> str:
            return self.event_id

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
    ]
    return BaselineEvent, baseline


class Capture:
    """The simulator's webhook sender: keeps every delivery, answers 200."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, bytes]] = []

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        self.deliveries.append((json.loads(body)["eventData"]["type"], body))
        return 200

    def take(self) -> list[tuple[str, bytes]]:
        taken, self.deliveries = self.deliveries, []
        return taken


def make_events(client: Any, sim: Any, capture: Capture) -> dict[str, list[bytes]]:
    """One body per kind for each round: real events of the simulator, grouped by type."""
    sim.clock.advance(1)
    session = client.create_checkout_session(
        mode="token", success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
    )
    sim.clock.advance(1)
    sim.approve_token(session["token"]["id"])
    order = client.create_checkout_session(
        currency="JPY",
        items=[{"name": "Matcha", "amount": 2000}],
        shipping_info={"address": ADDRESS},
        customer_info={},
        success_url="https://shop.example/ok",
        cancel_url="https://shop.example/cancel",
        capture_method="manual",
    )["order"]["id"]
    sim.clock.advance(1)
    sim.authorize_order(order)
    payment = client.create_payment(order, 2000, "JPY")["id"]
    client.create_refund(payment, 2000, "JPY", "requested_by_customer")
    client.create_coupon("Spring", "amount", discount_amount=100, currency="JPY")
    grouped: dict[str, list[bytes]] = {}
    for event_type, body in capture.take():
        grouped.setdefault(event_type, []).append(body)
    return grouped


def signed_request(body: bytes, secret: str, path: str) -> Any:
    from django.test import RequestFactory

    from django_smartpay.client import calculate_webhook_signature

    stamp = str(int(time.time() * 1000))
    headers = {
        "Smartpay-Signature": calculate_webhook_signature(stamp.encode() + b"." + body, secret),
        "Smartpay-Signature-Timestamp": stamp,
        "Smartpay-Event-Id": json.loads(body)["id"],
        "Smartpay-Subscription-Id": "webhookendpoint_test_bench0000000000000001",
    }
    return RequestFactory().post(path, data=body, content_type="application/json", headers=headers)


KINDS = [
    ("token.created", "token.created", False),
    ("token.approved", "token.approved", False),
    ("duplicate", "token.approved", True),
    ("order.authorized", "order.authorized", False),
    ("payment.created", "payment.created", False),
    ("refund.created", "refund.created", False),
    ("coupon.created", "coupon.created", False),
]


def run(rounds: int, events: int, secret: str, client: Any, sim: Any, capture: Capture, baseline: Any) -> Any:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve

    view = resolve(WEBHOOK_PATH).func
    api_log: list[str] = []
    client.session.hooks["response"].append(
        lambda response, *a, **k: api_log.append(response.request.path_url)
    )
    timings: dict[str, dict[str, list[float]]] = {kind: {"ours": [], "baseline": []} for kind, _, _ in KINDS}
    costs: dict[str, dict[str, Any]] = {}
    per_round = max(events // rounds, 1)
    for number in range(rounds):
        batches = [make_events(client, sim, capture) for _ in range(per_round)]
        for index, (kind, event_type, duplicate) in enumerate(KINDS):
            bodies = [batch[event_type][0] for batch in batches]
            sides = ("ours", "baseline") if number % 2 == 0 else ("baseline", "ours")
            for side in sides:
                for body in bodies:
                    if side == "baseline":
                        # A fresh id per baseline row (the baseline has no duplicate path).
                        body = body.replace(b'"id":"evt_', f'"id":"evt_b{number}k{index}'.encode(), 1)
                    request = signed_request(body, secret, WEBHOOK_PATH)
                    del api_log[:]
                    with CaptureQueriesContext(connection) as queries:
                        began = time.perf_counter()
                        response = (view if side == "ours" else baseline)(request)
                        elapsed = time.perf_counter() - began
                    if response.status_code != 200:
                        raise SystemExit(f"{kind} ({side}): {response.status_code} {response.content!r}")
                    timings[kind][side].append(elapsed * 1000)
                    if side == "ours":
                        answer = json.loads(response.content)["status"]
                        wanted = "duplicate" if duplicate else "processed"
                        if answer != wanted:
                            raise SystemExit(f"{kind}: answered {answer}, expected {wanted}")
                        cost = costs.setdefault(kind, {"statements": [], "api_calls": []})
                        cost["statements"].append(len(queries.captured_queries))
                        cost["api_calls"].append(len(api_log))
    report: dict[str, Any] = {}
    for kind, _, _ in KINDS:
        ours = statistics.median(timings[kind]["ours"])
        base = statistics.median(timings[kind]["baseline"])
        report[kind] = {
            "statements": max(costs[kind]["statements"]),
            "api_calls": max(costs[kind]["api_calls"]),
            "median_ms": round(ours, 3),
            "baseline_median_ms": round(base, 3),
            "ratio_baseline_over_ours": round(base / ours, 3),
            "deliveries": len(timings[kind]["ours"]),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300, help="deliveries per kind and side (default 300)")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds (default 6)")
    parser.add_argument("--database-url", default=None, help="postgres://user@host:port/db (default: SQLite)")
    options = parser.parse_args()
    if not 1 <= options.events <= 5000:
        raise SystemExit("--events must be between 1 and 5000")
    load_before = os.getloadavg()

    from django_smartpay.simulator import Simulator

    sim = Simulator(keys=[SECRET_KEY])  # unknown keys get 401
    capture = Capture()
    sim.webhook_sender = capture
    postgres = bool(options.database_url)
    with tempfile.TemporaryDirectory() as directory:
        configure(database_settings(options.database_url, directory), sim.api_base)
        baseline_model, baseline = define_baseline()
        from django.core.management import call_command
        from django.db import connection

        if postgres:
            connection.creation.create_test_db(verbosity=0, autoclobber=True)
        else:
            call_command("migrate", verbosity=0)
        with connection.schema_editor() as editor:
            editor.create_model(baseline_model)
        from django_smartpay import conf

        session = sim.session()
        try:
            with conf.use_http_session(session):
                client = conf.get_client()
                endpoint = client.create_webhook_endpoint("https://shop.example" + WEBHOOK_PATH)
                secret = endpoint["signingSecret"]
                settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": [secret]}
                capture.take()
                report = run(options.rounds, options.events, secret, client, sim, capture, baseline)
        finally:
            session.close()
            if postgres:
                connection.close()
                connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(
        json.dumps(
            {
                "database": "postgresql" if postgres else "sqlite file (WAL, synchronous=NORMAL)",
                "measured": "in-process: RequestFactory requests passed to the view function",
                "load_average_before": [round(value, 2) for value in load_before],
                "load_average_after": [round(value, 2) for value in os.getloadavg()],
                "cpu_count": os.cpu_count(),
                "by_kind": report,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
