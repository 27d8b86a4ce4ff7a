"""``manage.py smartpay_charge_due [--batch-size N] [--max-batches N]``.

Writes the charges of every due charge schedule and enqueues their tasks: the
cron-friendly twin of the ``django_smartpay.tasks.charge_due_schedules`` beat
task.  Safe to run often and concurrently: a schedule produces at most one charge
per period (a unique constraint), and concurrent runs skip each other's rows.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_smartpay.charging import DEFAULT_BATCH_SIZE, charge_due_schedules


class Command(BaseCommand):
    help = "Charge the due token charge schedules (one charge per schedule and period)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Schedules per transaction (default: {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument("--max-batches", type=int, default=None, help="Stop after N batches.")

    def handle(self, *args: Any, batch_size: int, max_batches: int | None, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if max_batches is not None and max_batches < 1:
            raise CommandError("--max-batches must be at least 1.")
        created = charge_due_schedules(batch_size=batch_size, max_batches=max_batches)
        self.stdout.write(self.style.SUCCESS(f"{created} charge(s) written and enqueued."))
