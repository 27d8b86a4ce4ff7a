"""The command line that makes a subscription's next renewal happen now, for the demo.

``manage.py smartpay_charge_due --as-of <ISO datetime>`` runs the scheduler as if it were that
time.  The demo prints the exact line for the next renewal (banner and "my account" in DEBUG),
with the environment the demo was started with, so that it reaches the same database.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus

#: What the demo's settings read from the environment and the command must see the same way
#: (never the secret key: the line is shown on a page).
DEMO_ENVIRONMENT = (
    "DEMO_DATABASE",
    "SMARTPAY_SIMULATOR_HOST",
    "SMARTPAY_SIMULATOR_PORT",
    "SMARTPAY_API_BASE",
)
COMMAND = "smartpay_charge_due"


def _shown(path: str | Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute.

    Symbolic links stay as they are: a virtual environment's ``python`` is one.
    """
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(os.getcwd()))
    except ValueError:
        return str(absolute)


def as_of(moment: dt.datetime) -> str:
    """``moment`` in the project's time zone, to the second, rounded up so that it is due then."""
    local = timezone.localtime(moment)
    if local.microsecond:
        local = local.replace(microsecond=0) + dt.timedelta(seconds=1)
    return local.isoformat(timespec="seconds")


def charge_due_command(moment: dt.datetime | None) -> str:
    """The shell line running ``smartpay_charge_due --as-of moment`` (a placeholder without one)."""
    environment = [
        f"{name}={shlex.quote(os.environ[name])}" for name in DEMO_ENVIRONMENT if os.environ.get(name)
    ]
    manage = settings.BASE_DIR / "manage.py"
    when = shlex.quote(as_of(moment)) if moment is not None else "<ISO datetime>"
    python = "python" if not sys.executable else _shown(sys.executable)
    return " ".join([*environment, python, _shown(manage), COMMAND, "--as-of", when])


def next_renewal() -> dt.datetime | None:
    """When the earliest active subscription of the shop renews next (``None``: no active one)."""
    return ChargeSchedule.objects.filter(status=ChargeScheduleStatus.ACTIVE).aggregate(
        first=Min("next_run_at")
    )["first"]
