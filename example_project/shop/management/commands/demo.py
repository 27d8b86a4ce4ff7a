"""``manage.py demo``: everything the example needs, then the server.

Migrates the SQLite database, creates the demo logins, starts the Smartpay simulator
as a child process (unless one already answers on the configured port), registers the
shop's webhook URL with it (so its signed webhooks update the shop), prints the URLs,
and runs Django's development server until Ctrl+C (or SIGTERM), then stops the simulator.

The simulator keeps everything in memory: once restarted it has forgotten the tokens and
orders of earlier runs, which the database still mirrors.  The demo asks the simulator for
the newest few mirrored ids; if it has forgotten any, the database is emptied as with
``--fresh`` (with a warning): those objects cannot be synced back from anywhere, and every
action on them would fail with ``*.not-found``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from django_smartpay import services
from django_smartpay.conf import get_client
from django_smartpay.exceptions import SmartpayNotFoundError
from django_smartpay.models import CheckoutSession, Order, Token, WebhookEndpoint
from shop import renewal

DEMO_USERS = [
    # (username, password, is_staff)
    ("admin", "admin", True),
    ("alice", "alice", False),
]
READY_TIMEOUT = 20.0
#: What ``manage.py demo`` prints once the shop's socket is bound (its tests wait for this line;
#: Django's own wording changes between versions).
SERVING = "Demo shop serving at"
#: The shop's name on the simulator's checkout page (as Smartpay shows the merchant's name).
MERCHANT_NAME = "Matcha & Co."

#: How many of the newest mirrored objects of each kind the demo asks the simulator about.
PROBES = 3
#: The first words of the warning printed when the database is emptied (its tests look for them).
FORGOTTEN = "Warning: the Smartpay simulator has forgotten"


class Command(BaseCommand):
    help = "Set up and run the example shop against a local Smartpay simulator."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="Where the shop listens.")
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Set everything up, check the simulator answers, then stop (used by the tests).",
        )
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Empty the database first (the simulator forgets everything when it stops).",
        )

    def handle(self, *args, addrport: str, no_serve: bool, fresh: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if fresh:
            call_command("flush", interactive=False, verbosity=0)
        self._create_users()
        signal.signal(signal.SIGTERM, _interrupt)  # stop the simulator on SIGTERM too
        with self._simulator() as api_base:
            if not fresh:
                self._forget_what_the_simulator_forgot()
            endpoint = self._register_webhooks(addrport)
            self._print_banner(addrport, api_base, endpoint)
            if no_serve:
                # Prove the shop's settings-built client reaches the simulator.
                get_client().list_orders(max_results=1)
                self.stdout.write("The Smartpay simulator answered the shop's client.")
                return
            # Static files too (the admin's, Swagger UI's), even with DJANGO_DEBUG=0: a local demo.
            call_command(Runserver(), addrport, use_reloader=False, insecure_serving=True)

    def _create_users(self) -> None:
        User = get_user_model()
        for username, password, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = user.is_superuser = is_staff
                user.email = f"{username}@example.com"
                user.save()

    def _forget_what_the_simulator_forgot(self) -> None:
        """Empty the database (as ``--fresh``) when the simulator no longer knows its objects."""
        missing = forgotten_ids()
        if not missing:
            return
        shown = ", ".join(missing[:3]) + (" …" if len(missing) > 3 else "")
        self.stderr.write(
            self.style.WARNING(
                f"{FORGOTTEN} objects this database mirrors ({shown}): it keeps them in memory "
                "only, so they were lost when it stopped. They cannot be synced back, and every "
                "action on them would fail with '*.not-found'. The database was emptied, as with "
                "--fresh; the demo logins are created again (shoppers who signed up must sign up again)."
            )
        )
        call_command("flush", interactive=False, verbosity=0)
        self._create_users()

    def _register_webhooks(self, addrport: str) -> WebhookEndpoint:
        """The shop's endpoint in the simulator, registered once; its signing secret is on the row."""
        url = f"http://{addrport}{reverse('smartpay:webhook')}"
        known = {
            data["id"]
            for data in get_client().iter_webhook_endpoints()
            if data["url"] == url and data.get("active", True)
        }
        endpoint = WebhookEndpoint.objects.filter(smartpay_id__in=known).exclude(signing_secret="").first()
        if endpoint is None:
            endpoint = services.create_webhook_endpoint(url, description="django_smartpay example shop")
        # Rows of endpoints a previous simulator run made are of no use any more.
        WebhookEndpoint.objects.exclude(smartpay_id__in=known | {endpoint.smartpay_id}).delete()
        return endpoint

    @contextmanager
    def _simulator(self) -> Iterator[str]:
        host, port = settings.SIMULATOR_HOST, settings.SIMULATOR_PORT
        api_base = settings.SMARTPAY["API_BASE"]
        secret_key = settings.SMARTPAY["SECRET_KEY"]
        if _answers(api_base):
            self.stdout.write(f"Using the Smartpay simulator already running at {api_base}")
            # The simulator answers only keys it knows (401 otherwise, as Smartpay): register ours.
            origin = api_base.rsplit("/v1", 1)[0]
            requests.post(f"{origin}/_simulator/keys", json={"secretKey": secret_key}, timeout=5)
            requests.post(f"{origin}/_simulator/merchant", json={"name": MERCHANT_NAME}, timeout=5)
            yield api_base
            return
        command = [sys.executable, "-m", "django_smartpay.simulator", "--host", host, "--port", str(port)]
        command += ["--merchant-name", MERCHANT_NAME]  # what the simulator's checkout page shows
        env = {**os.environ, "SMARTPAY_SECRET_KEY": secret_key}  # registered by the simulator
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        try:
            self._wait_ready(process)
            # Keep reading its output so that it can never block on a full pipe.
            threading.Thread(target=_drain, args=(process,), daemon=True).start()
            yield api_base
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()

    def _wait_ready(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise CommandError(f"The Smartpay simulator exited with code {process.returncode}.")
            if line.startswith("Smartpay simulator ready at"):
                return
        raise CommandError(f"The Smartpay simulator was not ready within {READY_TIMEOUT:.0f} s.")

    def _print_banner(self, addrport: str, api_base: str, endpoint: WebhookEndpoint) -> None:
        shop = f"http://{addrport}/"
        docs = (
            "Swagger UI, served locally"
            if settings.OFFLINE_API_DOCS
            else "missing: pip install drf-spectacular-sidecar for offline docs"
        )
        next_renewal = renewal.next_renewal()
        lines = [
            "",
            "django_smartpay example shop",
            f"  Shop:      {shop}",
            f"  Admin:     {shop}admin/   (login admin / admin)",
            "  Customer:  alice / alice   (or sign up)",
            f"  REST API:  {shop}api/smartpay/   (OpenAPI document: {shop}api/smartpay/schema/)",
            f"  API docs:  {shop}api/smartpay/docs/   ({docs})",
            f"  Smartpay:  {api_base}   (local simulator; no network, no account)",
            f"  Webhooks:  {endpoint.url}   (registered as {endpoint.smartpay_id})",
            "  Renewals:  run the next one now, as if its day had come:",
            f"             {renewal.charge_due_command(next_renewal)}",
            "",
        ]
        self.stdout.write("\n".join(lines))


class Runserver(RunserverCommand):
    """``runserver`` of ``staticfiles``, saying in words of our own when it is ready for requests."""

    def on_bind(self, server_port: int) -> None:
        super().on_bind(server_port)
        self.stdout.write(f"{SERVING} http://{self.addr}:{server_port}/")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _drain(process: subprocess.Popen) -> None:
    assert process.stdout is not None
    for _line in process.stdout:
        pass


def forgotten_ids(per_kind: int = PROBES) -> list[str]:
    """Ids of the newest mirrored tokens, orders and checkouts that the simulator does not know."""
    client = get_client()
    probes = [
        (Token, client.get_token),
        (Order, client.get_order),
        (CheckoutSession, client.get_checkout_session),
    ]
    missing = []
    for model, fetch in probes:
        newest = model.objects.order_by("-created", "-pk").values_list("smartpay_id", flat=True)
        for smartpay_id in newest[:per_kind]:
            try:
                fetch(smartpay_id)
            except SmartpayNotFoundError:
                missing.append(smartpay_id)
    return missing


def _answers(api_base: str) -> bool:
    """True when something already serves the simulator's control API there."""
    origin = api_base.rsplit("/v1", 1)[0]
    try:
        return requests.get(f"{origin}/_simulator/ledger", timeout=0.5).status_code == 200
    except requests.RequestException:
        return False
