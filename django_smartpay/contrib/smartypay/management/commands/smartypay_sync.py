"""``manage.py smartypay_sync``: mirror SmartyPay payments, walking the search page by page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...client import SmartyPayError
from ...client.client import MAX_PAGE_SIZE
from ...conf import SmartyPayConfigurationError
from ...sync import sync_search


def _page_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise CommandError(f"--page-size must be an integer from 1 to {MAX_PAGE_SIZE}")
    return value


class Command(BaseCommand):
    help = "Mirror SmartyPay payments into SmartyPayment rows (all, or those of the given statuses/ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", action="append", default=None, help="only this status (repeatable)")
        parser.add_argument(
            "--id", action="append", default=None, dest="ids", help="only this payment id (repeatable)"
        )
        parser.add_argument("--page-size", default=None, help=f"payments per search page (1-{MAX_PAGE_SIZE})")

    def handle(self, *args: Any, **options: Any) -> None:
        page_size = _page_size(options["page_size"]) if options["page_size"] is not None else None
        try:
            result = sync_search(status_in=options["status"], id_in=options["ids"], page_size=page_size)
        except (SmartyPayError, SmartyPayConfigurationError) as exc:
            raise CommandError(f"SmartyPay sync failed: {exc}") from None
        stored = result.seen - len(result.failed)
        self.stdout.write(f"{stored} SmartyPay payment(s) synced, {result.changed} with a new status.")
        for payment_id, why in result.failed:
            self.stderr.write(f"Not stored: {payment_id}: {why}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} SmartyPay payment(s) could not be stored")
