"""Fixtures of the REST endpoint tests: two users, their API clients, real tokens in the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from django_smartpay import services
from django_smartpay.models import Token

API = "/api/smartpay/"


@pytest.fixture(autouse=True)
def drf_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.contrib.rest_framework.urls"


@pytest.fixture(autouse=True)
def inline_tasks(eager_celery: Any) -> Any:
    """Every test here runs Celery tasks inline (``eager_celery`` is in tests/conftest.py)."""
    return eager_celery


@pytest.fixture
def alice(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="alice", password="alice")


@pytest.fixture
def bob(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="bob", password="bob")


def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_alice(alice: Any) -> APIClient:
    return api_client(alice)


@pytest.fixture
def as_bob(bob: Any) -> APIClient:
    return api_client(bob)


class Shopper:
    """A user who goes through Smartpay's checkout in the simulator, through the REST endpoints."""

    def __init__(self, client: APIClient, sim: Any) -> None:
        self.client = client
        self.sim = sim

    def start_token_checkout(self) -> dict[str, Any]:
        response = self.client.post(
            API + "tokens/checkout/",
            {"success_url": "http://testserver/ok/", "cancel_url": "http://testserver/cancel/"},
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()

    def active_token(self) -> Token:
        token_id = self.start_token_checkout()["token"]
        self.sim.clock.advance(1)
        self.sim.approve_token(token_id)
        return services.sync_by_id(token_id)


@pytest.fixture
def alice_shops(as_alice: APIClient, simulator: Any, db: None) -> Shopper:
    return Shopper(as_alice, simulator)
