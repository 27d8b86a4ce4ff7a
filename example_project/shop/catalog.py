"""What the example shop sells: one monthly plan and a few things bought once (prices in yen).

Names and descriptions are translatable: a checkout sends the name in the shopper's language
(what Smartpay shows on its page and receipt); "my account" shows the catalogue's name in the
language of the page, found from the slug the shop records with each order and schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Product:
    slug: str
    name: str | Promise
    price: int  # yen, tax included
    description: str | Promise


#: The subscription: a token checkout, then a monthly ChargeSchedule of the saved token.
PLAN = Product(
    slug="matcha-club",
    name=_("Matcha Club — monthly box"),
    price=1980,
    description=_("30 g of ceremonial matcha every month. Cancel at any time."),
)

#: One-off purchases: a standard checkout with manual capture (staff capture when it ships).
PRODUCTS = [
    Product("tea-set", _("Tea set"), 4800, _("A tea bowl, a whisk and a scoop.")),
    Product("hojicha", _("Hojicha, 100 g"), 1200, _("Roasted green tea from Kyoto.")),
]
PRODUCTS_BY_SLUG = {product.slug: product for product in PRODUCTS}

#: Where the demo ships to (a real shop asks the customer).
SHIPPING_ADDRESS = {
    "line1": "1-1-1 Marunouchi",
    "locality": "Chiyoda-ku",
    "administrativeArea": "Tokyo",
    "postalCode": "100-0005",
    "country": "JP",
}
SHIPPING_FEE = 500


def product_of_reference(reference: str) -> Product | None:
    """The product of an order the shop started (its reference is ``<slug>-<random hex>``)."""
    slug, _sep, _random = reference.rpartition("-")
    return PRODUCTS_BY_SLUG.get(slug)
