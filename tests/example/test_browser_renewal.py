"""Testing a renewal the way a developer would: ``manage.py smartpay_charge_due --as-of``.

A shopper subscribes in the browser; the command runs in a terminal (a subprocess with the
demo's settings and database) as of the subscription's next renewal; the shopper's account
page then shows the second charge.  The assertions read stable things — the number of charges,
their status and amount — not the page's layout.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import pytest

from .conftest import MANAGE, DemoShop, shot

PLAN_PRICE = "¥1,980"


def charge_due(demo_shop: DemoShop, *args: str) -> subprocess.CompletedProcess[str]:
    """``manage.py smartpay_charge_due`` against the running demo's database and simulator."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DEMO_DATABASE=str(demo_shop.database),
        SMARTPAY_SIMULATOR_PORT=demo_shop.simulator.rsplit(":", 1)[1],
        PYTHONUNBUFFERED="1",
    )
    return subprocess.run(
        [sys.executable, str(MANAGE), "smartpay_charge_due", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=demo_shop.database.parent,
        timeout=120,
        check=False,
    )


def _schedule(demo_shop: DemoShop, username: str) -> tuple[int, str]:
    [(pk, next_run_at)] = demo_shop.query(
        "select s.id, s.next_run_at from smartpay_chargeschedule s "
        "join smartpay_token t on s.token_id = t.smartpay_id join auth_user u on t.user_id = u.id "
        "where u.username = ?",
        username,
    )
    return pk, next_run_at


@pytest.mark.browser
def test_the_next_renewal_on_demand(browser, demo_shop: DemoShop):
    http = demo_shop.signup("tsubasa")
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.context.add_cookies(
        [{"name": name, "value": value, "url": demo_shop.url} for name, value in http.cookies.items()]
    )
    page.goto(demo_shop.url + "/")
    page.click("#subscribe")
    page.wait_for_url(re.compile(re.escape(demo_shop.simulator) + r"/checkout/.+"))
    page.click("#approve")
    page.wait_for_url(re.compile(re.escape(demo_shop.url) + r"/subscribe/success/.*"))
    page.goto(demo_shop.url + "/account/")
    charges = page.locator(".schedule .charge")
    assert charges.count() == 1
    orders_before = page.locator(".order").count()
    schedule_id, next_run_at = _schedule(demo_shop, "tsubasa")
    renewal = dt.datetime.fromisoformat(next_run_at).replace(tzinfo=dt.UTC)
    assert renewal > dt.datetime.now(dt.UTC) + dt.timedelta(days=27)  # a month from now

    # As of the renewal, this subscription's next month is charged (other shoppers'
    # subscriptions due by then are charged too: it is the real scheduler).
    ran = charge_due(demo_shop, "--as-of", renewal.isoformat())
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Running the scheduler as of" in ran.stdout
    assert re.search(r"^[1-9]\d* charge\(s\) written", ran.stdout, re.MULTILINE), ran.stdout
    again = charge_due(demo_shop, "--as-of", renewal.isoformat())
    assert again.returncode == 0 and "0 charge(s) written" in again.stdout  # once per period

    page.reload()
    charges = page.locator(".schedule .charge")
    assert charges.count() == 2
    assert [charges.nth(i).get_attribute("data-status") for i in range(2)] == ["succeeded", "succeeded"]
    assert all(PLAN_PRICE in charges.nth(i).inner_text() for i in range(2))
    assert page.locator(".order").count() == orders_before + 1
    shot(page, "account-after-renewal.png")

    # The rows say when they were written (today), not the renewal's date.
    rows = demo_shop.query(
        "select period, created, status from smartpay_tokencharge where schedule_id = ? order by id",
        schedule_id,
    )
    assert [status for _, _, status in rows] == ["succeeded", "succeeded"]
    period, created, _ = rows[1]
    assert dt.datetime.fromisoformat(period).replace(tzinfo=dt.UTC) == renewal
    assert dt.datetime.fromisoformat(created).replace(tzinfo=dt.UTC) < dt.datetime.now(dt.UTC)
    [(later,)] = demo_shop.query("select next_run_at from smartpay_chargeschedule where id = ?", schedule_id)
    assert dt.datetime.fromisoformat(later).replace(tzinfo=dt.UTC) > renewal + dt.timedelta(days=27)
