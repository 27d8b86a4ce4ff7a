"""``manage.py demo``: everything the example needs, then the server.

Migrates the SQLite database, creates the demo logins, starts the Smartpay simulator
as a child process (unless one already answers on the configured port), prints the
URLs, and runs Django's development server until Ctrl+C, then stops the simulator.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from django_smartpay.conf import get_client

DEMO_USERS = [
    # (username, password, is_staff)
    ("admin", "admin", True),
    ("alice", "alice", False),
]
READY_TIMEOUT = 20.0


class Command(BaseCommand):
    help = "Set up and run the example shop against a local Smartpay simulator."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="Where the shop listens.")
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Set everything up, check the simulator answers, then stop (used by the tests).",
        )

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self._create_users()
        with self._simulator() as api_base:
            self._print_banner(addrport, api_base)
            if no_serve:
                # Prove the shop's settings-built client reaches the simulator.
                get_client().list_orders(max_results=1)
                self.stdout.write("The Smartpay simulator answered the shop's client.")
                return
            call_command("runserver", addrport, use_reloader=False)

    def _create_users(self) -> None:
        User = get_user_model()
        for username, password, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = user.is_superuser = is_staff
                user.email = f"{username}@example.com"
                user.save()

    @contextmanager
    def _simulator(self) -> Iterator[str]:
        host, port = settings.SIMULATOR_HOST, settings.SIMULATOR_PORT
        api_base = settings.SMARTPAY["API_BASE"]
        if _answers(api_base):
            self.stdout.write(f"Using the Smartpay simulator already running at {api_base}")
            yield api_base
            return
        command = [sys.executable, "-m", "django_smartpay.simulator", "--host", host, "--port", str(port)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            self._wait_ready(process)
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

    def _print_banner(self, addrport: str, api_base: str) -> None:
        shop = f"http://{addrport}/"
        lines = [
            "",
            "django_smartpay example shop",
            f"  Shop:      {shop}",
            f"  Admin:     {shop}admin/   (login admin / admin)",
            "  Customer:  alice / alice",
            f"  Smartpay:  {api_base}   (local simulator; no network, no account)",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _answers(api_base: str) -> bool:
    """True when something already serves the simulator's control API there."""
    origin = api_base.rsplit("/v1", 1)[0]
    try:
        return requests.get(f"{origin}/_simulator/ledger", timeout=0.5).status_code == 200
    except requests.RequestException:
        return False
