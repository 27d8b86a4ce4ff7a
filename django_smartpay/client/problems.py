"""Stable codes of the client's local validation problems, with their English text.

Every problem the client finds before sending a request is a :class:`Problem`: a code from
:data:`PROBLEM_TEXTS` and its parameters (``field`` names the argument, ``kind`` a type name,
``minimum``/``maximum`` a bound …).  ``str(problem)`` is the English sentence logs show; a
Django project renders the same code in the user's language (``django_smartpay.errors_text``).
Parameters name fields, types, bounds and enum values, never free text the caller passed.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: Every code a :class:`Problem` of the client may carry, with its English ``str.format`` template.
PROBLEM_TEXTS: Final[Mapping[str, str]] = {
    "value.required": "{field} is required",
    "value.empty": "{field} must not be empty",
    "value.not-allowed-in-token-mode": "{field} is not allowed when mode is 'token'",
    "value.not-allowed-with": "{field} is not allowed when {other} is {value}",
    "value.conflict": "{field} and {other} are both given and differ",
    "value.differs-from-payload": "{field} and payload {other} differ",
    "integer.invalid": "{field} must be an integer, not {kind}",
    "integer.fraction": "{field} must be an integer, not {kind} with a fraction",
    "integer.too-small": "{field} must be at least {minimum}",
    "integer.too-large": "{field} must be at most {maximum}",
    "number.invalid": "{field} must be a number, not {kind}",
    "number.not-finite": "{field} must be a finite number",
    "number.out-of-range": "{field} must be between {minimum} and {maximum}",
    "text.invalid": "{field} must be a str, not {kind}",
    "text.too-long": "{field} must be at most {maximum} characters (got {length})",
    "boolean.invalid": "{field} must be true or false, not {kind}",
    "choice.invalid": "{field} must be one of {allowed} (got {shown})",
    "mapping.invalid": "{field} must be a mapping, not {kind}",
    "mapping.too-many-keys": "{field} may have at most {maximum} keys (got {count})",
    "mapping.key-not-text": "{field} keys must be strings",
    "mapping.duplicate-key": "{field} is given twice (as {other} and in snake_case)",
    "list.invalid": "{field} must be a list, not {kind}",
    "list.too-long": "{field} may have at most {maximum} entries (got {count})",
    "list.item-not-text": "{field} must contain non-empty strings only",
    "datetime.naive": "{field} must be an aware datetime (with a time zone) or milliseconds",
    "date.is-datetime": "{field} must be a date, not a datetime",
    "date.invalid": "{field} must be a date written YYYY-MM-DD",
    "id.invalid": "{field} must be a {kind} id like {prefix}_test_…",
    "key.secret-invalid": "{field} must look like sk_test_… or sk_live_…",
    "key.public-invalid": "{field} must look like pk_test_… or pk_live_…",
    "key.mode-mismatch": "{field} is not a {mode} key like the secret_key",
    "idempotency-key.invalid": "{field} must be 1-{maximum} printable ASCII characters without spaces",
    "items.no-product": "{field} must contain at least one product item",
    "amount.negative-total": "{field} computed from items and shipping fee is negative ({amount})",
    "shipping.address-twice": "{field} has both an address and flat address fields ({names})",
    "promotion-code.token-order": "{field} is not supported for token orders",
    "update.empty": "give at least one field to update",
    "request.method-invalid": "{field} must be one of {allowed}",
    "request.path-invalid": "{field} must start with / (it is joined to api_base)",
    "request.not-json": "{reason}",
}
#: The codes of :data:`PROBLEM_TEXTS`: every code the client raises is one of these.
PROBLEM_CODES: Final = frozenset(PROBLEM_TEXTS)


class _Missing(dict[str, Any]):
    """Leaves ``{name}`` as written when a parameter is missing (never a ``KeyError``)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def english(code: str, params: Mapping[str, Any]) -> str:
    """The English sentence of ``code``; an unknown code is its own text (free-text details)."""
    template = PROBLEM_TEXTS.get(code)
    if template is None:
        return code
    try:
        return string.Formatter().vformat(template, (), _Missing(params))
    except (ValueError, IndexError, AttributeError):
        return template


@dataclass(frozen=True)
class Problem:
    """One problem of one call: a stable ``code`` and the ``params`` its text needs."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return english(self.code, self.params)


__all__ = ["PROBLEM_CODES", "PROBLEM_TEXTS", "Problem", "english"]
