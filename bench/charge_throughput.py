"""Benchmark: charge throughput of real Celery workers against a simulator with 50 ms latency.

    python bench/charge_throughput.py [--charges 2000] [--concurrency 2 4 8] [--latency 0.05]
                                      [--database-url postgres://…] [--broker-url redis://…]

Starts the simulator server with ``--latency`` seconds added to every API call and a
PostgreSQL database of its own; then, for each ``--concurrency`` value in turn, one
prefork worker with that many processes on a Redis queue of its own.  After a warm-up
(every worker process has settled a charge), it writes ``--charges`` charges in one
transaction, so that their messages are published together at commit, and measures the
time until every charge is settled.  One result per worker count, each with the load
average it ran under.

Each charge is one ``POST /orders``; a worker process can do at most ``1 / latency``
of them per second, so the ideal is ``concurrency / latency`` charges per second
(8 / 0.05 s = 160/s).  The ratio measured / ideal is printed as it is;
on a small machine the simulator server, PostgreSQL, Redis and the workers share the
same cores, which the output records (``cpu_count``, load average).

``active_seconds``/``active_ratio`` measure the same charges from the first claim to the
last settlement (database timestamps).  ``cpu_ms_per_charge`` splits the CPU spent from
the commit to the end by process (workers, simulator, the PostgreSQL backends of the
bench's database, Redis, this process) and gives the whole machine's; on ``cpu_count``
cores the ideal leaves ``cpu_count / ideal`` seconds of CPU per charge for all of them
(12.5 ms on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _support as support

TERMINAL = ("succeeded", "rejected", "failed", "canceled")


def wait_settled(total: int, timeout: float, poll: float = 0.05) -> int:
    from django_smartpay.models import TokenCharge

    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        done = TokenCharge.objects.filter(status__in=TERMINAL).count()
        if done >= total:
            break
        time.sleep(poll)
    return done


def active_window(first_pk: int) -> tuple[Any, Any]:
    """The first claim and the last settlement (datetimes) of the measured charges (pk >= ``first_pk``)."""
    from django.db.models import Max, Min

    from django_smartpay.models import TokenCharge

    span = TokenCharge.objects.filter(pk__gte=first_pk, status__in=TERMINAL).aggregate(
        first=Min("first_attempt_at"), last=Max("updated")
    )
    return span["first"], span["last"]


def database_backends_cpu_seconds(db_name: str) -> float:
    """CPU seconds of the PostgreSQL backends serving ``db_name`` (local server)."""
    return support.cpu_seconds(
        lambda entry, command, fields: f" {db_name} ".encode() in (entry / "cmdline").read_bytes()
    )


def named_cpu_seconds(name: str) -> float:
    """CPU seconds of the live processes whose command is ``name`` (e.g. redis-server)."""
    return support.cpu_seconds(lambda entry, command, fields: command == name)


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine (all cores) spent busy, and lost to steal (/proc/stat)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    values += [0] * (8 - len(values))
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    ticks = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / ticks, steal / ticks


def measure(
    args: argparse.Namespace, concurrency: int, tokens: list, sim: Any, worker: Any, db_name: str, logs: Path
) -> dict[str, Any]:
    """One worker of ``concurrency`` processes: warm up, then time ``args.charges`` charges."""
    from django.db import transaction

    from django_smartpay.charging import charge_token
    from django_smartpay.models import TokenCharge

    settled_before = TokenCharge.objects.filter(status__in=TERMINAL).count()
    posts_before = len(_order_posts(sim))
    # Warm-up: every process imports Django, connects to PostgreSQL and to the simulator.
    warm = 4 * concurrency
    for index in range(warm):
        charge_token(tokens[index % len(tokens)], 1000, "JPY", **support.CHARGE)
    if wait_settled(settled_before + warm, 120) < settled_before + warm:
        raise RuntimeError(f"the worker did not warm up; see {logs}/worker-{concurrency}.log")
    load_before = os.getloadavg()

    def cpu_now() -> dict[str, float]:
        return {
            "workers": support.group_cpu_seconds(worker.pid),
            "simulator": support.group_cpu_seconds(sim.process.pid),
            "postgres_backends": database_backends_cpu_seconds(db_name),
            "redis_server_shared": named_cpu_seconds("redis-server"),
            "this_process": time.process_time(),
            "whole_machine_busy": machine_cpu_seconds()[0],
            "whole_machine_steal": machine_cpu_seconds()[1],
        }

    first_pk = TokenCharge.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    with transaction.atomic():
        for index in range(args.charges):
            charge_token(tokens[index % len(tokens)], 1000 + index, "JPY", **support.CHARGE)
        # The messages are published when this block commits: CPU is counted from here,
        # not from before the charges were written (which no worker waits for).
        cpu_before = cpu_now()
        started = time.perf_counter()
    # Polled every 0.2 s (a COUNT over the table competes for the same cores);
    # active_seconds comes from the database's own timestamps, not from the polling.
    done = wait_settled(settled_before + warm + args.charges, args.timeout, poll=0.2) - warm - settled_before
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()
    cpu_after = cpu_now()
    cpu = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    first_claim, last_settled = active_window(first_pk)
    active = (last_settled - first_claim).total_seconds() if first_claim and last_settled else None
    ideal = concurrency / args.latency if args.latency else None
    measured = done / seconds
    posts = _order_posts(sim)
    result = {
        "charges": args.charges,
        "settled": done,
        "seconds": round(seconds, 2),
        "charges_per_second": round(measured, 1),
        "ideal_per_second": ideal,
        "ratio": round(measured / ideal, 3) if ideal else None,
        "concurrency": concurrency,
        "latency": args.latency,
        "post_orders": len(posts) - posts_before - warm,
        # From the first claim to the last settlement (database timestamps): the same
        # charges without the commit that publishes them and the polling granularity.
        "active_seconds": round(active, 2) if active else None,
        "active_ratio": round(done / active / ideal, 3) if active and ideal else None,
        # CPU per settled charge over [commit, last settled].  this_process is the publishing
        # (after commit) and the polling; redis_server_shared and whole_machine_* include whatever
        # else runs on the machine (kernel, PostgreSQL's WAL writer, other jobs; steal: the hypervisor).  The 2-core budget for the ideal is cpu_count / ideal per charge.
        "cpu_ms_per_charge": {name: round(1000 * value / max(done, 1), 1) for name, value in cpu.items()},
        "cpu_budget_ms_per_charge_at_ideal": round(1000 * (os.cpu_count() or 1) / ideal, 1)
        if ideal
        else None,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }
    return result


def _order_posts(sim: Any) -> list[dict[str, Any]]:
    return [
        e for e in sim.control("GET", "ledger")["data"] if e["path"] == "/v1/orders" and e["method"] == "POST"
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--charges", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--broker-url", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    run_id = str(os.getpid())
    db_name, queue, prefix = f"smartpay_bench_tp_{run_id}", f"smartpay-tp-{run_id}", f"smartpay-tp-{run_id}:"
    logs = Path(tempfile.mkdtemp(prefix="smartpay-throughput-"))
    sim = worker = None
    created_db = False
    result: dict[str, Any] = {}
    try:
        sim = support.Simulator(seed=1)
        if args.latency:
            sim.control(
                "POST",
                "faults",
                {"method": "*", "path": "/v1/*", "status": None, "count": None, "latency": args.latency},
            )
        support.create_database(args.database_url, db_name)
        created_db = True
        values = {
            "SMARTPAY_BENCH_DATABASE_URL": support.with_database(args.database_url, db_name),
            "SMARTPAY_BENCH_API_BASE": sim.api_base,
            "SMARTPAY_BENCH_BROKER_URL": args.broker_url,
            "SMARTPAY_BENCH_QUEUE": queue,
            "SMARTPAY_BENCH_KEY_PREFIX": prefix,
        }
        support.setup_django(**values)
        from django.core.management import call_command

        import tests.celery_app  # noqa: F401
        from django_smartpay import services

        call_command("migrate", verbosity=0)
        tokens = []
        for _ in range(20):
            session = services.create_token_checkout_session(
                success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
            )
            sim.control("POST", f"tokens/{session.token_id}/approve")
            tokens.append(services.sync_by_id(session.token_id))
        results = []
        for concurrency in args.concurrency:
            worker = support.start_worker(
                support.environment(**values),
                concurrency=concurrency,
                queue=queue,
                name=f"throughput-{run_id}-{concurrency}",
                log=open(logs / f"worker-{concurrency}.log", "w"),
            )
            try:
                results.append(measure(args, concurrency, tokens, sim, worker, db_name, logs))
            finally:
                support.stop_group(worker)
                worker = None
        result = {"bench": "charge_throughput", "cpu_count": os.cpu_count(), "runs": results}
    finally:
        support.stop_group(worker)
        if sim is not None:
            sim.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if created_db:
            support.drop_database(args.database_url, db_name)
        support.delete_redis_keys(args.broker_url, prefix)
    support.dump(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
