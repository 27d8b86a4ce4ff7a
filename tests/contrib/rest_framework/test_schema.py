"""The OpenAPI schema of the REST endpoints: it generates, lists every route, and is valid OpenAPI 3."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

EXPECTED = {
    "/api/smartpay/tokens/": {"get"},
    "/api/smartpay/tokens/checkout/": {"post"},
    "/api/smartpay/tokens/{id}/": {"get", "delete"},
    "/api/smartpay/tokens/{id}/disable/": {"post"},
    "/api/smartpay/tokens/{id}/enable/": {"post"},
    "/api/smartpay/orders/": {"get"},
    "/api/smartpay/orders/{id}/": {"get"},
    "/api/smartpay/schedules/": {"get", "post"},
    "/api/smartpay/schedules/{id}/": {"get"},
    "/api/smartpay/schedules/{id}/pause/": {"post"},
    "/api/smartpay/schedules/{id}/resume/": {"post"},
    "/api/smartpay/schedules/{id}/cancel/": {"post"},
    "/api/smartpay/schedules/{id}/token/": {"post"},
    "/api/smartpay/schedules/{id}/charges/": {"get"},
}
LISTS = [
    "/api/smartpay/tokens/",
    "/api/smartpay/orders/",
    "/api/smartpay/schedules/",
    "/api/smartpay/schedules/{id}/charges/",
]


@pytest.fixture
def schema(client):
    """The served document, and every warning or error drf-spectacular raised while generating it."""
    GENERATOR_STATS.reset()
    response = client.get("/api/smartpay/schema/", {"format": "json"})
    assert response.status_code == 200
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    return json.loads(response.content), problems


def test_schema_has_exactly_the_endpoints_of_the_package(schema):
    document, _warnings = schema
    methods = {
        path: {method for method in operations if method in ("get", "post", "put", "patch", "delete")}
        for path, operations in document["paths"].items()
    }
    assert methods == EXPECTED


def test_schema_is_valid_openapi_3_and_generates_without_warnings(schema):
    document, warnings = schema
    assert document["openapi"].startswith("3.")
    validate(document)
    assert warnings == []


def test_schema_describes_bodies_and_nested_objects(schema):
    document, _warnings = schema
    components = document["components"]["schemas"]
    checkout = document["paths"]["/api/smartpay/tokens/checkout/"]["post"]
    assert checkout["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/TokenCheckout")
    assert set(checkout["responses"]) == {"201"}
    assert components["Order"]["properties"]["payments"]["items"]["$ref"].endswith("/Payment")
    assert components["Payment"]["properties"]["refunds"]["items"]["$ref"].endswith("/Refund")
    assert document["paths"]["/api/smartpay/tokens/{id}/"]["get"]["parameters"][0]["schema"]["pattern"]


def test_every_list_is_documented_as_paginated_with_no_filter_parameter(schema):
    document, _warnings = schema
    components = document["components"]["schemas"]
    for path in LISTS:
        operation = document["paths"][path]["get"]
        query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert set(query) == {"cursor", "page_size"}, path
        assert (query["page_size"]["schema"]["minimum"], query["page_size"]["schema"]["maximum"]) == (1, 100)
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        page = components[page["$ref"].rpartition("/")[2]]
        assert set(page["properties"]) == {"next", "previous", "results"}, path
        assert page["properties"]["results"]["type"] == "array"
    schedule = components["ChargeSchedule"]["properties"]
    assert schedule["charges_url"]["format"] == "uri"
    assert "5 most recent" in schedule["charges"]["description"]
