"""The admin with a swappable user model (USERNAME_FIELD ``login``) that has no ``email`` field (a subprocess, as the model is fixed at startup)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_changelists_search_and_show_users_of_a_model_without_email():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.admin.custom_user.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "tests.admin.custom_user.scenario"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["user_model"] == "custom_user.Clerk"
    changelists = report["changelists"]
    assert set(changelists) == {
        "order",
        "token",
        "payment",
        "refund",
        "checkoutsession",
        "tokencharge",
        "chargeschedule",
    }
    for name, answer in changelists.items():
        assert answer["status"] == answer["unfiltered_status"] == 200, name
        assert len(answer["listed"]) == 1, (name, answer)  # hanako's row, found by her login name
        assert "_2" not in answer["listed"][0] and "-2" not in answer["listed"][0], (name, answer)
        assert answer["shows_other_user"], name  # every list has a customer column
        assert answer["sorted_status"] == 200, name
        assert len(answer["sorted"]) == 2 and "1" in answer["sorted"][0], (name, answer)  # hanako < taro
