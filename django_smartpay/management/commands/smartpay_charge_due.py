"""``manage.py smartpay_charge_due [--batch-size N] [--max-batches N] [--as-of WHEN]``.

Writes the charges of every due charge schedule and enqueues their tasks: the
cron-friendly twin of the ``django_smartpay.tasks.charge_due_schedules`` beat
task.  Safe to run often and concurrently: a schedule produces at most one charge
per period (a unique constraint), and concurrent runs skip each other's rows.

``--as-of WHEN`` runs the scheduler as if it were ``WHEN`` (an ISO 8601 date or
datetime; a naive value is in the current time zone; a date alone means the end of
that day): the periods and dunning retries due by then are charged, while every row
written records the real time.  It is for trying out renewals with test keys and is
refused when ``SMARTPAY["SECRET_KEY"]`` is a live key.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from django_smartpay import conf, scheduling
from django_smartpay.charging import DEFAULT_BATCH_SIZE, DueRun, run_due

#: ``YYYY-MM-DD`` first (ISO 8601's extended format), so that a run of digits is not read as a date.
EXTENDED_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)")
MAX_AS_OF_LENGTH = 40
AS_OF_EXAMPLES = "e.g. 2026-12-30, 2026-12-30T10:00 or 2026-12-30T10:00:00+09:00"


def parse_as_of(text: str) -> dt.datetime:
    """The aware moment ``--as-of`` names; :class:`CommandError` for anything else."""
    value = text.strip()
    if len(value) > MAX_AS_OF_LENGTH or not EXTENDED_DATE.match(value):
        raise CommandError(
            f"--as-of: {text[:MAX_AS_OF_LENGTH]!r} is not an ISO 8601 date or datetime ({AS_OF_EXAMPLES})."
        )
    try:
        day = parse_date(value)
        moment = None if day is not None else parse_datetime(value)
    except ValueError:  # well formed but not a real date or time ("2026-02-30")
        day = moment = None
    if day is not None:
        # A date alone: everything due on that day (its last instant, in the current time zone).
        moment = dt.datetime.combine(day, dt.time.max)
    if moment is None:
        raise CommandError(f"--as-of: {text!r} is not an ISO 8601 date or datetime ({AS_OF_EXAMPLES}).")
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if moment >= scheduling.LATEST:
            raise CommandError(f"--as-of: {text!r} is too far in the future.")
        moment.astimezone(dt.UTC)  # the database stores UTC: refuse what has none
    except OverflowError:
        raise CommandError(f"--as-of: {text!r} is out of range.") from None
    return moment


class Command(BaseCommand):
    help = (
        "Charge the due token charge schedules (one charge per schedule and period). "
        "--as-of runs the scheduler as if it were another time (test keys only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Schedules per transaction (default: {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument("--max-batches", type=int, default=None, help="Stop after N batches.")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            default=None,
            metavar="WHEN",
            help=(
                "Charge what is due at WHEN instead of now: an ISO 8601 date or datetime "
                f"({AS_OF_EXAMPLES}); a naive value is in the current time zone, a date means "
                "the end of that day. Rows still record the real time. Refused with a live secret key."
            ),
        )

    def handle(
        self, *args: Any, batch_size: int, max_batches: int | None, as_of: str | None = None, **options: Any
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if max_batches is not None and max_batches < 1:
            raise CommandError("--max-batches must be at least 1.")
        moment = None
        if as_of is not None:
            moment = parse_as_of(as_of)
            if not conf.is_test_mode():
                raise CommandError(
                    "--as-of is refused with a live secret key: it would charge real customers "
                    "before their renewal is due. Use it with a test key (sk_test_...)."
                )
            now = timezone.now()
            self.stdout.write(
                f"Running the scheduler as of {timezone.localtime(moment).isoformat()} "
                f"(it is now {timezone.localtime(now).isoformat(timespec='seconds')}; "
                "rows record the real time)."
            )
            if moment < now:
                self.stdout.write(
                    self.style.WARNING("--as-of is in the past: only what was due by then is charged.")
                )
        run = run_due(as_of=moment, batch_size=batch_size, max_batches=max_batches)
        self._report(run)

    def _report(self, run: DueRun) -> None:
        written = run.charges + run.retries
        self.stdout.write(self.style.SUCCESS(f"{written} charge(s) written and enqueued."))
        if run.retries:
            self.stdout.write(f"{run.retries} of them retry a declined period.")
        if run.skipped_periods:
            self.stdout.write(
                self.style.WARNING(
                    f"{run.skipped_periods} missed period(s) skipped: a schedule is charged once per run, "
                    "for the latest period due; earlier missed periods are never charged."
                )
            )
        if run.paused:
            self.stdout.write(
                self.style.WARNING(f"{run.paused} schedule(s) paused: their token cannot be charged.")
            )
        if run.completed:
            self.stdout.write(f"{run.completed} schedule(s) completed.")
