"""``manage.py smartpay_webhooks reprocess|prune|register``: stored webhook events, and endpoints.

``reprocess [--failed] [--ids EVENT_ID ...]``
    Apply stored events again, oldest first, each under its row lock.  ``--failed``
    takes every failed event; ``--ids`` names events by event id and reprocesses
    them even if they were processed (sync ignores what is not newer than the
    stored state; ``webhook_processed`` is sent again).  Exits with an error when an
    event fails again or an id is unknown.
``prune --older-than DAYS [--include-failed]``
    Delete processed and ignored events received more than DAYS days ago (with
    ``--include-failed``, failed and unprocessed ones too).  DAYS is at least the
    redelivery window (3 days): within it a signed event is accepted as new, so a
    replay of an event pruned sooner would run its handlers again.
``register URL [--events TYPE ...] [--description TEXT]``
    Create a webhook endpoint at Smartpay (or the simulator ``SMARTPAY["API_BASE"]``
    points at) through :func:`django_smartpay.services.create_webhook_endpoint`,
    which stores its signing secret on the ``WebhookEndpoint`` row, where the
    webhook view finds it.  Prints the endpoint id, never the secret.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from django_smartpay import services
from django_smartpay.exceptions import SmartpayError
from django_smartpay.models import WebhookEvent
from django_smartpay.models.events import FINAL_STATUSES, WebhookEventStatus
from django_smartpay.webhooks.applying import process_stored
from django_smartpay.webhooks.verification import REDELIVERY_WINDOW

#: Events younger than this many days are kept: a replay of a pruned one would be accepted as new.
MIN_PRUNE_DAYS = -(-REDELIVERY_WINDOW // 86400)


class Command(BaseCommand):
    help = "Reprocess or prune stored Smartpay webhook events, or register a webhook endpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{reprocess,prune,register}")
        reprocess = actions.add_parser("reprocess", help="Apply stored events again.")
        reprocess.add_argument("--failed", action="store_true", help="Every failed event.")
        reprocess.add_argument(
            "--ids", nargs="+", default=[], metavar="EVENT_ID", help="These events, whatever their status."
        )
        prune = actions.add_parser("prune", help="Delete old processed and ignored events.")
        prune.add_argument("--older-than", type=int, required=True, metavar="DAYS", dest="older_than")
        prune.add_argument(
            "--include-failed", action="store_true", help="Delete failed and unprocessed events too."
        )
        register = actions.add_parser("register", help="Create a webhook endpoint at Smartpay for URL.")
        register.add_argument("url")
        register.add_argument(
            "--events", nargs="+", default=None, metavar="TYPE", help="Event types (default: all)."
        )
        register.add_argument("--description", default=None)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _reprocess(self, *, failed: bool, ids: list[str], **options: Any) -> None:
        if not failed and not ids:
            raise CommandError("Say which events: --failed, --ids EVENT_ID ..., or both.")
        known = dict(WebhookEvent.objects.filter(event_id__in=ids).values_list("event_id", "pk"))
        forced = set(known.values())
        pks = list(known.values())
        if failed:
            pks += WebhookEvent.objects.filter(status=WebhookEventStatus.FAILED).values_list("pk", flat=True)
        order = dict(WebhookEvent.objects.filter(pk__in=pks).values_list("pk", "received_at"))
        failures = 0
        for pk in sorted(set(pks), key=lambda pk: (order.get(pk) or timezone.now(), pk)):
            try:
                outcome = process_stored(pk, force=pk in forced)
            except WebhookEvent.DoesNotExist:
                continue  # pruned meanwhile
            event = outcome.event
            label = f"{event.event_id} ({event.type or '?'})" if event else str(pk)
            if outcome.result == "failed":
                failures += 1
                error = event.error.splitlines()[0] if event and event.error else ""
                self.stderr.write(f"{label}: failed: {error}")
            else:
                self.stdout.write(f"{label}: {outcome.result}")
        unknown = sorted(set(ids) - set(known))
        for event_id in unknown:
            self.stderr.write(f"{event_id}: no such event")
        if failures or unknown:
            raise CommandError(f"{failures} event(s) failed, {len(unknown)} unknown.")
        self.stdout.write(self.style.SUCCESS(f"{len(set(pks))} event(s) reprocessed."))

    def _prune(self, *, older_than: int, include_failed: bool, **options: Any) -> None:
        if older_than < MIN_PRUNE_DAYS:
            raise CommandError(
                f"--older-than must be at least {MIN_PRUNE_DAYS} days: a signed event is accepted as new "
                f"for {MIN_PRUNE_DAYS} days, so a replay of an event pruned sooner would be applied again."
            )
        cutoff = timezone.now() - dt.timedelta(days=older_than)
        events = WebhookEvent.objects.filter(received_at__lt=cutoff)
        if not include_failed:
            events = events.filter(status__in=FINAL_STATUSES)
        deleted, _ = events.delete()
        self.stdout.write(
            self.style.SUCCESS(f"{deleted} webhook event(s) older than {older_than} day(s) deleted.")
        )

    def _register(
        self, *, url: str, events: list[str] | None, description: str | None, **options: Any
    ) -> None:
        try:
            endpoint = services.create_webhook_endpoint(
                url, event_subscriptions=events, description=description
            )
        except SmartpayError as exc:
            raise CommandError(f"The endpoint was not registered: {exc}") from exc
        self.stdout.write(endpoint.smartpay_id)
        if options.get("verbosity", 1) >= 1:
            self.stderr.write(
                f"Registered {endpoint.url}; its signing secret is stored on the WebhookEndpoint row "
                "and used by the smartpay:webhook view."
            )
