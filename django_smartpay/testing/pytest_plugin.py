"""pytest fixtures for projects that use django_smartpay (needs pytest-django).

Opt in from your project's root ``conftest.py``::

    pytest_plugins = ["django_smartpay.testing.pytest_plugin"]

The plugin is deliberately **not** registered as a ``pytest11`` entry point, so
installing django-smartpay never adds fixtures (or Django imports) to a pytest
run that did not ask for them.

Fixtures
--------
``smartpay_simulator``
    A fresh in-process Smartpay simulator (no sockets).  ``settings.SMARTPAY``
    points at it (test keys ``SECRET_KEY``/``PUBLIC_KEY`` of this module, no
    retries) and :func:`django_smartpay.conf.get_client` talks to it, so
    ``services.*`` work unchanged.  Webhooks it sends are answered 200 without
    leaving the process, unless ``smartpay_webhook_endpoint`` is used.  It is
    the :class:`~django_smartpay.simulator.Simulator` itself.  It answers
    ``SECRET_KEY`` (and the project's own ``SMARTPAY["SECRET_KEY"]``); other keys
    get 401 as from Smartpay unless registered with
    ``smartpay_simulator.register_key(key)``.  Decline token
    charges with ``smartpay_simulator.set_token_outcome(token_id, "decline",
    count=1)`` (outcomes ``approve``, ``decline``, ``soft_decline``,
    ``unusable``), checkout orders with ``set_order_outcome`` or
    ``reject_order(order_id, kind="soft")``.
``smartpay_client``
    The settings-built :class:`~django_smartpay.client.SmartpayClient`, routed
    to ``smartpay_simulator``.
``smartpay_requests``
    ``(method, path)`` of every request that client sent, in order.
``smartpay_webhook_secret``
    A signing secret that the webhook view accepts (added to
    ``SMARTPAY["WEBHOOK_SECRETS"]`` for the test).
``smartpay_sign_webhook``
    ``sign(body, *, secret=None, timestamp=None, subscription_id=None) ->
    headers``: the ``Smartpay-*`` headers of a signed delivery of ``body``.
``smartpay_send_webhook``
    ``send(obj, event_type=None, **options) -> response``: build the event
    envelope of ``obj`` (a model instance or an API object), sign it and POST it
    to the ``smartpay:webhook`` view through Django's test client.  The event
    sent is ``response.smartpay_event``.
``smartpay_webhook_endpoint``
    A webhook endpoint registered in ``smartpay_simulator`` through
    :func:`django_smartpay.services.create_webhook_endpoint` (its secret is on
    the row), whose deliveries go to your webhook view through Django's test
    client: approving a checkout in the simulator updates your database like
    production would.  Needs the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

#: Well-formed test keys: in the simulator, every ``sk_test_…`` key is an account of its own.
SECRET_KEY = "sk_test_djangoSmartpayTests0001"
PUBLIC_KEY = "pk_test_djangoSmartpayTests0001"
#: The secret ``smartpay_webhook_secret`` returns (40 base62 characters, like Smartpay's).
WEBHOOK_SECRET = "pytestPluginSigningSecret0123456789abcde"
#: The ``Smartpay-Subscription-Id`` of signed deliveries; its secret is added under this id
#: when ``WEBHOOK_SECRETS`` is a dict of endpoint id → secret.
WEBHOOK_ENDPOINT_ID = "webhookendpoint_test_pytestPlugin000000001"


def _smartpay_settings(settings: Any) -> dict[str, Any]:
    return dict(getattr(settings, "SMARTPAY", None) or {})


@pytest.fixture
def smartpay_requests() -> list[tuple[str, str]]:
    """``(method, path)`` of every HTTP request the settings-built client sent to the simulator."""
    return []


@pytest.fixture
def smartpay_simulator(settings: Any, smartpay_requests: list[tuple[str, str]]) -> Iterator[Any]:
    """A fresh in-process Smartpay; ``SMARTPAY`` points at it and ``conf.get_client()`` talks to it."""
    from django_smartpay import conf
    from django_smartpay.simulator import Simulator

    previous_key = _smartpay_settings(settings).get("SECRET_KEY")
    sim = Simulator(keys=[SECRET_KEY])
    if isinstance(previous_key, str) and previous_key.startswith(("sk_test_", "sk_live_")):
        sim.register_key(previous_key)  # the project's own test key answers too
    sim.webhook_sender = lambda url, headers, body: 200
    session = sim.session()

    def record(response: Any, *args: Any, **kwargs: Any) -> None:
        smartpay_requests.append((response.request.method, response.request.path_url))

    session.hooks["response"].append(record)
    settings.SMARTPAY = {
        **_smartpay_settings(settings),
        "SECRET_KEY": SECRET_KEY,
        "PUBLIC_KEY": PUBLIC_KEY,
        "API_BASE": sim.api_base,
        "MAX_RETRIES": 0,
    }
    with conf.use_http_session(session):
        yield sim
    session.close()


@pytest.fixture
def smartpay_client(smartpay_simulator: Any) -> Any:
    """The settings-built client, routed to ``smartpay_simulator``."""
    from django_smartpay import conf

    return conf.get_client()


@pytest.fixture
def smartpay_webhook_secret(settings: Any) -> str:
    """A signing secret the webhook view accepts for the duration of the test."""
    current = _smartpay_settings(settings)
    secrets = current.get("WEBHOOK_SECRETS") or []
    if isinstance(secrets, Mapping):
        secrets = {**secrets, WEBHOOK_ENDPOINT_ID: WEBHOOK_SECRET}
    else:
        secrets = [*secrets, WEBHOOK_SECRET]
    settings.SMARTPAY = {**current, "WEBHOOK_SECRETS": secrets}
    return WEBHOOK_SECRET


@pytest.fixture
def smartpay_sign_webhook(smartpay_webhook_secret: str) -> Callable[..., dict[str, str]]:
    """``sign(body, *, secret=None, timestamp=None, subscription_id=None) -> headers``."""
    from .webhooks import signature_headers

    def sign(
        body: bytes | str,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        event_id: str | None = None,
        subscription_id: str | None = None,
    ) -> dict[str, str]:
        return signature_headers(
            body,
            secret or smartpay_webhook_secret,
            timestamp=timestamp,
            event_id=event_id,
            subscription_id=subscription_id or WEBHOOK_ENDPOINT_ID,
        )

    return sign


@pytest.fixture
def smartpay_send_webhook(client: Any, smartpay_webhook_secret: str) -> Callable[..., Any]:
    """``send(obj, event_type=None, *, secret=None, path=None, …) -> response`` (see module docs)."""
    from .webhooks import send_webhook

    def send(
        obj: Any,
        event_type: str | None = None,
        *,
        secret: str | None = None,
        path: str | None = None,
        subscription_id: str | None = None,
        timestamp: int | None = None,
        event_id: str | None = None,
    ) -> Any:
        return send_webhook(
            client,
            obj,
            event_type,
            secret=secret or smartpay_webhook_secret,
            path=path,
            subscription_id=subscription_id or WEBHOOK_ENDPOINT_ID,
            timestamp=timestamp,
            event_id=event_id,
        )

    return send


@pytest.fixture
def smartpay_webhook_endpoint(smartpay_simulator: Any, db: None) -> Any:
    """An endpoint registered in the simulator whose deliveries reach the webhook view in-process."""
    from django.test import Client
    from django.urls import reverse

    from django_smartpay import services

    from .webhooks import WEBHOOK_URL_NAME

    path = reverse(WEBHOOK_URL_NAME)
    endpoint = services.create_webhook_endpoint("http://localhost" + path, description="pytest")
    browser = Client()

    def deliver(url: str, headers: dict[str, str], body: bytes) -> int:
        response = browser.post(path, data=body, content_type="application/json", headers=headers)
        return response.status_code

    smartpay_simulator.webhook_sender = deliver
    return endpoint


__all__ = ["PUBLIC_KEY", "SECRET_KEY", "WEBHOOK_ENDPOINT_ID", "WEBHOOK_SECRET"]
