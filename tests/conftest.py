"""Suite-wide pytest configuration.

Integration tests are marked ``postgres`` or ``redis``.  They run when the matching
environment variable points at a real service (``DATABASE_URL``, ``CELERY_BROKER_URL``)
and are deselected — with a line in the report header saying so — when it does not.
Under ``CI=true`` a missing service is an error, never a silent skip.
"""

from __future__ import annotations

import os

import pytest

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
    return lines


def pytest_collection_modifyitems(config, items):
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


# --- Smartpay fixtures (simulator, client) ---------------------------------------------------

#: A well-formed test key pair: in the simulator, every ``sk_test_…`` key is an account of its own.
SIMULATOR_SECRET_KEY = "sk_test_djangoSmartpayTests0001"
SIMULATOR_PUBLIC_KEY = "pk_test_djangoSmartpayTests0001"


@pytest.fixture
def smartpay_requests() -> list[tuple[str, str]]:
    """``(method, path)`` of every HTTP request the settings-built client sent to the simulator."""
    return []


@pytest.fixture
def simulator(settings, smartpay_requests):
    """A fresh in-process Smartpay; ``SMARTPAY`` points at it and ``conf.get_client()`` talks to it.

    Webhook deliveries are answered 200 without leaving the process (tests of webhooks
    set their own ``simulator.webhook_sender``).
    """
    from django_smartpay import conf
    from django_smartpay.simulator import Simulator

    sim = Simulator()
    sim.webhook_sender = lambda url, headers, body: 200
    session = sim.session()

    def record(response, *args, **kwargs):
        smartpay_requests.append((response.request.method, response.request.path_url))

    session.hooks["response"].append(record)
    settings.SMARTPAY = {
        **getattr(settings, "SMARTPAY", {}),
        "SECRET_KEY": SIMULATOR_SECRET_KEY,
        "PUBLIC_KEY": SIMULATOR_PUBLIC_KEY,
        "API_BASE": sim.api_base,
        "MAX_RETRIES": 0,
    }
    with conf.use_http_session(session):
        yield sim
    session.close()


@pytest.fixture
def smartpay_client(simulator):
    """The settings-built :class:`~django_smartpay.client.SmartpayClient`, routed to ``simulator``."""
    from django_smartpay import conf

    return conf.get_client()
