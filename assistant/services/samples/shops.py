"""Sample shops: coffee chains with sized drinks, and fruit, flower and food delivery."""

from __future__ import annotations

from typing import Any

from ...errors import ServiceError
from ..invoke import CallContext, Handler
from ..store import insert_order

__all__ = ["COFFEE_HANDLERS", "DRINKS", "SHOP_HANDLERS", "SIZES"]

SIZES = ("small", "medium", "large")

# shop → drink → prices in yuan for small, medium, large
DRINKS: dict[str, dict[str, tuple[int, int, int]]] = {
    "starbucks": {
        "latte": (31, 34, 37),
        "cappuccino": (31, 34, 37),
        "americano": (27, 30, 33),
        "mocha": (34, 37, 40),
        "espresso": (24, 27, 30),
        "flat white": (35, 38, 41),
        "macchiato": (35, 38, 41),
        "hot chocolate": (30, 33, 36),
        "green tea": (33, 36, 39),
        "orange juice": (25, 25, 25),
    },
    "luckin": {
        "latte": (24, 27, 30),
        "cappuccino": (24, 27, 30),
        "americano": (21, 24, 27),
        "mocha": (27, 30, 33),
        "espresso": (18, 21, 24),
        "flat white": (27, 30, 33),
        "macchiato": (27, 30, 33),
        "hot chocolate": (24, 27, 30),
        "green tea": (26, 29, 32),
        "milk tea": (22, 25, 28),
        "orange juice": (22, 25, 28),
    },
    "mcdonalds": {
        "latte": (18, 21, 24),
        "cappuccino": (18, 21, 24),
        "americano": (14, 16, 18),
        "mocha": (20, 23, 26),
        "espresso": (12, 12, 12),
        "hot chocolate": (16, 19, 22),
        "milk tea": (12, 14, 16),
        "orange juice": (12, 14, 16),
    },
    "kfc": {
        "latte": (16, 19, 22),
        "cappuccino": (16, 19, 22),
        "americano": (12, 14, 16),
        "mocha": (19, 22, 25),
        "hot chocolate": (15, 18, 21),
        "milk tea": (13, 15, 17),
        "orange juice": (13, 15, 17),
    },
}
_COFFEE = {
    "starbucks": ("SB", 6),
    "luckin": ("LK", 4),
    "mcdonalds": ("MC", 5),
    "kfc": ("KF", 5),
}
_FOOD = {
    "mcdonalds": {"big mac": 25, "mcchicken": 19, "fries": 12, "chicken mcnuggets": 14},
    "kfc": {
        "zinger burger": 23,
        "original recipe chicken": 12,
        "popcorn chicken": 12,
        "egg tart": 8,
    },
}

# shop → item → price in yuan; (order number prefix, minutes to deliver)
_CATALOGS: dict[str, dict[str, float]] = {
    "pagoda": {
        "strawberries 500g": 39.9,
        "mangoes 1kg": 29.8,
        "durian 1 whole": 168.0,
        "cherries 500g": 69.0,
        "watermelon half": 22.8,
        "blueberries 125g": 19.9,
        "fruit platter": 49.0,
    },
    "flowerplus": {
        "red roses (11)": 199.0,
        "sunflower bouquet": 129.0,
        "lilies (6)": 159.0,
        "mixed seasonal bouquet": 99.0,
        "weekly flower subscription": 69.0,
    },
    "meituan": {
        "kung pao chicken set": 32.0,
        "beef noodle soup": 26.0,
        "dumplings (20)": 28.0,
        "hotpot for two": 128.0,
        "bubble tea": 16.0,
    },
}
_DELIVERY = {"pagoda": ("PG", 35), "flowerplus": ("FL", 120), "meituan": ("MT", 30)}


def _drink_prices(shop: str, drink: str) -> tuple[int, int, int]:
    prices = DRINKS[shop].get(drink.lower().strip())
    if prices is None:
        raise ServiceError(f"there is no {drink} on the menu")
    return prices


def _quote(shop: str, args: dict[str, Any]) -> dict[str, Any]:
    drink = str(args["drink"]).lower().strip()
    size = args.get("size", "medium")
    quantity = int(args.get("quantity", 1))
    if not 1 <= quantity <= 20:
        raise ServiceError("we take 1 to 20 drinks per order")
    if drink not in DRINKS[shop]:
        return {"available": False, "drink": drink, "menu": sorted(DRINKS[shop])}
    unit = _drink_prices(shop, drink)[SIZES.index(size)]
    return {
        "available": True,
        "drink": drink,
        "size": size,
        "quantity": quantity,
        "unit_price": unit,
        "total": unit * quantity,
        "currency": "CNY",
    }


def _menu(context: CallContext) -> dict[str, Any]:
    shop = context.service
    drinks = [
        {"drink": name, "prices": dict(zip(SIZES, prices, strict=True))}
        for name, prices in DRINKS[shop].items()
    ]
    food = [{"item": k, "price": v} for k, v in _FOOD.get(shop, {}).items()]
    return {"drinks": drinks, "food": food, "currency": "CNY"}


def _order_drink(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    quote = _quote(context.service, args)
    if not quote["available"]:
        raise ServiceError(f"there is no {quote['drink']} on the menu")
    if context.db is None:
        raise ServiceError("orders must be placed in a transaction")
    prefix, minutes = _COFFEE[context.service]
    item = {k: quote[k] for k in ("drink", "size", "quantity", "unit_price")}
    total = float(quote["total"])
    order_no = insert_order(
        context.db, context.service, prefix, [item], total, context.idempotency_key
    )
    ready = minutes + 2 * (quote["quantity"] - 1)
    return {**quote, "order_no": order_no, "ready_in_minutes": ready, "status": "placed"}


def _catalog(context: CallContext) -> dict[str, Any]:
    items = [{"item": k, "price": v} for k, v in _CATALOGS[context.service].items()]
    return {"items": items, "currency": "CNY"}


def _place_order(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    catalog = _CATALOGS[context.service]
    item = str(args["item"]).lower().strip()
    match = next((name for name in catalog if name.startswith(item) or item in name), None)
    if match is None:
        raise ServiceError(f"there is no {item} in the catalog")
    quantity = int(args.get("quantity", 1))
    if not 1 <= quantity <= 20:
        raise ServiceError("we take 1 to 20 of an item per order")
    if context.db is None:
        raise ServiceError("orders must be placed in a transaction")
    prefix, minutes = _DELIVERY[context.service]
    total = round(catalog[match] * quantity, 2)
    line = {"item": match, "quantity": quantity, "unit_price": catalog[match]}
    order_no = insert_order(
        context.db, context.service, prefix, [line], total, context.idempotency_key
    )
    return {
        **line,
        "order_no": order_no,
        "total": total,
        "currency": "CNY",
        "delivery_in_minutes": minutes,
        "status": "placed",
    }


COFFEE_HANDLERS: dict[str, Handler] = {
    "menu": lambda args, ctx: _menu(ctx),
    "quote_drink": lambda args, ctx: _quote(ctx.service, args),
    "order_drink": _order_drink,
}
SHOP_HANDLERS: dict[str, Handler] = {
    "catalog": lambda args, ctx: _catalog(ctx),
    "place_order": _place_order,
}
