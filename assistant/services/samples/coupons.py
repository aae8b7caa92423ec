"""Sample coupon wallet: the user's merchant coupons; redeeming one is stored for good."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from ...errors import ServiceError
from ..invoke import CallContext, Handler
from ..store import insert_redemption
from .common import stable_number

__all__ = ["COUPON_HANDLERS", "COUPONS"]

# (coupon id, merchant, title, minimum spend in yuan)
COUPONS: tuple[tuple[str, str, str, int], ...] = (
    ("sb-5off", "starbucks", "5 yuan off any handcrafted drink", 30),
    ("sb-upsize", "starbucks", "a free size upgrade", 0),
    ("lk-99", "luckin", "any drink for 9.9 yuan", 0),
    ("mc-fries", "mcdonalds", "free medium fries with any burger", 0),
    ("mc-10off", "mcdonalds", "10 yuan off orders over 50 yuan", 50),
    ("kfc-bucket", "kfc", "20 yuan off a family bucket", 0),
    ("kfc-coffee", "kfc", "a latte for 9.9 yuan", 0),
    ("pg-15off", "pagoda", "15 yuan off fruit orders over 99 yuan", 99),
    ("mt-8off", "meituan", "8 yuan off food delivery over 40 yuan", 40),
    ("dd-ride", "didi", "30 percent off your next ride, up to 15 yuan", 0),
)


def _expires(coupon_id: str, today: date) -> str:
    """Each coupon runs to the end of this month or the next, fixed by its id."""
    year, month = today.year, today.month
    if int(stable_number(coupon_id, digits=2)) % 2:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, calendar.monthrange(year, month)[1]).isoformat()


def _available(context: CallContext, merchant: str | None) -> list[dict[str, Any]]:
    used = context.store.redeemed(context.service)
    today = context.now.date()
    return [
        {
            "id": cid,
            "merchant": who,
            "title": title,
            "min_spend": spend,
            "expires": _expires(cid, today),
        }
        for cid, who, title, spend in COUPONS
        if cid not in used and (merchant is None or who == merchant)
    ]


def _list(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    merchant = args.get("merchant")
    return {"merchant": merchant, "coupons": _available(context, merchant)}


def _redeem(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    coupon_id = args.get("coupon_id")
    merchant = args.get("merchant")
    if coupon_id is None and merchant is None:
        raise ServiceError("say which coupon or which merchant")
    known = {c[0]: c for c in COUPONS}
    if coupon_id is not None and coupon_id not in known:
        raise ServiceError(f"there is no coupon {coupon_id}")
    if context.db is None:
        raise ServiceError("redemptions must run in a transaction")
    used = {
        row[0]
        for row in context.db.execute(
            "SELECT coupon_id FROM redeemed_coupons WHERE service = ?", (context.service,)
        )
    }
    candidates = [
        c
        for c in COUPONS
        if c[0] not in used
        and (coupon_id is None or c[0] == coupon_id)
        and (merchant is None or c[1] == merchant)
    ]
    if not candidates:
        raise ServiceError(f"you have no unused {merchant or coupon_id} coupon")
    cid, who, title, _ = candidates[0]
    code = f"{cid.split('-')[0].upper()}-{stable_number(cid, context.idempotency_key, digits=6)}"
    insert_redemption(context.db, context.service, cid, code, context.idempotency_key)
    return {"coupon_id": cid, "merchant": who, "title": title, "code": code, "status": "redeemed"}


COUPON_HANDLERS: dict[str, Handler] = {"list_coupons": _list, "redeem_coupon": _redeem}
