"""The reads sync makes on every child event find their rows through the parent's index."""

from __future__ import annotations

import pytest

from django_smartpay.sync import refund_totals

pytestmark = pytest.mark.django_db


def test_refund_totals_do_not_walk_the_status_index() -> None:
    # With ``status`` in the WHERE, SQLite chose smartpay_refund_status_idx: every succeeded
    # refund of every payment, read to sum one payment's.
    plan = refund_totals(["payment_test_plan0000000000000001"]).explain()
    assert "status_idx" not in plan
    assert "payment_smartpay_id" in plan or "Seq Scan" in plan, plan
