"""Request bodies: snake_case → camelCase, ``None`` pruning, loose → strict payloads.

A checkout session (or token order) payload may be written "strict" (exactly what the
API takes) or "loose" (the official SDKs' convenience form).  :func:`normalize_checkout_session`
and :func:`normalize_token_order` turn either into the strict form and validate it:

* ``customerInfo`` aliases ``email``/``phone``/``gender`` become ``emailAddress``/
  ``phoneNumber``/``legalGender``;
* each item gets ``quantity`` 1 when absent and the payload ``currency`` when it has none;
* ``amount`` is computed when absent: Σ sign·amount·quantity over the items (``discount``
  items carry a positive amount and subtract, ``tax`` and ``product`` add) plus
  ``shippingInfo.feeAmount``;
* a flat ``shippingInfo`` (``line1``, ``locality``, ``postalCode``, ``country`` … at its
  top level) is wrapped into ``{"address": {...}}`` and ``feeCurrency`` inherits the
  payload currency;
* ``promotionCode`` is taken out of the body (it is a URL parameter, spec §6);
* ``None`` values are dropped everywhere (the official SDK sends ``null`` for every
  absent key, spec §9 item 9).

Keys may be given in snake_case at any depth (``shipping_info={"fee_amount": 100}``);
they are converted, except the keys *inside* metadata objects, which are the caller's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from . import constants
from . import validation as v

#: Keys whose values are caller data: their own keys are never converted.
OPAQUE_KEYS: Final = frozenset({"metadata", "productMetadata", "priceMetadata"})

#: Fields of an Address (spec §2.1); these are what a flat ``shippingInfo`` carries.
ADDRESS_FIELDS: Final = (
    "line1",
    "line2",
    "line3",
    "line4",
    "line5",
    "subLocality",
    "locality",
    "administrativeArea",
    "postalCode",
    "country",
)
REQUIRED_ADDRESS_FIELDS: Final = ("line1", "locality", "postalCode", "country")

#: Loose customerInfo names and the canonical names they stand for.
CUSTOMER_ALIASES: Final[Mapping[str, str]] = {
    "email": "emailAddress",
    "phone": "phoneNumber",
    "gender": "legalGender",
}

_ITEM_SIGN: Final[Mapping[str, int]] = {
    constants.LINE_ITEM_KIND_PRODUCT: 1,
    constants.LINE_ITEM_KIND_TAX: 1,
    constants.LINE_ITEM_KIND_DISCOUNT: -1,
}


def camel_case(name: str) -> str:
    """``cancel_remainder`` → ``cancelRemainder``; camelCase and ``_private`` names unchanged."""
    if "_" not in name or name.startswith("_"):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camelize(value: Any) -> Any:
    """Convert mapping keys to camelCase recursively (not inside :data:`OPAQUE_KEYS`).

    Two keys that convert to the same name (``email_address`` and ``emailAddress``) are
    refused rather than letting one silently win.
    """
    if isinstance(value, Mapping):
        result: dict[Any, Any] = {}
        for key, item in value.items():
            new_key = camel_case(key) if isinstance(key, str) else key
            if new_key in result:
                raise v.fail("request", "mapping.duplicate-key", field=key, other=new_key)
            result[new_key] = item if new_key in OPAQUE_KEYS else camelize(item)
        return result
    if isinstance(value, list | tuple):
        return [camelize(item) for item in value]
    return value


def prune_none(value: Any) -> Any:
    """Drop ``None`` values from mappings, recursively (lists keep their length)."""
    if isinstance(value, Mapping):
        return {key: prune_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [prune_none(item) for item in value]
    return value


def build_body(**fields: Any) -> dict[str, Any]:
    """A request body from snake_case keyword arguments: camelCase keys, no ``None``."""
    return prune_none(camelize(fields))


def merge_payload(
    operation: str, payload: Mapping[str, Any] | None, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """A payload mapping plus keyword arguments (which win), camelCased and pruned."""
    if payload is not None and not isinstance(payload, Mapping):
        raise v.fail(operation, "mapping.invalid", field="payload", kind=type(payload).__name__)
    merged: dict[str, Any] = camelize(dict(payload or {}))
    merged.update(camelize(dict(fields)))
    return prune_none(merged)


def pop_idempotency_key(operation: str, data: dict[str, Any], given: str | None) -> str | None:
    """Take a Node-style ``idempotencyKey`` out of a payload (it is a header, not a field)."""
    in_payload = data.pop("idempotencyKey", None)
    if in_payload is not None and given is not None and in_payload != given:
        raise v.fail(operation, "value.differs-from-payload", field="idempotency_key", other="idempotencyKey")
    return v.idempotency_key(operation, given if given is not None else in_payload)


# -- pieces ----------------------------------------------------------------------------------


def normalize_customer(p: v.Problems, value: object, field: str = "customerInfo") -> dict[str, Any]:
    """Canonical customerInfo (aliases mapped, date of birth as text); ``{}`` when absent."""
    customer = v.mapping(p, field, value)
    if customer is None:
        return {}
    for alias, canonical in CUSTOMER_ALIASES.items():
        if alias not in customer:
            continue
        alias_value = customer.pop(alias)
        if canonical in customer and customer[canonical] != alias_value:
            p.add("value.conflict", field=f"{field}.{alias}", other=f"{field}.{canonical}")
        else:
            customer[canonical] = alias_value
    for name in ("emailAddress", "phoneNumber", "firstName", "lastName", "firstNameKana", "lastNameKana"):
        v.text(p, f"{field}.{name}", customer.get(name), allow_empty=True)
    v.choice(p, f"{field}.legalGender", customer.get("legalGender"), constants.LEGAL_GENDERS)
    age = v.integer(p, f"{field}.accountAge", customer.get("accountAge"))
    if age is not None:
        customer["accountAge"] = age
    birth = v.date_of_birth(p, f"{field}.dateOfBirth", customer.get("dateOfBirth"))
    if birth is not None:
        customer["dateOfBirth"] = birth
    if customer.get("address") is not None:
        v.mapping(p, f"{field}.address", customer["address"])
    return customer


def normalize_shipping(
    p: v.Problems, value: object, currency: str | None, field: str = "shippingInfo"
) -> tuple[dict[str, Any] | None, int]:
    """Canonical shippingInfo and its fee (0 when none).  A flat address is wrapped."""
    shipping = v.mapping(p, field, value, required=True)
    if shipping is None:
        return None, 0
    flat: dict[str, Any] = {key: shipping.pop(key) for key in ADDRESS_FIELDS if key in shipping}
    if "address" in shipping:
        if flat:
            p.add("shipping.address-twice", field=field, names=", ".join(flat))
        address = v.mapping(p, f"{field}.address", shipping["address"], required=True)
    else:
        address = flat
    if address is not None:
        for name in REQUIRED_ADDRESS_FIELDS:
            if address.get(name) is None:
                p.add("value.required", field=f"{field}.address.{name}")
            else:
                v.text(p, f"{field}.address.{name}", address[name], allow_empty=True)
        shipping["address"] = address
    v.choice(p, f"{field}.addressType", shipping.get("addressType"), constants.ADDRESS_TYPES)
    fee = v.amount(p, f"{field}.feeAmount", shipping.get("feeAmount"))
    if fee is not None:
        shipping["feeAmount"] = fee
    if shipping.get("feeCurrency") is not None:
        shipping["feeCurrency"] = v.currency(p, f"{field}.feeCurrency", shipping["feeCurrency"])
    elif fee is not None and currency is not None:
        shipping["feeCurrency"] = currency
    return shipping, fee or 0


def normalize_items(
    p: v.Problems, value: object, currency: str | None
) -> tuple[list[dict[str, Any]], int | None]:
    """Canonical items and Σ sign·amount·quantity (``None`` when an item is invalid)."""
    items = v.sequence(p, "items", value, required=True, max_items=v.MAX_ITEMS)
    if items is None:
        return [], None
    result: list[dict[str, Any]] = []
    total: int | None = 0
    products = 0
    for index, raw in enumerate(items):
        field = f"items[{index}]"
        item = v.mapping(p, field, raw, required=True)
        if item is None:
            total = None
            continue
        problems_before = len(p.details)
        v.text(p, f"{field}.name", item.get("name"), required=True)
        unit = v.amount(p, f"{field}.amount", item.get("amount"), required=True)
        quantity = v.integer(p, f"{field}.quantity", item.get("quantity", 1))
        if unit is not None:
            item["amount"] = unit
        if quantity is not None:
            item["quantity"] = quantity
        kind = v.choice(p, f"{field}.kind", item.get("kind"), constants.LINE_ITEM_KINDS)
        if item.get("currency") is not None:
            item["currency"] = v.currency(p, f"{field}.currency", item["currency"])
        elif currency is not None:
            item["currency"] = currency
        v.string_list(p, f"{field}.images", item.get("images"), max_items=v.MAX_IMAGES)
        v.string_list(p, f"{field}.categories", item.get("categories"))
        for name in ("metadata", "productMetadata", "priceMetadata"):
            v.metadata(p, f"{field}.{name}", item.get(name))
        if (kind or constants.LINE_ITEM_KIND_PRODUCT) == constants.LINE_ITEM_KIND_PRODUCT:
            products += 1
        if len(p.details) > problems_before or unit is None or quantity is None:
            total = None
        elif total is not None:
            total += _ITEM_SIGN[kind or constants.LINE_ITEM_KIND_PRODUCT] * unit * quantity
        result.append(item)
    if items and products == 0:
        p.add("items.no-product", field="items")
    return result, total


def _order_fields(p: v.Problems, data: dict[str, Any]) -> None:
    """Validate and normalise, in place, what checkout sessions and token orders share."""
    currency = v.currency(p, "currency", data.get("currency"), required=True)
    if currency is not None:
        data["currency"] = currency
    items, items_total = normalize_items(p, data.get("items"), currency)
    data["items"] = items
    shipping, fee = normalize_shipping(p, data.get("shippingInfo"), currency)
    if shipping is not None:
        data["shippingInfo"] = shipping
    data["customerInfo"] = normalize_customer(p, data.get("customerInfo"))
    if data.get("amount") is not None:
        given = v.amount(p, "amount", data["amount"])
        if given is not None:
            data["amount"] = given
    elif items_total is not None and not p:
        computed = items_total + fee
        if computed < 0:
            p.add("amount.negative-total", field="amount", amount=computed)
        data["amount"] = computed
    v.choice(p, "captureMethod", data.get("captureMethod"), constants.CAPTURE_METHODS)
    v.text(p, "reference", data.get("reference"), max_length=v.MAX_REFERENCE_LENGTH)
    v.text(p, "description", data.get("description"), max_length=v.MAX_DESCRIPTION_LENGTH)
    v.metadata(p, "metadata", data.get("metadata"))


# -- whole payloads --------------------------------------------------------------------------


def normalize_checkout_session(data: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Strict body of ``POST /checkout-sessions`` and the client-side promotion code.

    ``data`` is already camelCased and pruned (see :func:`merge_payload`).  A payload with
    ``mode`` is a token checkout, validated by its own rules.
    """
    body = dict(data)
    p = v.Problems("create_checkout_session")
    promotion_code = v.text(
        p, "promotionCode", body.pop("promotionCode", None), max_length=v.MAX_PROMOTION_CODE_LENGTH
    )
    if body.get("mode") is not None:
        _token_session(p, body)
    else:
        _order_fields(p, body)
        v.text(p, "successUrl", body.get("successUrl"), required=True)
        v.text(p, "cancelUrl", body.get("cancelUrl"), required=True)
        v.choice(p, "locale", body.get("locale"), constants.LOCALES)
    p.raise_if_any()
    return body, promotion_code


def _token_session(p: v.Problems, body: dict[str, Any]) -> None:
    """``mode: "token"``: successUrl and cancelUrl required; no items, amount or shipping."""
    v.choice(p, "mode", body.get("mode"), constants.CHECKOUT_MODES)
    v.text(p, "successUrl", body.get("successUrl"), required=True)
    v.text(p, "cancelUrl", body.get("cancelUrl"), required=True)
    for name in ("items", "amount", "shippingInfo"):
        if name in body:
            p.add("value.not-allowed-in-token-mode", field=name)
    if "customerInfo" in body:
        body["customerInfo"] = normalize_customer(p, body["customerInfo"])
    v.choice(p, "locale", body.get("locale"), constants.LOCALES)
    v.text(p, "reference", body.get("reference"), max_length=v.MAX_REFERENCE_LENGTH)
    v.text(p, "description", body.get("description"), max_length=v.MAX_DESCRIPTION_LENGTH)
    v.metadata(p, "metadata", body.get("metadata"))


def normalize_token_order(data: Mapping[str, Any]) -> dict[str, Any]:
    """Strict body of ``POST /orders`` (an order charged to an active token)."""
    body = dict(data)
    p = v.Problems("create_order")
    v.object_id(p, "token", body.get("token"), "token")
    if "promotionCode" in body:
        p.add("promotion-code.token-order", field="promotionCode")
    _order_fields(p, body)
    p.raise_if_any()
    return body
