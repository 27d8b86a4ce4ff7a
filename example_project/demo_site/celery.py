"""The example shop's Celery app, configured from the Django settings (``CELERY_*``).

Without ``CELERY_BROKER_URL`` the settings turn on ``CELERY_TASK_ALWAYS_EAGER``, so
token charges run inside the request that commits them and no worker is needed.
With a broker::

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 celery -A demo_site worker -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")

app = Celery("demo_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
