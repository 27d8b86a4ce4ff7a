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
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    assert completed.stdout, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert completed.returncode == 0, result
    assert result["charges"] == 100
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
    assert result["statuses"]["succeeded"] == 100 - failed == result["orders"]
    faults = result["post_orders"]
    assert faults["injected_503"] > 0 and faults["dropped_after_processing"] > 0
