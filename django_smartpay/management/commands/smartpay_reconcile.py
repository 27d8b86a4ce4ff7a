"""``manage.py smartpay_reconcile [--stale-after S] [--lost-after S] [--limit N] [--json]``.

Settles token charges whose task was lost or whose outcome is unknown (see
:mod:`django_smartpay.charging.reconcile`): pending charges overdue are enqueued
again; unknown and stale processing charges are looked up at Smartpay by
reference, resent with their own key within the idempotency window, and marked
failed when no order exists after it.  Safe to run at any time, from cron or
by hand; it never charges twice.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_smartpay.charging import reconcile_charges
from django_smartpay.exceptions import SmartpayError


class Command(BaseCommand):
    help = "Settle token charges that are lost, stuck or of unknown outcome."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale-after",
            type=float,
            default=None,
            help="Seconds after which a processing claim is stale (default: derived from SMARTPAY TIMEOUT/MAX_RETRIES).",
        )
        parser.add_argument(
            "--lost-after",
            type=float,
            default=None,
            help="Seconds a pending charge may be overdue before its task is sent again (default: 900).",
        )
        parser.add_argument(
            "--limit", type=int, default=500, help="Charges looked at per kind (default: 500)."
        )
        parser.add_argument("--json", action="store_true", help="Print the counts as one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("stale_after", "lost_after"):
            if options[name] is not None and options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must not be negative.")
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        try:
            result = reconcile_charges(
                stale_after=options["stale_after"], lost_after=options["lost_after"], limit=options["limit"]
            )
        except SmartpayError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, sort_keys=True))
        else:
            self.stdout.write(", ".join(f"{key} {value}" for key, value in result.items()))
