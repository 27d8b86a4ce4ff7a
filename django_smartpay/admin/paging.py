"""Changelist pages that never count the whole table.

Django's paginator runs ``COUNT(*)`` over every matching row, on each page view: on a
table of webhook events that cost grows without end.  :class:`BoundedPaginator` counts at
most a few pages beyond the one shown (``COUNT`` over a ``LIMIT`` subquery), so the cost of
a page depends on how deep it is, not on the table; the page says "more than N" instead.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

#: How many pages beyond the one shown are counted (and linked).
PAGES_AHEAD = 10
#: The deepest page a query string may ask for; deeper is an invalid page (the changelist's ``?e=1``).
MAX_PAGE = 100_000


class BoundedPaginator(Paginator):
    """A paginator whose ``count`` stops at ``limit`` + 1 rows (``bounded`` tells whether it did)."""

    def __init__(self, object_list: Any, per_page: int | str, *args: Any, limit: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.limit = limit

    @cached_property
    def count(self) -> int:
        """The rows matching, up to ``limit`` + 1 (one statement: ``COUNT`` over a ``LIMIT`` subquery)."""
        object_list: Any = self.object_list
        if hasattr(object_list, "count") and not isinstance(object_list, list | tuple):
            return int(object_list[: self.limit + 1].count())
        return min(len(object_list), self.limit + 1)

    @property
    def bounded(self) -> bool:
        """Whether there are more rows than were counted."""
        return self.count > self.limit


def page_number(value: Any) -> int:
    """The page a query string asks for, as the changelist reads it (1 when it is not a number)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, MAX_PAGE))


def paginator_for(queryset: Any, per_page: int, page: Any, **kwargs: Any) -> BoundedPaginator:
    """A paginator counting up to :data:`PAGES_AHEAD` pages beyond ``page`` (its ``p`` parameter)."""
    limit = (page_number(page) + PAGES_AHEAD) * int(per_page)
    return BoundedPaginator(queryset, per_page, limit=limit, **kwargs)
