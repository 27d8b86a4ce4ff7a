"""Django settings of the charge benches (and of their Celery workers), from environment variables.

Based on ``tests.settings``; ``SMARTPAY_BENCH_*`` variables choose the database
(``SMARTPAY_BENCH_DATABASE_URL`` postgres://…, or ``SMARTPAY_BENCH_SQLITE`` a file),
the Smartpay API base (the simulator server), the broker, the queue and the Redis key
prefix, so that a bench never touches anything but its own database and keys.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import database_from_url

_env = os.environ.get

if _env("SMARTPAY_BENCH_DATABASE_URL"):
    DATABASES = {"default": database_from_url(_env("SMARTPAY_BENCH_DATABASE_URL"))}
    DATABASES["default"]["CONN_MAX_AGE"] = 300
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _env("SMARTPAY_BENCH_SQLITE", ":memory:")}
    }

SMARTPAY = {
    "SECRET_KEY": _env("SMARTPAY_BENCH_SECRET_KEY", "sk_test_benchTokenCharges0001"),
    "API_BASE": _env("SMARTPAY_BENCH_API_BASE", "http://smartpay.simulator/v1"),
    "TIMEOUT": (2.0, float(_env("SMARTPAY_BENCH_READ_TIMEOUT", "5"))),
    "MAX_RETRIES": int(_env("SMARTPAY_BENCH_MAX_RETRIES", "2")),
}

CELERY_BROKER_URL = _env("SMARTPAY_BENCH_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = _env("SMARTPAY_BENCH_QUEUE", "smartpay-bench")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(_env("SMARTPAY_BENCH_VISIBILITY_TIMEOUT", "3600")),
    "global_keyprefix": _env("SMARTPAY_BENCH_KEY_PREFIX", "smartpay-bench:"),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fix-up closes every database connection before and after each task
# (``CONN_MAX_AGE`` is not consulted), so without this every charge would pay for a new
# PostgreSQL connection: a backend fork in the server and a handshake in the worker.
# With it, a worker process closes its connection every 2 x 1000 tasks only; production
# workers want the same (``CELERY_DB_REUSE_MAX`` together with ``CONN_MAX_AGE``).
CELERY_DB_REUSE_MAX = int(_env("SMARTPAY_BENCH_DB_REUSE_MAX", "1000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("SMARTPAY_BENCH_LOG_LEVEL", "WARNING")},
}
