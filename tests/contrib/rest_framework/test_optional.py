"""REST framework stays optional: the core never imports it, and drf-spectacular is optional too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SETUP = """
import sys
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=[
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django_smartpay",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    SMARTPAY={"SECRET_KEY": "sk_test_isolation0001"},
    ROOT_URLCONF="django_smartpay.urls",
    USE_TZ=True,
)
django.setup()
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SETUP) + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def test_the_core_never_imports_rest_framework():
    result = _run(
        """
        import django_smartpay, django_smartpay.models, django_smartpay.services, django_smartpay.urls
        import django_smartpay.sync, django_smartpay.signals, django_smartpay.webhooks.views
        import django_smartpay.admin, django_smartpay.charging
        from django.urls import reverse
        reverse("webhook")
        drf = sorted(name for name in sys.modules if name.split(".")[0] in ("rest_framework", "drf_spectacular"))
        print("loaded:", drf)
        import django_smartpay.contrib.rest_framework.urls
        print("contrib loads it:", "rest_framework" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stdout
    assert "contrib loads it: True" in result.stdout


def test_the_endpoints_work_without_drf_spectacular():
    result = _run(
        """
        sys.modules["drf_spectacular"] = None  # as if it were not installed
        from django.urls import resolve
        from django_smartpay.contrib.rest_framework import urls
        names = sorted(pattern.name for pattern in urls.urlpatterns)
        print("names:", names)
        print("resolves:", resolve("/tokens/paytok_test_abc/disable/", urlconf=urls).url_name)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "'schema'" not in result.stdout
    assert "'token-list'" in result.stdout
    assert "resolves: token-disable" in result.stdout
