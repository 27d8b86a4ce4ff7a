"""The chaos bench at CI scale: real workers, Redis, PostgreSQL, a faulty simulator server.

Runs ``bench/charges_chaos.py --charges 100`` in a subprocess (it creates and drops its
own database and Redis keys) and checks its verdict: no charge lost, none doubled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.redis
def test_charges_survive_killed_workers_faults_and_duplicate_messages():
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "charges_chaos.py"),
            "--charges",
            "100",
            "--concurrency",
            "3",
            "--database-url",
            os.environ["DATABASE_URL"],
            "--broker-url",
            os.environ["CELERY_BROKER_URL"],
            "--deadline",
            "150",
            "--decline-share",
            "0.1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.stdout, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert completed.returncode == 0, result
    assert result["charges"] == 100 + result["dunning"]["schedules"] + result["dunning"]["retries"]
    assert result["duplicates"] == 0
    assert result["lost"] == 0
    assert result["orphans"] == 0
    assert result["mismatched"] == 0
    assert result["unknown_after_reconcile"] == 0
    assert result["ok"] is True
    assert len(result["kills"]) == 2
    assert result["workers_started"] == 3
    assert result["duplicate_messages"] > 0
    failed = result["statuses"].get("failed", 0)
    assert failed == result["doomed_charges"] > 0
    # The simulator declines the charges of some tokens (hard and soft): rejected, never charged.
    rejected = result["statuses"].get("rejected", 0)
    assert result["declined_but_charged"] == 0
    assert result["declining_tokens"] == {"decline": 1, "soft_decline": 1}
    dunning = result["dunning"]
    assert dunning["ok"] and dunning["periods_paid_twice"] == 0
    assert dunning["past_due_after_first_run"] == 2 and dunning["retries"] == 1
    schedule_charges = dunning["schedules"] + dunning["retries"]
    assert rejected == result["charges_on_declining_tokens"] - 1 > 0  # the soft token's retry succeeded
    assert result["statuses"]["succeeded"] == 100 + schedule_charges - failed - rejected
    assert result["orders"] == result["statuses"]["succeeded"] + rejected
    faults = result["post_orders"]
    assert faults["injected_503"] > 0 and faults["dropped_after_processing"] > 0
