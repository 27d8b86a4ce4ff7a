"""The pytest plugin's fixtures: the simulator wired to the settings, webhook signing and delivery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from django_smartpay import conf, services
from django_smartpay.client import verify_webhook
from django_smartpay.models import Order, Payment, Token, WebhookEvent
from django_smartpay.testing import pytest_plugin
from django_smartpay.testing.webhooks import build_event, event_body

ROOT = Path(__file__).resolve().parents[2]
URLS = {"success_url": "https://shop.example.jp/ok", "cancel_url": "https://shop.example.jp/cancel"}
ADDRESS = {"line1": "1-1-1", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}


@pytest.mark.django_db
def test_the_simulator_is_wired_to_the_settings_and_the_services(
    smartpay_simulator, smartpay_requests, settings
):
    assert settings.SMARTPAY["API_BASE"] == smartpay_simulator.api_base
    assert settings.SMARTPAY["SECRET_KEY"] == pytest_plugin.SECRET_KEY

    session = services.create_token_checkout_session(**URLS)

    assert smartpay_simulator.get_object(session.smartpay_id)["successUrl"] == URLS["success_url"]
    assert [method for method, _path in smartpay_requests] == ["POST"]
    assert smartpay_requests[0][1].startswith("/v1/checkout-sessions")
    assert conf.get_client().api_base == smartpay_simulator.api_base


def test_each_test_gets_a_fresh_simulator(smartpay_simulator):
    assert smartpay_simulator.objects() == []


def test_signed_headers_verify_with_the_secret(smartpay_sign_webhook, smartpay_webhook_secret, settings):
    body = event_body(
        build_event({"id": "paytok_test_x", "object": "token", "status": "active", "test": True})
    )

    headers = smartpay_sign_webhook(body)

    assert smartpay_webhook_secret in settings.SMARTPAY["WEBHOOK_SECRETS"]
    assert headers["Smartpay-Event-Id"] == json.loads(body)["id"]
    assert headers["Smartpay-Subscription-Id"] == pytest_plugin.WEBHOOK_ENDPOINT_ID
    matched = verify_webhook(
        body,
        timestamp=headers["Smartpay-Signature-Timestamp"],
        signature=headers["Smartpay-Signature"],
        secrets=[smartpay_webhook_secret],
    )
    assert matched == smartpay_webhook_secret


@pytest.mark.django_db
def test_a_payment_webhook_from_a_simulator_object_creates_the_payment(
    smartpay_client, smartpay_simulator, smartpay_send_webhook
):
    session = smartpay_client.create_checkout_session(
        currency="JPY",
        items=[{"name": "Tea", "amount": 1200}],
        shipping_info={"address": ADDRESS},
        customer_info={},
        **URLS,
    )
    smartpay_simulator.authorize_order(session["order"]["id"])
    payment = smartpay_client.get_payment(smartpay_client.get_order(session["order"]["id"])["payments"][0])

    response = smartpay_send_webhook(payment)

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "processed", "event": response.smartpay_event["id"]}
    assert response.smartpay_event["eventData"]["type"] == "payment.created"
    assert Payment.objects.get(smartpay_id=payment["id"]).amount == 1200
    assert WebhookEvent.objects.get(event_id=response.smartpay_event["id"]).type == "payment.created"


@pytest.mark.django_db
def test_a_wrong_secret_is_refused_and_nothing_is_stored(smartpay_send_webhook):
    order = {"id": "order_test_x", "object": "order", "status": "succeeded", "amount": 1, "test": True}

    response = smartpay_send_webhook(order, secret="AnotherSecretOfFortyCharacters0123456789")

    assert response.status_code == 400
    assert response.json()["error"] == "webhook.invalid-signature"
    assert not WebhookEvent.objects.exists()
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_secrets_given_per_endpoint_get_the_plugins_endpoint(settings, request):
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": {"webhookendpoint_test_other": "Other"}}
    send = request.getfixturevalue("smartpay_send_webhook")
    token = {"id": "paytok_test_perEndpoint", "object": "token", "status": "active", "test": True}

    response = send(token, "token.approved")

    assert response.status_code == 200, response.content
    assert set(settings.SMARTPAY["WEBHOOK_SECRETS"]) == {
        "webhookendpoint_test_other",
        pytest_plugin.WEBHOOK_ENDPOINT_ID,
    }
    assert Token.objects.get(smartpay_id="paytok_test_perEndpoint").status == "active"


@pytest.mark.django_db
def test_the_simulators_webhooks_reach_the_view_through_a_registered_endpoint(
    smartpay_simulator, smartpay_webhook_endpoint, django_capture_on_commit_callbacks
):
    assert smartpay_webhook_endpoint.signing_secret
    assert not conf.get_setting("WEBHOOK_SECRETS")  # the secret is the endpoint row's
    session = services.create_token_checkout_session(**URLS)
    assert Token.objects.get(smartpay_id=session.token_id).status == "requires_authorization"

    with django_capture_on_commit_callbacks(execute=True):
        smartpay_simulator.approve_token(session.token_id)

    assert Token.objects.get(smartpay_id=session.token_id).status == "active"
    [delivery] = [d for d in smartpay_simulator.delivery_log() if d["eventType"] == "token.approved"]
    assert delivery["status"] == "succeeded"
    assert [attempt["status"] for attempt in delivery["attempts"]] == [200]
    assert WebhookEvent.objects.filter(type="token.approved", status="processed").count() == 1


def _run_pytest(tmp_path: Path, conftest: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(conftest))
    (tmp_path / "test_merchant.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from django_smartpay import services

            @pytest.mark.django_db
            def test_checkout(smartpay_simulator):
                session = services.create_token_checkout_session(
                    success_url="https://shop.example.jp/ok", cancel_url="https://shop.example.jp/no"
                )
                assert session.url.startswith(smartpay_simulator.origin)
            """
        )
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    if "SMARTPAY_TEST_DB_NAME" in env:  # this run's own test database is in use by the outer run
        env["SMARTPAY_TEST_DB_NAME"] += "_inner"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_projects_opt_in_with_pytest_plugins(tmp_path):
    result = _run_pytest(tmp_path, 'pytest_plugins = ["django_smartpay.testing.pytest_plugin"]\n')
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_plugin_is_not_loaded_without_opting_in(tmp_path):
    result = _run_pytest(tmp_path, "")
    assert result.returncode == 1
    assert "fixture 'smartpay_simulator' not found" in result.stdout
