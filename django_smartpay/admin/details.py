"""The order page as support staff read it: what was bought, where it goes, the money that moved.

Everything here reads rows and JSON already stored (Smartpay's objects are not fetched
again), escapes every value, and copes with JSON of any shape: a field that is missing or
of the wrong type is left out, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import CheckoutSession, Order, Payment, Refund, TokenCharge
from ..models.money import format_amount
from .display import EMPTY, admin_url, when

#: The most payments and refunds listed on one order page (an order has a few in practice).
MAX_LISTED = 50


@dataclass(frozen=True)
class LineItem:
    name: str
    quantity: int
    unit_amount: int
    currency: str
    discount: bool = False

    @property
    def total(self) -> int:
        return self.unit_amount * self.quantity * (-1 if self.discount else 1)


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _from_api(item: dict[str, Any]) -> LineItem:
    """A line item object of Smartpay (``kind``, ``amount``, ``quantity``, ``price.product.name``)."""
    price = _dict(item.get("price"))
    product = _dict(price.get("product"))
    name = _text(product.get("name")) or _text(item.get("name")) or _text(item.get("description"))
    return LineItem(
        name=name or _text(item.get("id")) or EMPTY,
        quantity=_int(item.get("quantity"), 1),
        unit_amount=_int(item.get("amount"), _int(price.get("amount"))),
        currency=_text(item.get("currency")) or "JPY",
        discount=item.get("kind") == "discount",
    )


def _from_request(item: dict[str, Any], currency: str) -> LineItem:
    """An item as the shop sent it when charging a token (``name``, ``amount``, ``quantity``)."""
    return LineItem(
        name=_text(item.get("name")) or _text(item.get("description")) or EMPTY,
        quantity=_int(item.get("quantity"), 1),
        unit_amount=_int(item.get("amount")),
        currency=_text(item.get("currency")) or currency,
        discount=item.get("kind") == "discount",
    )


def _expanded(value: Any) -> list[dict[str, Any]] | None:
    """``value`` when it is a list of expanded objects, else ``None`` (ids only, or nothing)."""
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return value
    return None


def line_items(order: Order) -> list[LineItem]:
    """What the order bought, from the fullest copy stored: the order, its checkout session, its charge."""
    found = _expanded((order.data or {}).get("lineItems"))
    if found is None:
        for data in CheckoutSession.objects.filter(order_id=order.smartpay_id).values_list("data", flat=True)[
            :5
        ]:
            nested = data.get("order") if isinstance(data, dict) else None
            found = _expanded(nested.get("lineItems")) if isinstance(nested, dict) else None
            if found is not None:
                break
    if found is not None:
        return [_from_api(item) for item in found]
    charge = TokenCharge.objects.filter(order_id=order.smartpay_id).only("items", "currency").first()
    if charge is not None and isinstance(charge.items, list):
        return [_from_request(item, charge.currency) for item in charge.items if isinstance(item, dict)]
    ids = (order.data or {}).get("lineItems")
    return [
        LineItem(name=item, quantity=1, unit_amount=0, currency=order.currency)
        for item in (ids if isinstance(ids, list) else [])
        if isinstance(item, str)
    ]


def items_table(
    items: list[LineItem], currency: str, total: int, *, fee: int = 0, discount: int = 0
) -> SafeString:
    """A table of items with quantity, unit price and subtotal, then shipping, discount and total."""
    if not items:
        return format_html("{}", EMPTY)
    rows = format_html_join(
        "",
        '<tr><td>{}</td><td class="smartpay-n">{}</td><td class="smartpay-n">{}</td>'
        '<td class="smartpay-n">{}</td></tr>',
        (
            (
                item.name,
                item.quantity,
                format_amount(item.unit_amount, item.currency),
                format_amount(item.total, item.currency),
            )
            for item in items
        ),
    )
    extra = SafeString("")
    for label, amount in ((_("Shipping"), fee), (_("Discount"), -discount)):
        if amount:
            extra = format_html(
                '{}<tr><td colspan="3">{}</td><td class="smartpay-n">{}</td></tr>',
                extra,
                label,
                format_amount(amount, currency),
            )
    return format_html(
        '<table class="smartpay-items"><thead><tr><th>{}</th><th class="smartpay-n">{}</th>'
        '<th class="smartpay-n">{}</th><th class="smartpay-n">{}</th></tr></thead><tbody>{}{}'
        '<tr class="smartpay-total"><td colspan="3">{}</td><td class="smartpay-n">{}</td></tr>'
        "</tbody></table>",
        _("Item"),
        _("Quantity"),
        _("Price"),
        _("Subtotal"),
        rows,
        extra,
        _("Total"),
        format_amount(total, currency),
    )


def line_items_html(order: Order) -> SafeString:
    data = _dict(order.data)
    return items_table(
        line_items(order),
        order.currency,
        order.amount,
        fee=_int(_dict(data.get("shippingInfo")).get("feeAmount")),
        discount=_int(data.get("discountAmount")),
    )


def payload_items_html(row: Any) -> SafeString:
    """The items a token charge or a charge schedule sends (``ChargePayload.items``)."""
    items = row.items if isinstance(row.items, list) else []
    return items_table(
        [_from_request(item, row.currency) for item in items if isinstance(item, dict)],
        row.currency,
        row.amount,
        fee=_int(_dict(row.shipping_info).get("feeAmount")),
    )


#: Address fields in the order a Japanese address is written (postal code first, then larger to smaller).
ADDRESS_LINES = (
    ("administrativeArea", "locality", "subLocality"),
    ("line1",),
    ("line2",),
    ("line3",),
    ("line4",),
    ("line5",),
)


def address_lines(address: Any) -> list[str]:
    """The lines of a Smartpay address as they go on an envelope (empty parts left out)."""
    if not isinstance(address, dict):
        return []
    lines = []
    postal = _text(address.get("postalCode")).strip()
    if postal:
        lines.append(f"〒{postal}")
    for names in ADDRESS_LINES:
        parts = [_text(address.get(name)).strip() for name in names]
        line = " ".join(part for part in parts if part)
        if line:
            lines.append(line)
    country = _text(address.get("country")).strip()
    if country and country.upper() != "JP":
        lines.append(country)
    return lines


def address_html(shipping: Any) -> SafeString:
    """A ``shippingInfo`` object as an address block (``—`` when it has none)."""
    shipping = _dict(shipping)
    lines = address_lines(shipping.get("address"))
    if not lines:
        return format_html("{}", EMPTY)
    body = format_html_join(SafeString("<br>"), "{}", ((line,) for line in lines))
    carrier = _text(shipping.get("carrierName")).strip()
    if carrier:
        body = format_html("{}<br>{}", body, _("Carrier: %(carrier)s") % {"carrier": carrier})
    return format_html('<address class="smartpay-address">{}</address>', body)


def shipping_html(order: Order) -> SafeString:
    return address_html(_dict(order.data).get("shippingInfo"))


def _linked(obj: models.Model, text: str) -> SafeString:
    url = admin_url(obj)
    return format_html('<a href="{}">{}</a>', url, text) if url else format_html("{}", text)


def money_html(order: Order) -> SafeString:
    """Every payment (capture) of the order with its refunds, amounts and dates (two queries)."""
    payments = list(
        Payment.objects.filter(order_id=order.smartpay_id).order_by("smartpay_created", "pk")[:MAX_LISTED]
    )
    if not payments:
        return format_html("{}", _("No payment yet."))
    refunds: dict[str, list[Refund]] = {}
    for refund in Refund.objects.filter(payment__in=[p.smartpay_id for p in payments]).order_by(
        "smartpay_created", "pk"
    )[:MAX_LISTED]:
        refunds.setdefault(refund.payment_id or "", []).append(refund)
    rows: list[SafeString] = []
    for payment in payments:
        rows.append(
            format_html(
                '<tr class="smartpay-payment"><td>{}</td><td>{}</td><td>{}</td><td class="smartpay-n">{}</td>'
                "<td>{}</td></tr>",
                _("Payment"),
                _linked(payment, payment.smartpay_id),
                when(payment.smartpay_created),
                format_amount(payment.amount, payment.currency),
                payment.get_status_display() or EMPTY,
            )
        )
        for refund in refunds.get(payment.smartpay_id, []):
            reason = refund.get_reason_display()
            rows.append(
                format_html(
                    '<tr class="smartpay-refund"><td>{}</td><td>{}</td><td>{}</td>'
                    '<td class="smartpay-n">{}</td><td>{}</td></tr>',
                    _("Refund"),
                    _linked(refund, refund.smartpay_id),
                    when(refund.smartpay_created),
                    format_amount(-refund.amount, refund.currency),
                    f"{refund.get_status_display() or EMPTY}{' · ' + str(reason) if reason else ''}",
                )
            )
    return format_html(
        '<table class="smartpay-money"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
        '<th class="smartpay-n">{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>',
        _("What"),
        _("Smartpay ID"),
        _("When"),
        _("Amount"),
        _("Status"),
        format_html_join("", "{}", ((row,) for row in rows)),
    )


def charge_html(order: Order) -> SafeString:
    """The token charge (and its schedule) that made the order, when a saved token paid it."""
    charge = TokenCharge.objects.filter(order_id=order.smartpay_id).select_related("schedule").first()
    if charge is None:
        return format_html("{}", EMPTY)
    text = _linked(charge, charge.reference)
    if charge.schedule is not None:
        text = format_html("{} ({})", text, _linked(charge.schedule, str(charge.schedule)))
    return text
