"""A first run without chromium passes and says how to enable the browser tests; CI refuses to skip.

Each case runs pytest in a subprocess on one browser test, with ``SMARTPAY_CHROMIUM``
(tests/browser.py) pointing at a chromium that is, or is not, there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSER_TEST = "tests/simulator/test_browser.py"
EXIT_OK, EXIT_USAGE_ERROR = 0, 4


def run_pytest(tmp_path: Path, *args: str, ci: bool, chromium: Path) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CI", "DATABASE_URL", "CELERY_BROKER_URL", "PYTEST_ADDOPTS")
    }
    env["SMARTPAY_CHROMIUM"] = str(chromium)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_without_chromium_the_browser_tests_are_skipped_with_how_to_enable_them(tmp_path):
    missing = tmp_path / "no-chromium-here"
    result = run_pytest(tmp_path, BROWSER_TEST, ci=False, chromium=missing)
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_OK, output
    header = f"django_smartpay browser tests: SKIPPED, {missing} not found"
    assert header in output
    assert "apt-get install -y chromium" in output and "SMARTPAY_CHROMIUM" in output
    assert f"SKIPPED [1] {BROWSER_TEST}" in output
    assert f"browser test not run: {missing} not found" in output
    assert " skipped in " in output and "failed" not in output and " passed" not in output


def test_under_ci_a_missing_chromium_fails_the_run(tmp_path):
    missing = tmp_path / "no-chromium-here"
    result = run_pytest(tmp_path, BROWSER_TEST, ci=True, chromium=missing)
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_USAGE_ERROR, output
    assert f"CI=true but chromium is missing: browser test not run: {missing} not found" in output
    assert "skipped" not in output


def test_smartpay_chromium_names_the_executable_the_tests_launch(tmp_path):
    """An executable at SMARTPAY_CHROMIUM turns them on (collected only: it is not a real chromium)."""
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    result = run_pytest(tmp_path, BROWSER_TEST, "--collect-only", "-q", ci=True, chromium=fake)
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_OK, output
    assert "test_token_checkout_in_chromium" in output


def test_the_browser_tests_launch_the_configured_chromium():
    """No browser test hard-codes a path the skip logic would not know about."""
    launching = [
        path
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if "executable_path=" in path.read_text(encoding="utf-8") and path != Path(__file__)
    ]
    assert launching  # the browser tests and fixtures that start chromium
    for path in launching:
        source = path.read_text(encoding="utf-8")
        assert "chromium_executable()" in source or "import CHROMIUM" in source, path
        assert '"/usr/bin/chromium"' not in source, path
