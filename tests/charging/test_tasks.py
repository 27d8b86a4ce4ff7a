"""The Celery side: task names, the dispatch fan-out, publishing after commit, broker failures."""

from __future__ import annotations

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
