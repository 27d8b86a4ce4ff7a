"""Settings for the test suite.

SQLite in memory by default.  ``DATABASE_URL=postgres://user@host:port/name`` switches
to PostgreSQL (and turns on the tests marked ``postgres``); ``CELERY_BROKER_URL=redis://…``
turns on the tests marked ``redis``.
"""

import os
from urllib.parse import unquote, urlsplit

SECRET_KEY = "django-insecure-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "Japanese")]
ROOT_URLCONF = "tests.urls"
ALLOWED_HOSTS = ["*"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_smartpay",
    "django_smartpay.contrib.smartypay",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATIC_URL = "/static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def database_from_url(url: str) -> dict:
    """Turn ``postgres://user:pass@host:port/name`` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "TEST": {"NAME": test_database_name()},
    }


#: The process that read these settings first; the processes it starts inherit the variable.
_FIRST_PROCESS = os.environ.setdefault("SMARTPAY_TEST_DB_PROCESS", str(os.getpid()))


def test_database_name() -> str:
    """``SMARTPAY_TEST_DB_NAME``, or one name per process, so that two runs never share a database.

    A pytest started by a test (the testing kit's tests start one) inherits the environment;
    it gets a name of its own, or it would drop the database of the run that started it.
    """
    name = os.environ.get("SMARTPAY_TEST_DB_NAME")
    if not name:
        return f"test_django_smartpay_{os.getpid()}"
    return name if _FIRST_PROCESS == str(os.getpid()) else f"{name}_{os.getpid()}"


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Tests talk to the in-process simulator; the fixtures in conftest.py point the
# client at it.  The keys are well-formed test keys of the simulator's account.
SMARTPAY = {
    "SECRET_KEY": "sk_test_djangoSmartpayTests0001",
    "PUBLIC_KEY": "pk_test_djangoSmartpayTests0001",
    "API_BASE": "http://smartpay.simulator/v1",
}

# The optional SmartyPay app talks to its in-process simulator (the fixtures of
# django_smartpay.contrib.smartypay.testing route the client to it).
SMARTYPAY = {
    "API_KEY": "smartypay-test-key",
    "SECRET": "smartypay-test-secret",
    "MERCHANT_ID": "RgFw2p65CQn3pE8uriL53d",
    "BASE_URL": "http://smartypay.simulator",
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
# What django_smartpay's token charge tasks expect of a worker (checks smartpay.W101/W102).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
