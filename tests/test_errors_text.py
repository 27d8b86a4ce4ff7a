"""errors_text: every client code and every Smartpay code that reaches people has a Japanese sentence,
unknown codes get a general one, and no sentence carries a secret."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

import django_smartpay
from django_smartpay import errors_text
from django_smartpay.client.errors import (
    SmartpayAuthenticationError,
    SmartpayConflictError,
    SmartpayConnectionError,
    SmartpayError,
    SmartpayInvalidRequestError,
    SmartpayNotFoundError,
    SmartpayRateLimitError,
    SmartpayServerError,
    SmartpayTimeoutError,
    SmartpayValidationError,
)
from django_smartpay.client.problems import PROBLEM_CODES, PROBLEM_TEXTS, Problem

PACKAGE = Path(django_smartpay.__file__).parent
SECRET = "sk_live_errorsTextSecret0001"
#: One value for every parameter name a problem uses.
SAMPLE = {
    "field": "amount",
    "other": "currency",
    "value": "percentage",
    "kind": "order",
    "minimum": 1,
    "maximum": 100,
    "length": 120,
    "count": 21,
    "allowed": "JPY",
    "shown": "'USD'",
    "prefix": "order",
    "mode": "test",
    "amount": -100,
    "names": "line1",
    "reason": "Object of type set is not JSON serializable",
}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_every_client_code_has_a_sentence():
    assert set(errors_text.PROBLEM_MESSAGES) == PROBLEM_CODES


@pytest.mark.parametrize("code", sorted(PROBLEM_CODES))
def test_every_client_code_is_translated_to_japanese(code):
    names = set(re.findall(r"{(\w+)", PROBLEM_TEXTS[code]))
    problem = Problem(code, {name: SAMPLE[name] for name in names})

    with translation.override("en"):
        english = errors_text.problem_text(problem)
    with translation.override("ja"):
        japanese = errors_text.problem_text(problem)

    assert english is not None and "%(" not in english
    assert japanese is not None and "%(" not in japanese
    assert japanese != english and JAPANESE.search(japanese), japanese
    if "amount" in english:
        assert "amount" in japanese  # the field a developer sent is named as sent


@pytest.mark.parametrize("code", sorted(errors_text.API_MESSAGES))
def test_every_smartpay_code_is_translated_to_japanese(code):
    error = SmartpayConflictError("Smartpay's English", status_code=409, error_code=code)
    with translation.override("ja"):
        text = errors_text.user_message(error)
    assert JAPANESE.search(text) and "English" not in text


def test_the_codes_the_simulator_answers_with_are_covered():
    """The error codes the simulator (our model of Smartpay) sends back all have a sentence."""
    sent = set()
    for path in (PACKAGE / "simulator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "ApiError"
                and len(node.args) > 1
            ):
                code = node.args[1]
                sent |= {code.value} if isinstance(code, ast.Constant) else set()
    # Not-found codes are built from the resource name (spec section 11).
    kinds = ["checkout-session", "order", "payment", "refund", "token", "coupon", "promotion-code"]
    sent |= {f"{kind}.not-found" for kind in [*kinds, "webhook-endpoint"]}
    # Codes of the simulator's own control API and of its faults, which no shopper meets.
    internal = {"simulator.fault", "simulator.busy", "fault.not-found", "delivery.not-found"}
    internal |= {"internal.error", "route.not-found", "request.method-not-allowed", "request.unsupported"}
    assert {"order.cannot-capture", "amount.insufficient", "request.invalid"} <= sent  # the scan works
    assert sent - internal - set(errors_text.API_MESSAGES) == set()


@pytest.mark.parametrize(
    ("error", "english"),
    [
        (SmartpayTimeoutError("read timed out"), "Smartpay did not answer in time."),
        (SmartpayConnectionError("refused"), "The connection to Smartpay failed."),
        (SmartpayRateLimitError("slow down", status_code=429), "Smartpay is receiving too many requests."),
        (SmartpayServerError("boom", status_code=500), "Smartpay is not working as expected."),
        (
            SmartpayAuthenticationError("bad key", status_code=401),
            "The shop's Smartpay keys are not accepted.",
        ),
        (SmartpayNotFoundError("gone", status_code=404, error_code="thing.not-found"), "does not exist"),
        (SmartpayConflictError("no", status_code=409, error_code="x.y"), "The current state of the object"),
        (SmartpayInvalidRequestError("no", status_code=400, error_code="x.y"), "found the request invalid"),
        (SmartpayError("no", status_code=418, error_code="tea.pot"), "The request could not be completed."),
    ],
)
def test_an_unknown_code_gets_the_sentence_of_its_kind_never_smartpays_message(error, english):
    error.message = f"{error.message} {SECRET}"
    with translation.override("en"):
        assert english in errors_text.user_message(error)
    with translation.override("ja"):
        japanese = errors_text.user_message(error)
    assert JAPANESE.search(japanese)
    assert SECRET not in japanese and error.message.split()[0] not in japanese


def test_a_refusal_of_the_services_shows_its_own_translated_text():
    """The services translate where they raise; their code is not a client code."""
    error = SmartpayValidationError("このスケジュールは一時停止できません。", code="schedule.cannot-pause")
    error.details = [error.message]

    assert errors_text.problem_texts(error) == [
        ("schedule.cannot-pause", "このスケジュールは一時停止できません。")
    ]


def test_parameters_that_do_not_fit_fall_back_to_the_details():
    error = SmartpayValidationError("Invalid", code="integer.too-small", params={"field": "amount"})

    assert errors_text.problem_text(error.problems[0]) is None
    assert errors_text.problem_texts(error) == [("integer.too-small", "amount must be at least {minimum}")]


def test_an_error_without_any_text_gets_the_general_sentence():
    with translation.override("ja"):
        [(code, text)] = errors_text.problem_texts(SmartpayValidationError())
    assert code == "invalid" and JAPANESE.search(text)


def test_a_secret_in_a_parameter_or_a_code_never_reaches_the_sentence():
    problem = Problem("value.required", {"field": f"metadata.{SECRET}"})
    error = SmartpayValidationError(code=f"{SECRET}", params={"field": SECRET})
    refused = SmartpayConflictError("no", status_code=409, error_code=SECRET)

    with translation.override("ja"):
        texts = [
            errors_text.problem_text(problem) or "",
            *(text for _code, text in errors_text.problem_texts(error)),
            errors_text.user_message(refused),
        ]
    assert all(SECRET not in text for text in texts), texts
    assert [code for code, _text in errors_text.problem_texts(error)] == ["invalid"]
    assert (
        errors_text.safe_code(SECRET) is None
        and errors_text.safe_code("order.not-found") == "order.not-found"
    )


def test_a_long_parameter_is_cut_short():
    problem = Problem("value.required", {"field": "x" * 500})
    assert len(errors_text.problem_text(problem) or "") < 200


def _codes_of_refusals(path: Path) -> list[tuple[int, str | None]]:
    """``(line, code)`` of each ``invalid(…)``/``_invalid(…)``/``SmartpayValidationError(…)`` call."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
            "invalid",
            "_invalid",
            "SmartpayValidationError",
        ):
            codes = [k.value for k in node.keywords if k.arg == "code"]
            code = codes[0].value if codes and isinstance(codes[0], ast.Constant) else None
            if codes and isinstance(codes[0], ast.Name):
                code = "<passed on>"  # the helpers pass their caller's code on
            found.append((node.lineno, code))
    return found


REFUSING_MODULES = [
    "services.py",
    "sync.py",
    *(f"charging/{p.name}" for p in (PACKAGE / "charging").glob("*.py")),
]


@pytest.mark.parametrize("module", REFUSING_MODULES)
def test_every_refusal_of_the_services_and_the_charging_engine_has_its_own_code(module):
    refusals = _codes_of_refusals(PACKAGE / module)
    codes = [code for _line, code in refusals]

    assert None not in codes, [line for line, code in refusals if code is None]
    assert set(codes) & PROBLEM_CODES == set()  # a client code would be rendered from parameters
    assert all(errors_text.safe_code(code) for code in codes if code != "<passed on>")


def test_the_scan_of_refusals_sees_them():
    assert len(_codes_of_refusals(PACKAGE / "charging" / "schedules.py")) >= 15
    assert "schedule.cannot-pause" in {
        code for _line, code in _codes_of_refusals(PACKAGE / "charging" / "schedules.py")
    }
