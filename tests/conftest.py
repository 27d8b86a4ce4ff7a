"""Suite-wide pytest configuration.

Integration tests are marked ``postgres`` or ``redis``.  They run when the matching
environment variable points at a real service (``DATABASE_URL``, ``CELERY_BROKER_URL``)
and are deselected — with a line in the report header saying so — when it does not.
Under ``CI=true`` a missing service is an error, never a silent skip.

Browser tests are marked ``browser`` and need chromium (:mod:`tests.browser`).  Without
it they are skipped, and the report header and each skip reason say how to enable them;
under ``CI=true`` a missing chromium is an error too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import HOW_TO_ENABLE, chromium_available, chromium_executable
from tests.celery_app import app as celery_app
from tests.shopping import Api

INTEGRATION = {
    "postgres": ("DATABASE_URL", ("postgres://", "postgresql://")),
    "redis": ("CELERY_BROKER_URL", ("redis://",)),
}


def _available(marker: str) -> bool:
    variable, schemes = INTEGRATION[marker]
    return os.environ.get(variable, "").startswith(schemes)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_report_header(config):
    lines = []
    for marker, (variable, _schemes) in INTEGRATION.items():
        state = "on" if _available(marker) else f"off (set {variable} to run them)"
        lines.append(f"django_smartpay integration tests '{marker}': {state}")
    if chromium_available():
        lines.append(f"django_smartpay browser tests: on ({chromium_executable()})")
    else:
        lines.append(
            f"django_smartpay browser tests: SKIPPED, {chromium_executable()} not found ({HOW_TO_ENABLE})"
        )
    return lines


@pytest.hookimpl(trylast=True)  # after ``-m`` has deselected what the caller excluded
def pytest_collection_modifyitems(config, items):
    _deselect_integration_tests(config, items)
    _skip_browser_tests(items)


def _deselect_integration_tests(config, items) -> None:
    missing = [marker for marker in INTEGRATION if not _available(marker)]
    if not missing:
        return
    wanted = [item for item in items if any(item.get_closest_marker(m) for m in missing)]
    if wanted and _in_ci():
        names = ", ".join(f"{m} ({INTEGRATION[m][0]})" for m in missing)
        raise pytest.UsageError(f"CI=true but integration services are not configured: {names}")
    if wanted:
        config.hook.pytest_deselected(items=wanted)
        items[:] = [item for item in items if item not in wanted]


def _skip_browser_tests(items) -> None:
    """Without chromium, browser tests are skipped with the reason (an error under ``CI=true``)."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    if not browser or chromium_available():
        return
    reason = f"browser test not run: {chromium_executable()} not found ({HOW_TO_ENABLE})"
    if _in_ci():
        raise pytest.UsageError(f"CI=true but chromium is missing: {reason}")
    for item in browser:
        item.add_marker(pytest.mark.skip(reason=reason))


# --- Smartpay fixtures (simulator, client) ---------------------------------------------------
# One implementation: the testing kit's pytest plugin, the same fixtures a merchant's project
# uses (``smartpay_simulator``, ``smartpay_client``, ``smartpay_requests``, webhook helpers).
# ``simulator`` is the suite's historical name for ``smartpay_simulator``.

pytest_plugins = ["django_smartpay.testing.pytest_plugin"]


@pytest.fixture
def simulator(smartpay_simulator):
    """The in-process Smartpay of ``smartpay_simulator`` (``SMARTPAY`` points at it)."""
    return smartpay_simulator


@pytest.fixture
def api(smartpay_client, simulator) -> Api:
    """Makes real objects in the simulator (:class:`tests.shopping.Api`)."""
    return Api(smartpay_client, simulator)


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="hanako", email="hanako@example.jp")


@pytest.fixture
def eager_celery() -> Iterator[Any]:
    """Run tasks inline, whatever ``CELERY_BROKER_URL`` says; the folders whose tests all need it
    (charging, webhooks, REST) use it automatically.  A test may switch eager mode off on the
    yielded app (the broker and worker tests do); it is restored afterwards."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield celery_app
    celery_app.conf.update(saved)
