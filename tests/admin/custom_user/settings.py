"""The suite's settings with a custom user model that has no ``email`` field."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.admin.custom_user"]  # noqa: F405
AUTH_USER_MODEL = "custom_user.Clerk"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
