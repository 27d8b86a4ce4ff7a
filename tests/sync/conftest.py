"""Helpers of the sync tests (the ``api`` and ``user`` fixtures are the suite's, in tests/conftest.py)."""

from __future__ import annotations

import copy
from typing import Any


def with_fields(data: dict, **fields: Any) -> dict:
    """A copy of a real API object with some fields replaced or added."""
    result = copy.deepcopy(data)
    result.update(fields)
    return result
