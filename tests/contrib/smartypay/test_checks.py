"""The ``smartypay`` checks: one id per problem, no secret in any message; nothing without the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from django_smartpay.contrib.smartypay.checks import check_settings

GOOD = {"API_KEY": "key", "SECRET": "s3cr3t-value", "MERCHANT_ID": "RgFw2p65CQn3pE8uriL53d"}


def ids(settings, config):
    settings.SMARTYPAY = config
    return [message.id for message in check_settings()]


def test_a_good_configuration_passes(settings):
    assert ids(settings, GOOD) == []
    assert (
        ids(settings, {**GOOD, "BASE_URL": "http://127.0.0.1:8766", "TIMEOUT": (2, 10), "PAGE_SIZE": 50})
        == []
    )


def test_registered_under_its_tag(settings):
    settings.SMARTYPAY = {}
    found = {message.id for message in checks.run_checks(tags=["smartypay"])}
    assert {"smartypay.E002", "smartypay.E003", "smartypay.E004"} <= found


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (None, ["smartypay.E001"]),
        (["API_KEY"], ["smartypay.E001"]),
        ({}, ["smartypay.E002", "smartypay.E003", "smartypay.E004"]),
        ({**GOOD, "API_KEY": "a:b"}, ["smartypay.E002"]),
        ({**GOOD, "API_KEY": 42}, ["smartypay.E002"]),
        ({**GOOD, "SECRET": " s3cr3t-value"}, ["smartypay.E003"]),
        ({**GOOD, "MERCHANT_ID": ""}, ["smartypay.E004"]),
        ({**GOOD, "BASE_URL": "http://partner-api.smartypay.io"}, ["smartypay.E005"]),
        ({**GOOD, "BASE_URL": "https://key:s3cr3t-value@partner-api.smartypay.io"}, ["smartypay.E005"]),
        ({**GOOD, "BASE_URL": "partner-api.smartypay.io"}, ["smartypay.E005"]),
        ({**GOOD, "TIMEOUT": 0}, ["smartypay.E006"]),
        ({**GOOD, "TIMEOUT": "5"}, ["smartypay.E006"]),
        ({**GOOD, "MAX_RETRIES": 11}, ["smartypay.E007"]),
        ({**GOOD, "PAGE_SIZE": 101}, ["smartypay.E008"]),
        ({**GOOD, "RECOVERY_SCAN_LIMIT": 0}, ["smartypay.E009"]),
        ({**GOOD, "SECRETS": "x"}, ["smartypay.W001"]),
    ],
)
def test_each_problem_has_its_id(settings, config, expected):
    assert ids(settings, config) == expected
    shown = " ".join(f"{m.msg} {m.hint}" for m in check_settings())
    assert "s3cr3t-value" not in shown


def test_projects_without_the_app_get_no_check_and_no_migration(tmp_path):
    """The app is opt-in: a project that does not list it runs none of its checks or migrations."""
    script = (
        "import json, django\n"
        "from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'django_smartpay'],"
        " DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}},"
        " SMARTPAY={'SECRET_KEY': 'sk_test_abc'}, USE_TZ=True, ROOT_URLCONF='django_smartpay.urls')\n"
        "django.setup()\n"
        "from django.core import checks\n"
        "from django.db.migrations.loader import MigrationLoader\n"
        "ids = [m.id for m in checks.run_checks()]\n"
        "apps = sorted({app for app, _name in MigrationLoader(None).disk_migrations})\n"
        "print(json.dumps({'ids': ids, 'apps': apps}))\n"
    )
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert not [i for i in found["ids"] if i.startswith("smartypay.")]
    assert "smartpay" in found["apps"] and "smartypay" not in found["apps"]
