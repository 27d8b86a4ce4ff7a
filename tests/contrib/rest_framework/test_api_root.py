"""The API root lists the endpoints; ``docs/`` is Swagger UI from drf-spectacular-sidecar's files only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from .conftest import API

ROOT = Path(__file__).resolve().parents[3]


def test_the_root_lists_the_endpoints_to_anyone(client: Any):
    response = client.get(API, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "tokens": "http://testserver/api/smartpay/tokens/",
        "orders": "http://testserver/api/smartpay/orders/",
        "schedules": "http://testserver/api/smartpay/schedules/",
        "schema": "http://testserver/api/smartpay/schema/",
    }  # no "docs": drf-spectacular-sidecar is not in the test project's INSTALLED_APPS
    # Links only: the endpoints still refuse anonymous requests.
    assert client.get(API + "tokens/").status_code in (401, 403)


@pytest.mark.django_db
def test_the_root_answers_only_reads(alice: Any):
    client = APIClient()
    client.force_authenticate(alice)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(API).status_code == 405, method
    assert client.get(API, {"format": "nonsense"}).status_code == 404
    assert client.options(API).status_code == 200


def test_the_root_is_not_in_the_schema(client: Any):
    schema = client.get(API + "schema/", {"format": "json"}).json()
    assert "/api/smartpay/" not in schema["paths"]
    assert "/api/smartpay/docs/" not in schema["paths"]


OFFLINE = """
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.staticfiles",
        "rest_framework",
        "drf_spectacular",
        "drf_spectacular_sidecar",
        "django_smartpay",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    SMARTPAY={"SECRET_KEY": "sk_test_offlineDocs0001"},
    ROOT_URLCONF="offline_docs_urls",
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    STATIC_URL="/static/",
    ALLOWED_HOSTS=["testserver"],
    USE_TZ=True,
    # What a project would have left to drf-spectacular's defaults: a CDN.
    SPECTACULAR_SETTINGS={"SWAGGER_UI_DIST": "https://cdn.example.com/swagger-ui"},
)
django.setup()
import sys, types
from django.urls import include, path
urls = types.ModuleType("offline_docs_urls")
urls.urlpatterns = [path("api/", include("django_smartpay.contrib.rest_framework.urls"))]
sys.modules[urls.__name__] = urls
from django.test import Client
client = Client()
root = client.get("/api/", HTTP_ACCEPT="application/json").json()
print("docs:", root.get("docs"))
page = client.get("/api/docs/")
print("status:", page.status_code)
print(page.content.decode())
"""


def test_docs_serve_swagger_ui_from_local_files_whatever_the_settings_say():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(OFFLINE)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "docs: http://testserver/api/docs/" in result.stdout
    assert "status: 200" in result.stdout
    urls = re.findall(r'(?:src|href)="([^"]+)"', result.stdout)
    assert len(urls) == 4, urls  # favicon, stylesheet, two scripts
    assert all(url.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/") for url in urls), urls
    assert "cdn.example.com" not in result.stdout
    assert '"validatorUrl": null' in result.stdout
