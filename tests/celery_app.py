"""The Celery app of the test suite and the benches: configured from Django settings (``CELERY_*``).

``celery -A tests.celery_app worker`` runs a worker against ``DJANGO_SETTINGS_MODULE``
(``tests.settings`` by default).  Importing this module makes the app the current
one, so ``shared_task`` tasks bind to it (eager when ``CELERY_TASK_ALWAYS_EAGER``).
"""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

app = Celery("django_smartpay_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["django_smartpay"])


@task_prerun.connect
@task_postrun.connect
def close_old_connections(sender: Any = None, **kwargs: Any) -> None:
    """Around each task, drop a database connection that is broken or older than ``CONN_MAX_AGE``.

    Celery's Django fix-up closes connections around every task unless
    ``CELERY_DB_REUSE_MAX`` is set, and then only every 2 x that many tasks, without
    looking at them; with it set (the benches), this applies Django's own rules instead,
    as a request would: a connection that raised a database error and is no longer
    usable is replaced before the next task.  Eager tasks run inside the caller's
    transaction and are left alone.
    """
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections as close

    close()
