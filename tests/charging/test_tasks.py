"""The Celery side: task names, the dispatch fan-out, publishing after commit, broker failures."""

from __future__ import annotations

import datetime as dt

import pytest

from django_smartpay import tasks
from django_smartpay.charging import charge_token, create_schedule
from django_smartpay.models import TokenCharge, TokenChargeStatus

pytestmark = pytest.mark.django_db


def test_stable_task_names():
    assert {
        tasks.process_charge.name,
        tasks.dispatch_charges.name,
        tasks.charge_due_schedules.name,
        tasks.reconcile_charges.name,
    } == {
        "django_smartpay.tasks.process_charge",
        "django_smartpay.tasks.dispatch_charges",
        "django_smartpay.tasks.charge_due_schedules",
        "django_smartpay.tasks.reconcile_charges",
    }


@pytest.fixture
def published(eager_celery, monkeypatch) -> list[tuple]:
    """Messages ``process_charge`` would publish to a real broker (recorded, not sent)."""
    sent: list[tuple] = []
    eager_celery.conf.task_always_eager = False
    monkeypatch.setattr(
        tasks.process_charge, "apply_async", lambda args=(), kwargs=None, **kw: sent.append(tuple(args))
    )
    return sent


def test_dispatch_publishes_one_message_per_charge(published):
    assert tasks.dispatch_charges.run([3, "4", 5]) == 3
    assert published == [(3,), (4,), (5,)]


def test_a_single_charge_is_published_after_commit(
    token, charge_kwargs, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        charge = charge_token(token, 1000, "JPY", **charge_kwargs)
        assert published == []
    assert published == [(charge.pk,)]


def test_a_broker_failure_leaves_the_charge_pending_for_reconciliation(
    token, charge_kwargs, eager_celery, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    eager_celery.conf.task_always_eager = False

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.process_charge, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        charge = charge_token(token, 1000, "JPY", **charge_kwargs)  # does not raise: the row is safe
    assert TokenCharge.objects.get(pk=charge.pk).status == TokenChargeStatus.PENDING
    assert "smartpay_reconcile will enqueue them again" in caplog.text


def test_the_beat_tasks_run(token, charge_kwargs, on_commit, shop):
    import datetime as dt

    from django.utils import timezone

    create_schedule(
        token,
        1000,
        "JPY",
        interval="weekly",
        start_at=timezone.now() - dt.timedelta(minutes=1),
        now=timezone.now() - dt.timedelta(minutes=1),
        **charge_kwargs,
    )
    with on_commit():
        assert tasks.charge_due_schedules.delay().get() == 1
    assert TokenCharge.objects.get().status == TokenChargeStatus.SUCCEEDED
    assert tasks.reconcile_charges.delay().get()["requeued"] == 0


@pytest.mark.parametrize("batch_size", [0, -5, "100", True])
def test_the_beat_task_refuses_a_bad_batch_size(batch_size, db):
    with pytest.raises(ValueError, match="batch_size"):
        tasks.charge_due_schedules.run(batch_size=batch_size)


def test_a_database_error_around_the_request_retries_the_task(token, charge_kwargs, shop, monkeypatch):
    """Recording failed (the database went away): the task is retried, and the retry resends the
    same key once the claim is stale, so Smartpay replays its answer instead of charging again."""
    from celery.exceptions import Retry
    from django.db import OperationalError

    from django_smartpay import charging, sync

    with charging.use_publisher(list):
        charge = charge_token(token, 1000, "JPY", **charge_kwargs)
    real = sync.sync_object_in_transaction

    def database_gone(data, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    asked: dict = {}

    def retry(**kwargs):
        asked.update(kwargs)
        return Retry("retry", when=kwargs.get("countdown"))

    monkeypatch.setattr(sync, "sync_object_in_transaction", database_gone)
    monkeypatch.setattr(tasks.process_charge, "retry", retry)
    tasks.process_charge.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(Retry):
            tasks.process_charge.run(charge.pk)
    finally:
        tasks.process_charge.pop_request()
    assert isinstance(asked["exc"], OperationalError) and asked["countdown"] > 0
    assert TokenCharge.objects.get(pk=charge.pk).status == TokenChargeStatus.PROCESSING
    # The retry, after the claim went stale: the same key, Smartpay's stored answer.
    monkeypatch.setattr(sync, "sync_object_in_transaction", real)
    stale = charge.created - dt.timedelta(hours=1)
    TokenCharge.objects.filter(pk=charge.pk).update(claimed_at=stale)
    assert charging.run_charge(charge.pk).status == TokenChargeStatus.SUCCEEDED
    assert [post["replayed"] for post in shop.order_posts()] == [False, True]
    assert len(shop.orders_with_reference(charge.reference)) == 1
