"""Migration 0005: whoever held the shared ``manage_promotions`` gets each model's own permission."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from django_smartpay.models import Coupon, PromotionCode

fold = importlib.import_module("django_smartpay.migrations.0005_fold")

pytestmark = pytest.mark.django_db
#: What RunPython passes, as far as the functions read it (SQLite's real one refuses to open in a test
#: transaction).
EDITOR = SimpleNamespace(connection=connection)


def holders(codename: str, model) -> tuple[set[str], set[str]]:
    permission = Permission.objects.get(
        codename=codename, content_type=ContentType.objects.get_for_model(model)
    )
    return {u.username for u in permission.user_set.all()}, {g.name for g in permission.group_set.all()}


def test_holders_of_the_shared_permission_get_each_models_own_and_back(django_user_model):
    user = django_user_model.objects.create_user(username="support")
    group = Group.objects.create(name="marketing")
    for model in (Coupon, PromotionCode):  # the state before 0005: one codename on both models
        old = Permission.objects.create(
            codename="manage_promotions", name="old", content_type=ContentType.objects.get_for_model(model)
        )
        user.user_permissions.add(old)
        group.permissions.add(old)
    Permission.objects.filter(codename="manage_promotioncode").delete()  # as if post_migrate had not run yet

    fold.forwards(apps, EDITOR)

    assert holders("manage_coupon", Coupon) == ({"support"}, {"marketing"})
    assert holders("manage_promotioncode", PromotionCode) == ({"support"}, {"marketing"})
    assert not Permission.objects.filter(codename="manage_promotions").exists()
    user = django_user_model.objects.get(pk=user.pk)
    assert user.has_perms(["smartpay.manage_coupon", "smartpay.manage_promotioncode"])

    fold.backwards(apps, EDITOR)

    assert holders("manage_promotions", Coupon) == ({"support"}, {"marketing"})
    assert holders("manage_promotions", PromotionCode) == ({"support"}, {"marketing"})
    assert not Permission.objects.filter(codename__in=["manage_coupon", "manage_promotioncode"]).exists()


def test_a_fresh_database_is_left_to_post_migrate():
    Permission.objects.filter(codename="manage_promotions").delete()
    before = set(Permission.objects.values_list("codename", flat=True))
    fold.forwards(apps, EDITOR)
    assert set(Permission.objects.values_list("codename", flat=True)) == before
