"""What the example shop sells: one monthly plan and a few things bought once (prices in yen)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    price: int  # yen, tax included
    description: str


#: The subscription: a token checkout, then a monthly ChargeSchedule of the saved token.
PLAN = Product(
    slug="matcha-club",
    name="Matcha Club 抹茶クラブ — monthly box",
    price=1980,
    description="30 g of ceremonial matcha every month. Cancel at any time.",
)

#: One-off purchases: a standard checkout with manual capture (staff capture when it ships).
PRODUCTS = [
    Product("tea-set", "Tea set 茶器セット", 4800, "A tea bowl, a whisk and a scoop."),
    Product("hojicha", "Hojicha ほうじ茶 100 g", 1200, "Roasted green tea from Kyoto."),
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
