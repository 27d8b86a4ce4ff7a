"""Chaos bench: token charges through real Celery workers, a flaky Smartpay, killed workers, duplicates.

    python bench/charges_chaos.py [--charges 1000] [--concurrency 4] [--database-url postgres://…]
                                  [--broker-url redis://…] [--latency 0.05] [--seed 7]
                                  [--decline-share 0.1]

What it does:

1. starts the simulator as a server subprocess with faults on ``POST /v1/orders``:
   10 % answered 503 before processing, 5 % processed and then the response dropped
   (the connection closes), and ``--latency`` seconds added to every API call;
2. creates a dedicated PostgreSQL database (``smartpay_chaos_<pid>``) and migrates it;
3. makes tokens in the simulator (one of them disabled at Smartpay behind the
   local mirror's back, so its charges must fail and never charge; ``--decline-share``
   of them declined by the simulator, alternately hard and soft, so their charges
   must end ``rejected`` and never charge);
4. starts a prefork worker (``celery -A tests.celery_app worker``) on a queue and Redis
   key prefix of its own, and writes ``--charges`` charges with ``charge_token``; for
   ~5 % of them the task message is sent a second time;
5. SIGKILLs the worker's whole process group when 30 % and 60 % of the charges are
   settled, and starts a new one each time;
6. when progress stops, runs reconciliation (the simulator clock and ours are moved past
   the 6-hour key window as a last resort if charges are still unknown or unsettled);
7. compares everything with the simulator's objects and ledger, prints JSON, and exits 1
   if an invariant fails: every charge that succeeded has exactly one order (by
   reference), no order lacks a charge, every failed charge has none, local statuses
   equal remote ones, nothing is left pending/processing/unknown.

The worker processes, the simulator, the database and the Redis keys are removed in
``finally`` blocks whatever happens.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _support as support

TERMINAL = ("succeeded", "rejected", "failed", "canceled")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--charges", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=0, help="default: charges / 25, at least 4")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes (prefork)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server; the bench creates and drops its own database there",
    )
    parser.add_argument(
        "--broker-url", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every API call")
    parser.add_argument("--fail-rate", type=float, default=0.10, help="share of POST /orders answered 503")
    parser.add_argument("--drop-rate", type=float, default=0.05, help="share processed then dropped")
    parser.add_argument("--duplicate-rate", type=float, default=0.05, help="share of messages sent twice")
    parser.add_argument("--doomed-rate", type=float, default=0.03, help="share charged to a disabled token")
    parser.add_argument(
        "--decline-share",
        type=float,
        default=0.1,
        help="share of the tokens (so of the charges) the simulator declines, alternately hard and soft",
    )
    parser.add_argument(
        "--client-retries",
        type=int,
        default=0,
        help="SMARTPAY MAX_RETRIES of the workers (0: every transient error goes through the task's retry)",
    )
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--visibility-timeout", type=int, default=30)
    parser.add_argument("--stale-after", type=float, default=10.0, help="reconcile: claim age presumed dead")
    parser.add_argument("--idle", type=float, default=8.0, help="seconds without progress before reconciling")
    parser.add_argument("--deadline", type=float, default=600.0, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-logs", action="store_true", help="print the log directory and keep it")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL")
    if not args.broker_url.startswith("redis://"):
        parser.error("--broker-url must be a redis:// URL")
    args.tokens = args.tokens or max(4, args.charges // 25)
    return args


class Chaos:
    def __init__(self, args: argparse.Namespace, logs: Path) -> None:
        self.args = args
        self.logs = logs
        self.rng = random.Random(args.seed)
        self.run_id = f"{os.getpid()}"
        self.db_name = f"smartpay_chaos_{self.run_id}"
        self.queue = f"smartpay-chaos-{self.run_id}"
        self.key_prefix = f"smartpay-chaos-{self.run_id}:"
        self.sim: support.Simulator | None = None
        self.worker: Any = None
        self.workers_started = 0
        self.kills: list[dict[str, Any]] = []
        self.env: dict[str, str] = {}
        self.database_created = False
        self.declining: dict[str, str] = {}

    # --- set-up ---------------------------------------------------------------------------

    def start(self) -> None:
        args = self.args
        self.sim = support.Simulator(seed=args.seed, log=open(self.logs / "simulator.log", "w"))
        add = lambda **rule: self.sim.control("POST", "faults", rule)["id"]  # noqa: E731
        self.rules = {
            "503": add(
                method="POST",
                path="/v1/orders",
                status=503,
                count=None,
                probability=args.fail_rate,
                latency=args.latency,
            ),
            "drop": add(
                method="POST",
                path="/v1/orders",
                drop_response=True,
                count=None,
                probability=args.drop_rate,
                latency=args.latency,
            ),
        }
        if args.latency:
            add(method="*", path="/v1/*", status=None, count=None, latency=args.latency)
        support.create_database(args.database_url, self.db_name)
        self.database_created = True
        values = {
            "SMARTPAY_BENCH_DATABASE_URL": support.with_database(args.database_url, self.db_name),
            "SMARTPAY_BENCH_API_BASE": self.sim.api_base,
            "SMARTPAY_BENCH_BROKER_URL": args.broker_url,
            "SMARTPAY_BENCH_QUEUE": self.queue,
            "SMARTPAY_BENCH_KEY_PREFIX": self.key_prefix,
            "SMARTPAY_BENCH_VISIBILITY_TIMEOUT": str(args.visibility_timeout),
            "SMARTPAY_BENCH_MAX_RETRIES": str(args.client_retries),
        }
        self.env = support.environment(**values)
        support.setup_django(**values)
        from django.core.management import call_command

        import tests.celery_app  # noqa: F401  (the app the tasks publish through)

        call_command("migrate", verbosity=0)

    def make_tokens(self) -> tuple[list[Any], Any]:
        from django_smartpay import conf, services

        tokens = []
        for _ in range(self.args.tokens + 1):
            session = services.create_token_checkout_session(
                success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
            )
            self.sim.control("POST", f"tokens/{session.token_id}/approve")
            tokens.append(services.sync_by_id(session.token_id))
        doomed = tokens.pop()
        conf.get_client().disable_token(doomed.smartpay_id)  # the local mirror still says active
        self.declining = {
            token.smartpay_id: ("decline", "soft_decline")[index % 2]
            for index, token in enumerate(tokens[: self.declining_count(len(tokens))])
        }
        for token_id, outcome in self.declining.items():
            self.sim.control("POST", f"tokens/{token_id}/outcome", {"outcome": outcome})
        return tokens, doomed

    def declining_count(self, tokens: int) -> int:
        """How many tokens decline: the share, and at least one hard and one soft when it is not 0."""
        share = self.args.decline_share
        return 0 if share <= 0 else min(tokens - 1, max(2, round(tokens * share)))

    def start_worker(self) -> None:
        self.workers_started += 1
        log = open(self.logs / f"worker-{self.workers_started}.log", "w")
        self.worker = support.start_worker(
            self.env,
            concurrency=self.args.concurrency,
            queue=self.queue,
            name=f"chaos{self.workers_started}-{self.run_id}",
            log=log,
        )

    # --- the run --------------------------------------------------------------------------

    def settled(self) -> int:
        from django_smartpay.models import TokenCharge

        return TokenCharge.objects.filter(status__in=TERMINAL).count()

    def monitor(self, total: int, stop: threading.Event) -> None:
        """Kill the worker at 30 % and 60 % settled (thresholds spread over ``--kills``), restart it."""
        from django.db import connection

        thresholds = [int(total * (i + 1) * 0.3) for i in range(self.args.kills)]
        try:
            while thresholds and not stop.is_set():
                done = self.settled()
                if done >= thresholds[0]:
                    thresholds.pop(0)
                    victim = self.worker
                    support.stop_group(victim, signal.SIGKILL)
                    self.kills.append({"settled": done, "at": round(time.monotonic() - self.started, 2)})
                    self.start_worker()
                stop.wait(0.05)
        finally:
            connection.close()

    def run(self) -> dict[str, Any]:
        from django.utils import timezone

        from django_smartpay.charging import charge_token, reconcile_charges
        from django_smartpay.models import TokenCharge
        from django_smartpay.tasks import process_charge

        args = self.args
        tokens, doomed = self.make_tokens()
        n_doomed = round(args.charges * args.doomed_rate)
        self.started = time.monotonic()
        ids: list[int] = []
        for _ in range(n_doomed):  # written before any worker runs: the token is still active locally
            ids.append(charge_token(doomed, 1000, "JPY", **support.CHARGE).pk)
        self.start_worker()
        stop = threading.Event()
        watcher = threading.Thread(target=self.monitor, args=(args.charges, stop), daemon=True)
        watcher.start()
        duplicated = 0
        try:
            for index in range(args.charges - n_doomed):
                token = tokens[index % len(tokens)]
                charge = charge_token(token, 1000 + index, "JPY", **support.CHARGE)
                ids.append(charge.pk)
                if self.rng.random() < args.duplicate_rate:
                    process_charge.delay(charge.pk)  # the same message, delivered twice
                    duplicated += 1
            created_seconds = time.monotonic() - self.started
            # Wait for the workers to settle everything, or for progress to stop.
            last, last_change = -1, time.monotonic()
            while time.monotonic() - self.started < args.deadline:
                done = self.settled()
                if done != last:
                    last, last_change = done, time.monotonic()
                if done == args.charges and not (watcher.is_alive() and len(self.kills) < args.kills):
                    break
                if time.monotonic() - last_change > args.idle and not watcher.is_alive():
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            watcher.join(timeout=30)
        worker_seconds = time.monotonic() - self.started
        # Reconcile: lost messages, stale claims (killed mid-request), unknown outcomes.
        passes: list[dict[str, int]] = []
        window_pass = False
        while time.monotonic() - self.started < args.deadline:
            unsettled = TokenCharge.objects.exclude(status__in=TERMINAL).count()
            if not unsettled:
                break
            passes.append(reconcile_charges(stale_after=args.stale_after, lost_after=args.stale_after))
            wait_until = time.monotonic() + args.idle
            while time.monotonic() < wait_until and TokenCharge.objects.exclude(status__in=TERMINAL).exists():
                time.sleep(0.2)
            if len(passes) >= 6:
                break
        if TokenCharge.objects.exclude(status__in=TERMINAL).exists():
            # Last resort: seven hours pass, here and at Smartpay; reconciliation must decide by reference.
            window_pass = True
            self.sim.control("POST", "clock/advance", {"seconds": 7 * 3600})
            later = timezone.now() + dt.timedelta(hours=7)
            passes.append(reconcile_charges(now=later, stale_after=0, lost_after=0))
        dunning = self.dunning_phase(tokens, ids)
        support.stop_group(self.worker)
        self.worker = None
        result = self.verify(ids)
        result["dunning"] = dunning
        result["ok"] = bool(result["ok"] and dunning["ok"])
        result.update(
            workers_started=self.workers_started,
            kills=self.kills,
            duplicate_messages=duplicated,
            doomed_charges=n_doomed,
            create_seconds=round(created_seconds, 2),
            settle_seconds=round(worker_seconds, 2),
            reconcile_passes=passes,
            window_pass_used=window_pass,
            total_seconds=round(time.monotonic() - self.started, 2),
        )
        return result

    def dunning_phase(self, tokens: list[Any], ids: list[int]) -> dict[str, Any]:
        """One monthly schedule per token, charged through the workers: declined periods go
        ``past_due``; then the soft-declining tokens approve again and two schedulers retry at
        once while every retry's message is sent twice.  Every period is paid at most once."""
        from django.utils import timezone

        from django_smartpay.charging import charge_due_schedules, create_schedule
        from django_smartpay.models import ChargeSchedule, TokenCharge
        from django_smartpay.tasks import process_charge

        start = timezone.now() - dt.timedelta(minutes=1)
        schedules = {
            create_schedule(
                token, 2000, "JPY", interval="monthly", start_at=start, now=start, **support.CHARGE
            ).pk: token.smartpay_id
            for token in tokens
        }
        charge_due_schedules()
        self.wait_settled(lambda: TokenCharge.objects.filter(schedule_id__in=schedules))
        past_due = ChargeSchedule.objects.filter(pk__in=schedules, status="past_due").count()
        for token_id, outcome in self.declining.items():
            if outcome == "soft_decline":
                self.sim.control("POST", f"tokens/{token_id}/outcome", {"outcome": "approve"})
        later = timezone.now() + dt.timedelta(days=2)
        runs = [threading.Thread(target=charge_due_schedules, kwargs={"now": later}) for _ in range(2)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
        retries = list(
            TokenCharge.objects.filter(schedule_id__in=schedules, period_attempt__gt=1).values_list(
                "pk", flat=True
            )
        )
        for charge_id in retries:
            process_charge.delay(charge_id)  # the same message, delivered twice
        self.wait_settled(lambda: TokenCharge.objects.filter(schedule_id__in=schedules))
        charges = TokenCharge.objects.filter(schedule_id__in=schedules)
        ids.extend(charges.values_list("pk", flat=True))
        paid: Counter[tuple[int, Any]] = Counter(
            charges.filter(status="succeeded").values_list("schedule_id", "period_date")
        )
        final = Counter(ChargeSchedule.objects.filter(pk__in=schedules).values_list("status", flat=True))
        expected_active = sum(1 for t in schedules.values() if self.declining.get(t) != "decline")
        return {
            "schedules": len(schedules),
            "past_due_after_first_run": past_due,
            "retries": len(retries),
            "periods_paid_twice": sum(1 for n in paid.values() if n > 1),
            "final_statuses": dict(final),
            "ok": max(paid.values(), default=0) <= 1
            and final.get("active", 0) == expected_active
            and past_due == len(self.declining),
        }

    def wait_settled(self, charges: Any) -> None:
        deadline = time.monotonic() + 60
        while charges().exclude(status__in=TERMINAL).exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    # --- checking ---------------------------------------------------------------------------

    def verify(self, ids: list[int]) -> dict[str, Any]:
        from django_smartpay import conf
        from django_smartpay.charging.process import charge_status_for
        from django_smartpay.models import Order, TokenCharge
        from django_smartpay.simulator import Simulator

        label = Simulator.account_label(conf.get_setting("SECRET_KEY"))  # the control API takes no key
        remote = self.sim.control("GET", f"objects?kind=order&account={label}")["data"]
        ledger = self.sim.control("GET", "ledger")["data"]
        fired = {rule["id"]: rule["fired"] for rule in self.sim.control("GET", "faults")["data"]}
        by_reference: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for order in remote:
            by_reference[order.get("reference", "")].append(order)
        charges = list(TokenCharge.objects.filter(pk__in=ids))
        local_orders = dict(Order.objects.values_list("smartpay_id", "status"))
        references = {charge.reference for charge in charges}
        statuses = Counter(charge.status for charge in charges)
        duplicates = sum(
            len(orders) - 1 for ref, orders in by_reference.items() if ref in references and len(orders) > 1
        )
        orphans = [
            order["id"] for ref, orders in by_reference.items() if ref not in references for order in orders
        ]
        lost, mismatched, declined_but_charged = [], [], []
        for charge in charges:
            if charge.token_id in self.declining and charge.status == "succeeded" and not charge.schedule_id:
                declined_but_charged.append(charge.reference)
            orders = by_reference.get(charge.reference, [])
            if charge.status not in TERMINAL:
                lost.append(charge.reference)
                continue
            expected = charge_status_for(orders[0]["status"]) if orders else None
            if orders and charge.status != expected:
                (lost if charge.status in ("failed", "canceled") else mismatched).append(charge.reference)
            elif not orders and charge.status in ("succeeded", "rejected"):
                mismatched.append(charge.reference)
            elif orders and (
                charge.order_id != orders[0]["id"] or local_orders.get(charge.order_id) != orders[0]["status"]
            ):
                mismatched.append(charge.reference)
        posts = [entry for entry in ledger if entry["method"] == "POST" and entry["path"] == "/v1/orders"]
        result = {
            "charges": len(charges),
            "orders": len(remote),
            "duplicates": duplicates,
            "lost": len(lost),
            "orphans": len(orphans),
            "mismatched": len(mismatched),
            "unknown_after_reconcile": statuses.get("unknown", 0),
            "declined_but_charged": len(declined_but_charged),
            "declining_tokens": dict(Counter(self.declining.values())),
            "charges_on_declining_tokens": sum(1 for c in charges if c.token_id in self.declining),
            "statuses": dict(sorted(statuses.items())),
            "post_orders": {
                "requests": len(posts),
                "injected_503": fired.get(self.rules["503"], 0),
                "dropped_after_processing": fired.get(self.rules["drop"], 0),
                "replayed": sum(1 for e in posts if e["replayed"]),
                "in_progress_409": sum(1 for e in posts if e["errorCode"] == "request.in-progress"),
                "token_not_found_404": sum(1 for e in posts if e["errorCode"] == "token.not-found"),
            },
            "examples": {"lost": lost[:5], "mismatched": mismatched[:5], "orphans": orphans[:5]},
        }
        result["ok"] = not (
            duplicates
            or lost
            or orphans
            or mismatched
            or declined_but_charged
            or result["unknown_after_reconcile"]
        )
        return result

    # --- tear-down ----------------------------------------------------------------------------

    def close(self) -> None:
        support.stop_group(self.worker)
        if self.sim is not None:
            self.sim.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if self.database_created:
            support.drop_database(self.args.database_url, self.db_name)
        try:
            support.delete_redis_keys(self.args.broker_url, self.key_prefix)
        except Exception as exc:
            print(f"could not delete the bench's Redis keys: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logs = Path(tempfile.mkdtemp(prefix="smartpay-chaos-"))
    chaos = Chaos(args, logs)
    result: dict[str, Any] = {}
    try:
        chaos.start()
        result = chaos.run()
    finally:
        chaos.close()
    result["config"] = {
        "concurrency": args.concurrency,
        "latency": args.latency,
        "fail_rate": args.fail_rate,
        "drop_rate": args.drop_rate,
        "duplicate_rate": args.duplicate_rate,
        "decline_share": args.decline_share,
        "visibility_timeout": args.visibility_timeout,
        "client_retries": args.client_retries,
        "seed": args.seed,
    }
    if args.keep_logs or not result.get("ok"):
        result["logs"] = str(logs)
    else:
        for path in logs.iterdir():
            path.unlink()
        logs.rmdir()
    support.dump(result)
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
