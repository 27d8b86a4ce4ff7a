"""``manage.py smartpay_sync [resource ...] [--max-pages N] [--page-size N]``.

Pages through Smartpay's list endpoints and bulk-upserts every page through
:func:`django_smartpay.services.sync_all`.  Safe to re-run: rows are upserted by
Smartpay id and an object that did not change is not written again.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_smartpay.exceptions import SmartpayError
from django_smartpay.services import RESOURCES, sync_all


class Command(BaseCommand):
    help = "Copy Smartpay objects into the local tables (all kinds, or the kinds named)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "resources",
            nargs="*",
            metavar="resource",
            help=f"Kinds to sync, among: {', '.join(RESOURCES)} (default: all, in that order).",
        )
        parser.add_argument("--max-pages", type=int, default=None, help="Stop each kind after N pages.")
        parser.add_argument(
            "--page-size", type=int, default=100, help="Objects per page, 1 to 100 (default: 100)."
        )

    def handle(
        self, *args: Any, resources: list[str], max_pages: int | None, page_size: int, **options: Any
    ) -> None:
        self.verbosity = options.get("verbosity", 1)
        if not 1 <= page_size <= 100:
            raise CommandError("--page-size must be between 1 and 100.")
        if max_pages is not None and max_pages < 1:
            raise CommandError("--max-pages must be at least 1.")
        unknown = sorted(set(resources) - set(RESOURCES))
        if unknown:
            raise CommandError(
                f"Unknown resource(s): {', '.join(unknown)}. Choose among: {', '.join(RESOURCES)}."
            )
        kinds = [kind for kind in RESOURCES if kind in resources] if resources else list(RESOURCES)
        for kind in kinds:
            started = time.monotonic()
            try:
                total = sync_all(kind, page_size=page_size, max_pages=max_pages, on_page=self._progress)
            except SmartpayError as exc:
                raise CommandError(f"{kind}: {exc}") from exc
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"{kind}: {total} synced in {elapsed:.1f}s"))

    def _progress(self, kind: str, page: int, total: int) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"{kind}: page {page}, {total} so far")
