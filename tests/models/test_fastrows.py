"""The hot path's precompiled SELECT … FOR UPDATE and INSERT behave as the ORM does."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save

from django_smartpay import fastrows
from django_smartpay.models import Token, WebhookEvent
from django_smartpay.sync import sync_object


@pytest.mark.django_db
def test_select_for_update_gives_the_rows_the_orm_gives(api):
    stored = sync_object(api.client.create_checkout_session(mode="token", **_urls())["token"])
    with transaction.atomic():
        (fast,) = fastrows.select_for_update(Token, stored.smartpay_id)
        orm = Token.objects.select_for_update().get(smartpay_id=stored.smartpay_id)
        assert fastrows.select_for_update(Token, "tok_test_missing") == []
    for field in Token._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm, field.attname), field.name
    assert fast._state.db == orm._state.db and not fast._state.adding
    assert fast.smartpay_created.tzinfo is not None and isinstance(fast.data, dict)


@pytest.mark.django_db
def test_get_by_pk_gives_the_row_the_orm_gives(api):
    stored = sync_object(api.client.create_checkout_session(mode="token", **_urls())["token"])
    fast = fastrows.get_by_pk(Token, stored.pk)
    orm = Token.objects.filter(pk=stored.pk).first()
    for field in Token._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm, field.attname), field.name
    assert fast._state.db == orm._state.db and not fast._state.adding
    assert fastrows.get_by_pk(Token, stored.pk + 1000) is None
    assert fastrows.get_by_pk(Token, str(stored.pk)) is False  # not an int: left to the ORM


@pytest.mark.django_db(transaction=True)
def test_select_for_update_outside_a_transaction_is_left_to_the_orm():
    from django.db import connection

    if connection.features.has_select_for_update:
        assert fastrows.select_for_update(Token, "tok_test_x") is None


@pytest.mark.django_db
def test_insert_sets_the_key_and_state_like_save():
    event = WebhookEvent(event_id="evt_test_fast1", type="token.created", body="{}", headers={"A": "b"})
    assert fastrows.insert(event)
    assert event.pk is not None and not event._state.adding and event._state.db == "default"
    stored = WebhookEvent.objects.get(pk=event.pk)
    assert stored.headers == {"A": "b"} and stored.received_at is not None
    duplicate = WebhookEvent(event_id="evt_test_fast1", type="token.created", body="{}")
    with pytest.raises(IntegrityError), transaction.atomic():
        fastrows.insert(duplicate)


@pytest.mark.django_db
@pytest.mark.parametrize("signal", [pre_save, post_save])
def test_insert_leaves_models_with_save_signal_receivers_to_save(signal):
    calls = []

    def receiver(sender, instance, **kwargs):
        calls.append(instance)

    signal.connect(receiver, sender=WebhookEvent)
    try:
        event = WebhookEvent(event_id="evt_test_fast2", type="token.created", body="{}")
        assert not fastrows.insert(event)
        event.save(force_insert=True)
    finally:
        signal.disconnect(receiver, sender=WebhookEvent)
    assert calls == [event]


@pytest.mark.django_db(transaction=True)
def test_bulk_create_style_insert_needs_a_transaction():
    token = Token(smartpay_id="tok_test_fast3")
    assert not fastrows.insert(token, operation="bulk_create")
    with transaction.atomic():
        assert fastrows.insert(token, operation="bulk_create")
    assert Token.objects.get(smartpay_id="tok_test_fast3").pk == token.pk


def _urls() -> dict[str, str]:
    return {"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"}


@pytest.mark.django_db
def test_upsert_updates_the_stored_row_as_bulk_create_does():
    stored = Token.objects.create(smartpay_id="tok_test_fast4", status="requiresAuthorization")
    copy = Token(smartpay_id="tok_test_fast4", status="active", reference="r1")
    update = tuple(
        f.name
        for f in Token._meta.concrete_fields
        if not f.primary_key and f.name not in ("smartpay_id", "created")
    )
    assert fastrows.insert(copy, operation="bulk_create", upsert=("smartpay_id", update))
    assert copy.pk == stored.pk and not copy._state.adding
    row = Token.objects.get()
    assert (row.status, row.reference, row.created) == ("active", "r1", stored.created)
    assert row.updated == copy.updated
    with pytest.raises(ValueError):
        fastrows.insert(Token(smartpay_id="tok_test_fast5"), upsert=("smartpay_id", update))
