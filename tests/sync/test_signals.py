"""Signals: sent once per real transition, after commit, with the local row."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from django_smartpay import signals
from django_smartpay.models import Order, Payment, Refund, Token
from django_smartpay.sync import mark_token_deleted, sync_object, sync_page

from .conftest import with_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Every signal sent during the test, as (name, sender, kwargs)."""
    calls: list[tuple[str, type, dict]] = []
    receivers = {}
    for name in ("order_status_changed", "token_status_changed", "payment_created", "refund_created"):

        def receiver(sender, signal, _name=name, **kwargs):
            calls.append((_name, sender, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield calls
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def test_order_status_signals_after_commit_only_on_transitions(
    api, smartpay_client, heard, django_capture_on_commit_callbacks
):
    created = api.order(capture_method="manual")
    with django_capture_on_commit_callbacks() as callbacks:
        order = sync_object(created)
        assert heard == []  # nothing before commit
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert heard == [
        (
            "order_status_changed",
            Order,
            {"instance": order, "old_status": None, "new_status": "requires_capture"},
        )
    ]
    assert heard[0][2]["instance"].pk is not None

    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sync_object(created)  # replay
        sync_object(with_fields(created, updatedAt=created["updatedAt"] + 1, reference="same status"))
    assert heard == []

    api.tick()
    canceled = smartpay_client.cancel_order(created["id"])
    with django_capture_on_commit_callbacks(execute=True):
        sync_object(canceled)
        sync_object(created)  # older copy: no transition back
        sync_object(canceled)
    assert [(kwargs["old_status"], kwargs["new_status"]) for _, _, kwargs in heard] == [
        ("requires_capture", "canceled")
    ]


def test_no_signal_when_the_transaction_rolls_back(api, heard, django_capture_on_commit_callbacks):
    data = api.order()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            sync_object(data)
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert heard == []
    assert not Order.objects.exists()


def test_payment_and_refund_created_once(api, smartpay_client, heard, django_capture_on_commit_callbacks):
    payment_data = api.payment()
    api.tick()
    refund_data = api.refund(payment_data["id"], 100)
    with django_capture_on_commit_callbacks(execute=True):
        payment = sync_object(payment_data)
        refund = sync_object(refund_data)
        sync_object(smartpay_client.get_payment(payment_data["id"]))  # newer copy of the payment
        sync_object(refund_data)
    assert heard == [
        ("payment_created", Payment, {"instance": payment}),
        ("refund_created", Refund, {"instance": refund}),
    ]


def test_token_signals_including_local_deletion(
    api, smartpay_client, heard, django_capture_on_commit_callbacks
):
    pending = api.token_session()["token"]
    with django_capture_on_commit_callbacks(execute=True):
        token = sync_object(pending)
        api.tick()
        api.sim.approve_token(pending["id"])
        sync_object(smartpay_client.get_token(pending["id"]))
        mark_token_deleted(Token.objects.get(pk=token.pk))
        sync_object(smartpay_client.get_token(pending["id"]))  # older than the deletion: ignored
    transitions = [
        (kwargs["old_status"], kwargs["new_status"]) for _, sender, kwargs in heard if sender is Token
    ]
    assert transitions == [
        (None, "requires_authorization"),
        ("requires_authorization", "active"),
        ("active", "deleted"),
    ]
    assert Token.objects.get(pk=token.pk).status == "deleted"


def test_bulk_page_sends_one_signal_per_new_row(api, heard, django_capture_on_commit_callbacks):
    token = api.token()
    orders = [api.token_order(token["id"]) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        sync_page(orders)
        sync_page(orders)
    assert [name for name, _, _ in heard] == ["order_status_changed"] * 3


def test_failing_receiver_does_not_stop_the_others(api, django_capture_on_commit_callbacks, caplog):
    later = []

    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    def after(sender, **kwargs):
        later.append(kwargs["new_status"])

    signals.order_status_changed.connect(broken)
    signals.order_status_changed.connect(after)
    try:
        with caplog.at_level(logging.ERROR, logger="django_smartpay.sync"):
            with django_capture_on_commit_callbacks(execute=True):
                sync_object(api.order())
    finally:
        signals.order_status_changed.disconnect(broken)
        signals.order_status_changed.disconnect(after)
    assert later == ["requires_capture"]
    assert "receiver bug" in caplog.text
