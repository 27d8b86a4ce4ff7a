"""The example project's Celery app: configured from its settings, eager without a broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json
from demo_site import celery_app
from django_smartpay.tasks import process_charge
print(json.dumps({
    "main": celery_app.main,
    "eager": celery_app.conf.task_always_eager,
    "bound": process_charge.app is celery_app,
    "broker": celery_app.conf.broker_url,
}))
"""


def _run(env_extra: dict[str, str]) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "DJANGO_"))}
    env.update(env_extra)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "example_project" / "manage.py"), "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_eager_without_a_broker():
    assert _run({}) == {"main": "demo_site", "eager": True, "bound": True, "broker": "memory://"}


def test_a_broker_turns_eager_off():
    result = _run({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/15"})
    assert (result["eager"], result["broker"]) == (False, "redis://127.0.0.1:6379/15")
