"""Settings of the example shop: embedded defaults, nothing to install or configure.

SQLite beside this file, Celery eager unless ``CELERY_BROKER_URL`` is set, and the
Smartpay simulator on 127.0.0.1:8765 (``manage.py demo`` starts it).  Any well-formed
test key is an account of its own in the simulator, so the keys below need no sign-up.

Environment variables (all optional): ``DEMO_DATABASE`` (SQLite file),
``SMARTPAY_SIMULATOR_HOST``/``SMARTPAY_SIMULATOR_PORT``, ``SMARTPAY_API_BASE``,
``SMARTPAY_SECRET_KEY``/``SMARTPAY_PUBLIC_KEY``, ``CELERY_BROKER_URL``,
``DJANGO_DEBUG``, ``DJANGO_SECRET_KEY``.
"""

import os
from importlib.util import find_spec
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-example-project-only")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_smartpay",
    "shop",
]
# The REST API's browsable docs (/api/smartpay/docs/): Swagger UI served from these packages'
# static files, never from a CDN.  Without drf-spectacular-sidecar the page says how to get it.
OFFLINE_API_DOCS = (
    find_spec("drf_spectacular") is not None and find_spec("drf_spectacular_sidecar") is not None
)
if OFFLINE_API_DOCS:
    INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", str(BASE_DIR / "db.sqlite3")),
        # The shop and the simulator's webhooks write at the same time: wait for the lock,
        # and take it at the start of each transaction rather than upgrading mid-way.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}

# English and Japanese: the browser's Accept-Language, or the language switch in the header.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "shop:login"
LOGIN_REDIRECT_URL = "shop:home"
LOGOUT_REDIRECT_URL = "shop:home"

SIMULATOR_HOST = os.environ.get("SMARTPAY_SIMULATOR_HOST", "127.0.0.1")
SIMULATOR_PORT = int(os.environ.get("SMARTPAY_SIMULATOR_PORT", "8765"))

SMARTPAY = {
    "SECRET_KEY": os.environ.get("SMARTPAY_SECRET_KEY", "sk_test_exampleShopDemo0000000001"),
    "PUBLIC_KEY": os.environ.get("SMARTPAY_PUBLIC_KEY", "pk_test_exampleShopDemo0000000001"),
    "API_BASE": os.environ.get("SMARTPAY_API_BASE", f"http://{SIMULATOR_HOST}:{SIMULATOR_PORT}/v1"),
    # Token checkouts started through the REST API (/api/smartpay/tokens/checkout/) come back here.
    "CHECKOUT_SUCCESS_URL": "/account/",
    "CHECKOUT_CANCEL_URL": "/account/",
}
# ``manage.py demo`` registers the shop's webhook URL with the simulator, which stores the
# endpoint's signing secret on its WebhookEndpoint row; WEBHOOK_SECRETS can stay empty.
SILENCED_SYSTEM_CHECKS = ["smartpay.W002"]

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = "CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = True
