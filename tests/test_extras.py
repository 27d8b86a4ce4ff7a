"""Missing extras fail early and clearly: one ImproperlyConfigured naming the pip install, no row written.

Each scenario runs in a fresh Python process in which the extra's packages cannot be
imported (``sys.modules[name] = None``, Python's own way to block an import: ``import``
raises ``ModuleNotFoundError`` and ``importlib.util.find_spec`` answers ``None``), on a
minimal project (contenttypes, auth, django_smartpay; SQLite) like one that installed
``django-smartpay`` without the extra.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.urls import include, path

from django_smartpay import extras

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = """
import json, sys
for name in {blocked!r}:
    sys.modules[name] = None  # as if the distribution were not installed

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_smartpay"],
    DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {database!r}}}}},
    SMARTPAY={smartpay!r},
    ROOT_URLCONF="tests.test_extras",
    ALLOWED_HOSTS=["testserver"],
    USE_TZ=True,
)
django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0)
"""
KEY = "sk_test_djangoSmartpayTests0001"


def run_without(blocked: list[str], code: str, tmp_path: Path, **smartpay: object) -> dict:
    """Run ``code`` in a project without ``blocked``; it prints one JSON line, returned here."""
    script = PRELUDE.format(
        blocked=blocked,
        database=str(tmp_path / "db.sqlite3"),
        smartpay={"SECRET_KEY": KEY, **smartpay},
    ) + textwrap.dedent(code)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


IMPORT_ERROR = """
from django.core.exceptions import ImproperlyConfigured
try:
    import {module}
except ImproperlyConfigured as error:
    print(json.dumps({{"raised": "ImproperlyConfigured", "message": str(error)}}))
except BaseException as error:
    print(json.dumps({{"raised": type(error).__name__, "message": str(error)}}))
else:
    print(json.dumps({{"raised": None}}))
"""


@pytest.mark.parametrize(
    ("module", "blocked", "extra", "named"),
    [
        ("django_smartpay.tasks", ["celery"], "celery", "celery"),
        ("django_smartpay.tasks.charges", ["celery"], "celery", "celery"),
        ("django_smartpay.contrib.rest_framework", ["rest_framework"], "drf", "djangorestframework"),
        ("django_smartpay.contrib.rest_framework.urls", ["rest_framework"], "drf", "djangorestframework"),
        ("django_smartpay.testing", ["factory"], "testing", "factory-boy"),
        ("django_smartpay.testing.pytest_plugin", ["pytest_django"], "testing", "pytest-django"),
    ],
)
def test_importing_a_module_without_its_extra_names_the_pip_install(module, blocked, extra, named, tmp_path):
    outcome = run_without(blocked, IMPORT_ERROR.format(module=module), tmp_path)
    assert outcome["raised"] == "ImproperlyConfigured", outcome
    assert f'pip install "django-smartpay[{extra}]"' in outcome["message"]
    assert f"{named} is not installed" in outcome["message"]


def test_the_app_itself_starts_and_checks_without_any_extra(tmp_path):
    """The base install (no Celery, REST framework or testing kit): migrate and the checks pass."""
    code = """
    from django.core import checks
    print(json.dumps({"ids": [message.id for message in checks.run_checks()]}))
    """
    blocked = ["celery", "kombu", "rest_framework", "drf_spectacular", "factory", "pytest_django"]
    assert run_without(blocked, code, tmp_path) == {"ids": []}


CHARGE = """
from django.core.exceptions import ImproperlyConfigured
from django_smartpay import charging, conf
from django_smartpay.models import ChargeSchedule, Token, TokenCharge
from django_smartpay.simulator import Simulator
from tests.shopping import ADDRESS, Api

sim = Simulator(keys=[{key!r}])
settings.SMARTPAY = {{**settings.SMARTPAY, "API_BASE": sim.api_base, "MAX_RETRIES": 0}}
outcome = {{}}
with conf.use_http_session(sim.session()):
    token = Api(conf.get_client(), sim).token()  # approved at Smartpay, no local row yet
    order = {{"items": [{{"name": "Matcha", "amount": 1000}}], "shipping_info": {{"address": ADDRESS}}}}
    for name, call in [
        ("charge_token", lambda: charging.charge_token(token["id"], 1000, **order)),
        ("create_schedule", lambda: charging.create_schedule(token["id"], 1000, interval="monthly", **order)),
    ]:
        try:
            call()
        except ImproperlyConfigured as error:
            outcome[name] = str(error)
        else:
            outcome[name] = None
outcome["rows"] = [Token.objects.count(), TokenCharge.objects.count(), ChargeSchedule.objects.count()]
print(json.dumps(outcome))
"""


def test_charging_without_celery_raises_before_writing_any_row(tmp_path):
    """Without Celery, nothing could send the charge: the services say so before any write."""
    outcome = run_without(["celery"], CHARGE.format(key=KEY), tmp_path)
    for name in ("charge_token", "create_schedule"):
        assert outcome[name] is not None, f"{name} wrote its row without Celery"
        assert 'pip install "django-smartpay[celery]"' in outcome[name]
    # No token synced from Smartpay, no charge, no schedule.
    assert outcome["rows"] == [0, 0, 0]


def test_async_webhooks_without_celery_is_an_error_check(tmp_path):
    code = """
    from django.core import checks
    found = [(m.id, m.level, m.hint) for m in checks.run_checks(tags=["smartpay"])]
    print(json.dumps({"found": found}))
    """
    found = run_without(["celery"], code, tmp_path, PROCESS_WEBHOOKS="async")["found"]
    assert [(id_, level) for id_, level, _hint in found] == [("smartpay.E013", 40)]
    assert 'pip install "django-smartpay[celery]"' in found[0][2]


WEBHOOK = """
from django.test import Client
from django_smartpay import conf
from django_smartpay.models import Order, WebhookEvent
from django_smartpay.simulator import Simulator
from django_smartpay.testing.webhooks import send_webhook
from tests.shopping import Api

sim = Simulator(keys=[{key!r}])
settings.SMARTPAY = {{**settings.SMARTPAY, "API_BASE": sim.api_base, "MAX_RETRIES": 0}}
with conf.use_http_session(sim.session()):
    order = Api(conf.get_client(), sim).order()  # authorized at Smartpay
response = send_webhook(Client(raise_request_exception=False), order, "order.authorized", secret={secret!r})
print(json.dumps({{"status": response.status_code, "rows": [WebhookEvent.objects.count(), Order.objects.count()]}}))
"""


def test_a_signed_webhook_in_async_mode_without_celery_stores_nothing(tmp_path):
    """The configuration E013 refuses: should it run anyway (no checks under a WSGI server), the
    delivery fails before the event is stored, so Smartpay delivers it again once Celery is there."""
    secret = "gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"
    outcome = run_without(
        ["celery"],
        WEBHOOK.format(key=KEY, secret=secret),
        tmp_path,
        PROCESS_WEBHOOKS="async",
        WEBHOOK_SECRETS=[secret],
    )
    assert outcome["status"] == 500
    assert outcome["rows"] == [0, 0]


def test_every_extra_of_the_distribution_is_known_here():
    """The extras named in messages are the ones pyproject.toml publishes, with the same packages."""
    import tomllib

    from packaging.requirements import Requirement

    published = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(published) == set(extras.EXTRAS)
    for extra, lines in published.items():
        names = {Requirement(line).name.lower() for line in lines}
        assert names == {extras.DISTRIBUTIONS[module].lower() for module in extras.EXTRAS[extra]}


def test_drf_spectacular_alone_missing_is_not_an_error(tmp_path):
    """It only adds the schema endpoint (tests/contrib/rest_framework/test_optional.py)."""
    outcome = run_without(
        ["drf_spectacular"], IMPORT_ERROR.format(module="django_smartpay.contrib.rest_framework"), tmp_path
    )
    assert outcome == {"raised": None}


def test_installed_extras_are_not_required():
    for extra in extras.EXTRAS:
        assert extras.missing(extra) == []
        extras.require(extra, "the test suite")  # no exception


#: The project of the scenarios routes the webhook view where the README says.
urlpatterns = [path("smartpay/", include("django_smartpay.urls"))]
