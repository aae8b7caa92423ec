"""Sample couriers: the user's parcels with SF Express, EMS and JD Logistics."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..invoke import CallContext, Handler
from .common import seeded, stable_number

__all__ = ["PARCEL_HANDLERS"]

_PREFIX = {"sf_express": "SF", "ems": "EE", "jd_logistics": "JDV"}
_ITEMS = (
    "a pair of running shoes",
    "a phone case",
    "three books",
    "a rice cooker",
    "a box of tea",
    "a winter jacket",
    "wireless earbuds",
    "a desk lamp",
)
_FROM = ("Shenzhen", "Hangzhou", "Guangzhou", "Shanghai", "Wuhan", "Chengdu", "Beijing")
_HUBS = ("Guangzhou sorting centre", "Wuhan hub", "Shanghai Hongqiao hub", "Beijing Shunyi hub")


def _parcel(service: str, number: int, now: datetime) -> dict[str, Any]:
    """One parcel, fixed by courier, slot and week: shipped 0-3 days ago."""
    week = now.isocalendar()
    rng = seeded(service, number, week.year, week.week)
    shipped = (now - timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 20))).replace(
        minute=0, second=0, microsecond=0
    )
    transit_hours = rng.randint(30, 72)
    hours = (now - shipped).total_seconds() / 3600
    origin, hub = rng.choice(_FROM), rng.choice(_HUBS)
    if hours < 6:
        status, where = "picked up", f"{origin} collection point"
    elif hours < transit_hours - 8:
        status, where = "in transit", hub
    elif hours < transit_hours:
        status, where = "out for delivery", "your local delivery station"
    else:
        status, where = "delivered", "the parcel locker at your building"
    eta = shipped + timedelta(hours=transit_hours)
    return {
        "tracking_no": _PREFIX[service] + stable_number(service, number, week.week, digits=12),
        "item": rng.choice(_ITEMS),
        "from": origin,
        "status": status,
        "location": where,
        "shipped": shipped.isoformat(timespec="minutes"),
        "estimated_delivery": eta.isoformat(timespec="minutes"),
    }


def _track(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    count = 1 + seeded(context.service, "count", context.now.isocalendar().week).randint(0, 1)
    parcels = [_parcel(context.service, n, context.now) for n in range(count)]
    wanted = args.get("tracking_no")
    if wanted:
        parcels = [p for p in parcels if p["tracking_no"] == wanted]
    return {"parcels": parcels}


PARCEL_HANDLERS: dict[str, Handler] = {"track_parcels": _track}
