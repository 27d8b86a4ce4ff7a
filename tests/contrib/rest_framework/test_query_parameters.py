"""No list filters, searches or orders on anything a request names: hostile query strings learn nothing.

The view sets declare no filter backend, so ``?ordering=``, ``?search=`` and field lookups are
ignored (documented) even when the project's ``REST_FRAMEWORK`` turns those backends on by default.
"""

from __future__ import annotations

import pytest

from django_smartpay.contrib.rest_framework import urls
from django_smartpay.contrib.rest_framework.pagination import TimeCursorPagination

from .conftest import API
from .rows import seed_orders, seed_schedules, seed_tokens

pytestmark = pytest.mark.django_db

HOSTILE = [
    {"ordering": "idempotency_key"},
    {"ordering": "-token__user__password"},
    {"ordering": "user__password,-pk"},
    {"search": "pbkdf2"},
    {"search": "=idempotency_key"},
    {"signing_secret": "whsec_"},
    {"signing_secret__startswith": "a"},
    {"token__user__password__startswith": "pbkdf2"},
    {"user__password__regex": "^pbkdf2"},
    {"idempotency_key__startswith": "key-1"},
    {"user": "2"},
    {"user_id": "2"},
    {"status": "canceled"},
    {"reference__icontains": "'; DROP TABLE smartpay_order; --"},
    {"o": "1", "q": "x", "filter": "{}"},
]
LISTS = ["tokens/", "orders/", "schedules/"]


@pytest.fixture
def hostile_defaults(settings):
    """A project that turns on REST framework's ordering and search filters for every view."""
    settings.REST_FRAMEWORK = {
        "DEFAULT_FILTER_BACKENDS": [
            "rest_framework.filters.OrderingFilter",
            "rest_framework.filters.SearchFilter",
        ],
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
        "PAGE_SIZE": 100000,
    }


@pytest.fixture
def rows(alice, bob):
    for user in (alice, bob):
        seed_tokens(user, 4)
        seed_orders(user, 4)
        seed_schedules(user, 4, charges=2)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("params", HOSTILE, ids=lambda params: "&".join(params))
def test_hostile_parameters_are_ignored(rows, hostile_defaults, as_alice, path, params):
    baseline = as_alice.get(API + path).json()

    response = as_alice.get(API + path, params)

    assert response.status_code == 200
    assert response.json()["results"] == baseline["results"]


def test_a_schedules_charges_ignore_hostile_parameters(rows, hostile_defaults, as_alice):
    url = as_alice.get(API + "schedules/").json()["results"][0]["charges_url"]
    baseline = as_alice.get(url).json()["results"]

    for params in HOSTILE:
        assert as_alice.get(url, params).json()["results"] == baseline, params


def test_every_view_set_is_closed_by_default():
    """A view set added later inherits the closed defaults, or this test names it."""
    for _prefix, viewset, _basename in urls.router.registry:
        assert list(viewset.filter_backends) == [], viewset
        assert viewset.pagination_class is TimeCursorPagination, viewset
        for name in ("ordering_fields", "search_fields", "filterset_fields", "filterset_class"):
            assert not getattr(viewset, name, None), (viewset, name)
        assert [parser.media_type for parser in viewset.parser_classes] == ["application/json"]
        assert [renderer.media_type for renderer in viewset.renderer_classes] == ["application/json"]


def test_ids_in_urls_are_matched_not_looked_up(rows, as_alice):
    """Lookups cannot be smuggled through a URL: ids outside the id pattern never reach the database."""
    for path in (
        "tokens/paytok_test_u1__startswith/",
        "orders/order_test_x%25/",
        "orders/order_test_" + "a" * 60 + "/",
        "schedules/1__gt=0/",
        "schedules/-1/",
        "schedules/" + "9" * 19 + "/",
        "schedules/" + "9" * 19 + "/charges/",
        "schedules/1.0/",
    ):
        assert as_alice.get(API + path).status_code == 404, path
    assert as_alice.get(API + "schedules/" + "9" * 18 + "/").status_code == 404
