"""The simulator-backed ``api`` and ``user`` fixtures, defined once in :mod:`tests.sync.conftest`."""

from tests.sync.conftest import api, user  # noqa: F401
