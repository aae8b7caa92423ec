"""The bundled sample mini-programs: manifests (data files) and their in-process handlers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..invoke import Handler
from ..manifest import ServiceManifest, load_manifest_file
from .coupons import COUPON_HANDLERS
from .parcels import PARCEL_HANDLERS
from .shops import COFFEE_HANDLERS, SHOP_HANDLERS
from .transit import BUS_HANDLERS, METRO_HANDLERS
from .travel import GUIDE_HANDLERS, RAIL_HANDLERS, RIDE_HANDLERS
from .weather import WEATHER_HANDLERS

__all__ = ["HANDLERS", "MANIFEST_DIR", "bundled_services"]

MANIFEST_DIR = Path(__file__).parent / "manifests"

HANDLERS: dict[str, dict[str, Handler]] = {
    "starbucks": COFFEE_HANDLERS,
    "luckin": COFFEE_HANDLERS,
    "mcdonalds": COFFEE_HANDLERS,
    "kfc": COFFEE_HANDLERS,
    "coupons": COUPON_HANDLERS,
    "citybus": BUS_HANDLERS,
    "metro": METRO_HANDLERS,
    "sf_express": PARCEL_HANDLERS,
    "ems": PARCEL_HANDLERS,
    "jd_logistics": PARCEL_HANDLERS,
    "weather": WEATHER_HANDLERS,
    "mafengwo": GUIDE_HANDLERS,
    "pagoda": SHOP_HANDLERS,
    "flowerplus": SHOP_HANDLERS,
    "meituan": SHOP_HANDLERS,
    "railway": RAIL_HANDLERS,
    "didi": RIDE_HANDLERS,
}


@cache
def _manifests() -> tuple[ServiceManifest, ...]:
    return tuple(load_manifest_file(path) for path in sorted(MANIFEST_DIR.glob("*.toml")))


def bundled_services() -> list[tuple[ServiceManifest, dict[str, Handler]]]:
    """(manifest, handlers by action) for every bundled sample."""
    return [(m, HANDLERS[m.id]) for m in _manifests()]
