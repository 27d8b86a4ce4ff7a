"""Searches every changelist that searches users, under ``settings`` (run in a subprocess).

Prints JSON: for each changelist, the status of a search by login name and the Smartpay
ids it listed.  ``tests/admin/test_custom_user.py`` runs it and checks the answer.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.admin.custom_user.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from django_smartpay.models import (  # noqa: E402
    ChargeSchedule,
    CheckoutSession,
    Order,
    Payment,
    Refund,
    Token,
    TokenCharge,
)

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_rows(user, n: int) -> None:
    Token.objects.create(smartpay_id=f"paytok_test_{n}", status="active", user=user, smartpay_created=START)
    Order.objects.create(
        smartpay_id=f"order_test_{n}", status="succeeded", amount=1000, token_id=f"paytok_test_{n}", user=user
    )
    Payment.objects.create(smartpay_id=f"payment_test_{n}", amount=1000, order_id=f"order_test_{n}")
    Refund.objects.create(smartpay_id=f"refund_test_{n}", amount=10, payment_id=f"payment_test_{n}")
    CheckoutSession.objects.create(smartpay_id=f"checkout_test_{n}", order_id=f"order_test_{n}", user=user)
    schedule = ChargeSchedule.objects.create(
        token_id=f"paytok_test_{n}", amount=500, interval="monthly", next_run_at=START, items=[]
    )
    TokenCharge.objects.create(
        token_id=f"paytok_test_{n}",
        order_id=f"order_test_{n}",
        schedule=schedule,
        amount=500,
        reference=f"charge-{n}",
        idempotency_key=f"key-{n}",
    )


def main() -> None:
    setup_test_environment()
    call_command("migrate", run_syncdb=True, verbosity=0)
    users = get_user_model().objects
    make_rows(users.create(login="hanako"), 1)
    make_rows(users.create(login="taro"), 2)
    client = Client(raise_request_exception=False)
    client.force_login(users.create_superuser(login="admin", password="pw"))
    report: dict[str, object] = {"user_model": get_user_model()._meta.label, "changelists": {}}
    for model in (Order, Token, Payment, Refund, CheckoutSession, TokenCharge, ChargeSchedule):
        name = model._meta.model_name
        response = client.get(reverse(f"admin:smartpay_{name}_changelist"), {"q": "hanako"})
        listed = (
            [str(row) for row in response.context["cl"].result_list] if response.status_code == 200 else []
        )
        unfiltered = client.get(reverse(f"admin:smartpay_{name}_changelist"))
        # Sorted by the customer column (the second one): by the login name of a model without email.
        by_customer = client.get(reverse(f"admin:smartpay_{name}_changelist"), {"o": "2"})
        sorted_rows = (
            [str(row) for row in by_customer.context["cl"].result_list]
            if by_customer.status_code == 200
            else []
        )
        report["changelists"][name] = {  # type: ignore[index]
            "status": response.status_code,
            "listed": listed,
            "unfiltered_status": unfiltered.status_code,
            "sorted_status": by_customer.status_code,
            "sorted": sorted_rows,
            "shows_other_user": '<td class="field-customer"><span title="taro">taro</span></td>'
            in unfiltered.content.decode(),
        }
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
