"""Every local validation problem of the client has a stable code, parameters and its old English text."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

import django_smartpay.client
from django_smartpay.client import PROBLEM_CODES, Problem, SmartpayClient, SmartpayValidationError
from django_smartpay.client.problems import PROBLEM_TEXTS, english

CLIENT = Path(django_smartpay.client.__file__).parent
SECRET_KEY = "sk_test_problemCodes0001"


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def codes_raised_in_client() -> dict[str, list[str]]:
    """Each code the client's source passes to ``Problems.add``, ``fail`` or ``code=``, and where.

    A code that is not written as a literal is reported as ``"<not a literal>"``, so that every
    code stays visible to this scan.
    """
    found: dict[str, list[str]] = {}
    for path in sorted(CLIENT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            owner = getattr(node.func, "value", None)
            code = None
            if name == "add" and isinstance(owner, ast.Name) and owner.id == "p":
                code = _literal(node.args[0]) if node.args else None
                code = code or "<not a literal>"
            elif name == "fail":
                code = _literal(node.args[1]) if len(node.args) >= 2 else None
                code = code or "<not a literal>"
            for keyword in node.keywords:
                if keyword.arg == "code" and _literal(keyword.value) is not None:
                    code = _literal(keyword.value)
            if code is not None:
                found.setdefault(code, []).append(f"{path.name}:{node.lineno}")
    return found


def test_every_code_the_client_raises_is_registered_and_every_registered_code_is_raised():
    raised = codes_raised_in_client()

    assert set(raised) - PROBLEM_CODES == set(), raised
    assert PROBLEM_CODES - set(raised) == set()
    assert len(raised) == len(PROBLEM_TEXTS) > 30


def test_the_scanner_sees_the_call_shapes_of_the_client():
    """Guard of the test above: the scanner finds ``p.add``, ``v.fail`` and ``code=`` call sites."""
    raised = codes_raised_in_client()
    assert any(place.startswith("validation.py") for place in raised["value.required"])
    assert any(place.startswith("_base.py") for place in raised["update.empty"])
    assert any(place.startswith("transport.py") for place in raised["request.not-json"])


@pytest.mark.parametrize(
    ("call", "code", "params", "detail"),
    [
        (
            lambda c: c.create_refund("payment_test_abc", 0, "JPY", "requested_by_customer"),
            "integer.too-small",
            {"field": "amount", "minimum": 1},
            "amount must be at least 1",
        ),
        (
            lambda c: c.create_refund("payment_test_abc", Decimal("1.5"), "JPY", "requested_by_customer"),
            "integer.fraction",
            {"field": "amount", "kind": "Decimal"},
            "amount must be an integer, not Decimal with a fraction",
        ),
        (
            lambda c: c.get_order("payment_test_abc"),
            "id.invalid",
            {"field": "id", "kind": "order", "prefix": "order"},
            "id must be a order id like order_test_…",
        ),
        (
            lambda c: c.update_payment("payment_test_abc"),
            "update.empty",
            {},
            "give at least one field to update",
        ),
        (
            lambda c: c.list_orders(max_results=1000),
            "integer.too-large",
            {"field": "max_results", "maximum": 100},
            "max_results must be at most 100",
        ),
    ],
)
def test_a_validation_error_keeps_its_english_and_gains_a_code(call, code, params, detail):
    with SmartpayClient(SECRET_KEY) as client, pytest.raises(SmartpayValidationError) as info:
        call(client)
    error = info.value

    assert (error.code, error.params) == (code, params)
    assert error.details == [detail]
    assert error.error_code == "request.invalid" and error.status_code is None
    assert detail in str(error)


def test_every_problem_of_one_call_is_kept_with_its_code():
    with SmartpayClient(SECRET_KEY) as client, pytest.raises(SmartpayValidationError) as info:
        client.create_checkout_session(
            currency="JPY",
            items=[{"name": "Tea", "amount": 100, "kind": "discount"}],
            shipping_info={"line1": "1-1", "locality": "Shibuya"},
            success_url="https://shop.example/ok",
            cancel_url="https://shop.example/cancel",
        )
    problems = info.value.problems

    assert [(p.code, p.params["field"]) for p in problems] == [
        ("items.no-product", "items"),
        ("value.required", "shippingInfo.address.postalCode"),
        ("value.required", "shippingInfo.address.country"),
    ]
    assert info.value.details == [str(p) for p in problems]
    assert info.value.code == "items.no-product"


def test_parameters_are_redacted_like_the_details():
    """A currency that looks like a secret key is masked in the details and in the parameters."""
    with SmartpayClient(SECRET_KEY) as client, pytest.raises(SmartpayValidationError) as info:
        client.create_coupon(discount_type="amount", discount_amount=100, currency="sk_live_a1", name="x")
    problem = next(p for p in info.value.problems if p.params["field"] == "currency")

    assert problem.code == "choice.invalid"
    assert "sk_live_a1" not in repr(info.value.problems) + str(info.value)
    assert problem.params["shown"] == "'sk_***'"


def test_free_text_is_never_a_parameter():
    """A long caller value (maybe personal data) is named by its type, as in the English detail."""
    with SmartpayClient(SECRET_KEY) as client, pytest.raises(SmartpayValidationError) as info:
        client.list_orders(expand="Taro Yamada, 1-2-3 Shibuya, Tokyo, 090-1234-5678, taro@example.jp")

    assert info.value.params == {"field": "expand", "allowed": "all, no", "shown": "str"}


def test_the_english_of_a_code_and_of_unknown_codes():
    assert str(Problem("integer.too-small", {"field": "amount", "minimum": 1})) == "amount must be at least 1"
    assert english("value.required", {}) == "{field} is required"  # a missing parameter stays visible
    assert english("amount is bad", {}) == "amount is bad"  # a free-text detail of older code


def test_an_error_built_by_hand_keeps_working():
    """Code written against the old signature (message and details only) behaves as before."""
    error = SmartpayValidationError("Invalid", details=["amount is bad"])

    assert (error.message, error.details, error.problems, error.code, error.params) == (
        "Invalid",
        ["amount is bad"],
        (),
        None,
        {},
    )
    coded = SmartpayValidationError(code="value.required", params={"field": "amount"})
    assert (coded.message, coded.details, str(coded)) == (
        "amount is required",
        ["amount is required"],
        "[request.invalid] amount is required (amount is required)",
    )
