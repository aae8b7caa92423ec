"""Sample travel services: city guides, train tickets and rides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...errors import ServiceError
from ..invoke import CallContext, Handler
from ..store import insert_order
from .common import resolve_day, seeded, stable_number

__all__ = ["GUIDES", "GUIDE_HANDLERS", "RAIL_HANDLERS", "RIDE_HANDLERS"]

# city → (sights, a dish to try, best time to visit, a tip)
GUIDES: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "beijing": (
        ("the Forbidden City", "the Mutianyu Great Wall", "the Temple of Heaven"),
        "Peking duck",
        "spring and autumn",
        "book Forbidden City tickets days ahead",
    ),
    "shanghai": (
        ("the Bund", "Yu Garden", "the French Concession"),
        "xiaolongbao soup dumplings",
        "spring and autumn",
        "the Maglev runs from Pudong airport in eight minutes",
    ),
    "shenzhen": (
        ("OCT Loft", "Dafen Oil Painting Village", "Shenzhen Bay Park"),
        "Cantonese dim sum",
        "October to December",
        "Huaqiangbei is the place for electronics",
    ),
    "guangzhou": (
        ("Canton Tower", "Chen Clan Ancestral Hall", "Shamian Island"),
        "dim sum at a morning tea house",
        "October to December",
        "morning tea starts early; go before nine",
    ),
    "chengdu": (
        ("the Giant Panda Breeding Base", "Jinli Ancient Street", "Wenshu Monastery"),
        "Sichuan hotpot",
        "March to June and September to November",
        "visit the pandas early in the morning when they are active",
    ),
    "hangzhou": (
        ("West Lake", "Lingyin Temple", "the Longjing tea villages"),
        "West Lake vinegar fish",
        "spring",
        "hire a bike to ride around West Lake",
    ),
    "xian": (
        ("the Terracotta Warriors", "the city wall", "the Muslim Quarter"),
        "biangbiang noodles",
        "spring and autumn",
        "cycle the full city wall, about fourteen kilometres",
    ),
    "wuhan": (
        ("the Yellow Crane Tower", "East Lake", "Hubu Alley"),
        "hot dry noodles",
        "spring and autumn",
        "summers are very hot; carry water",
    ),
    "nanjing": (
        ("the Sun Yat-sen Mausoleum", "the Confucius Temple", "the Ming city wall"),
        "salted duck",
        "spring and autumn",
        "Purple Mountain is best on a weekday",
    ),
    "hong kong": (
        ("Victoria Peak", "the Star Ferry", "Tian Tan Buddha"),
        "roast goose and milk tea",
        "October to December",
        "an Octopus card pays for transport and shops",
    ),
    "london": (
        ("the British Museum", "the Tower of London", "a walk along the South Bank"),
        "fish and chips",
        "May to September",
        "most big museums are free",
    ),
    "new york": (
        ("Central Park", "the Metropolitan Museum of Art", "the Brooklyn Bridge"),
        "a slice of New York pizza",
        "spring and autumn",
        "walk the High Line at sunset",
    ),
    "paris": (
        ("the Louvre", "the Eiffel Tower", "Montmartre"),
        "croissants from a neighbourhood bakery",
        "April to June",
        "the Louvre is quieter on weekday evenings",
    ),
    "tokyo": (
        ("Senso-ji in Asakusa", "the Meiji Shrine", "Shibuya Crossing"),
        "sushi at Toyosu market",
        "late March for cherry blossom, or November",
        "a Suica card works on every train line",
    ),
}
_RAIL_CITIES = tuple(c for c in GUIDES if c not in ("london", "new york", "paris", "tokyo"))
_SEATS = {"second class": 1.0, "first class": 1.6, "business": 3.1}


def _guide(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    city = str(args["city"]).lower().strip()
    if city not in GUIDES:
        raise ServiceError(f"there is no guide for {city} yet")
    sights, food, season, tip = GUIDES[city]
    return {"city": city, "sights": list(sights), "food": food, "best_time": season, "tip": tip}


def _trains(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    origin, destination = str(args["origin"]).lower(), str(args["destination"]).lower()
    for city in (origin, destination):
        if city not in _RAIL_CITIES:
            raise ServiceError(f"there is no high-speed station in {city}")
    if origin == destination:
        raise ServiceError("origin and destination are the same")
    day = resolve_day(args.get("day"), context.now.date())
    rng = seeded("rail", origin, destination)
    hours = rng.uniform(1.0, 9.0)
    fare = round(hours * 95, -0)
    trains = []
    for n in range(4):
        depart = 7 * 60 + n * 150 + int(seeded("dep", origin, destination, n).random() * 60)
        trains.append(
            {
                "train_no": "G"
                + (stable_number(origin, destination, n, digits=4).lstrip("0") or "1"),
                "departs": f"{depart // 60:02d}:{depart % 60:02d}",
                "duration_minutes": int(hours * 60),
                "fares": {seat: round(fare * k) for seat, k in _SEATS.items()},
            }
        )
    return {"origin": origin, "destination": destination, "date": day.isoformat(), "trains": trains}


def _book(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    found = _trains(args, context)
    train = next((t for t in found["trains"] if t["train_no"] == args["train_no"]), None)
    if train is None:
        raise ServiceError(f"there is no train {args['train_no']} on that route")
    seat = args.get("seat", "second class")
    if context.db is None:
        raise ServiceError("bookings must run in a transaction")
    fare = float(train["fares"][seat])
    item = {
        "train_no": train["train_no"],
        "date": found["date"],
        "seat": seat,
        "departs": train["departs"],
    }
    order_no = insert_order(context.db, context.service, "E", [item], fare, context.idempotency_key)
    return {**item, "order_no": order_no, "total": fare, "currency": "CNY", "status": "booked"}


def _estimate(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    destination = str(args["destination"]).lower()
    rng = seeded("ride", args.get("origin", "current location"), destination)
    km = round(rng.uniform(2, 35), 1)
    return {
        "destination": destination,
        "distance_km": km,
        "fare": round(13 + 2.3 * max(0.0, km - 3), 1),
        "currency": "CNY",
        "pickup_in_minutes": 2 + int(seeded("pickup", context.now.hour).random() * 8),
    }


def _request(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    estimate = _estimate(args, context)
    if context.db is None:
        raise ServiceError("rides must be requested in a transaction")
    order_no = insert_order(
        context.db,
        context.service,
        "DD",
        [estimate],
        float(estimate["fare"]),
        context.idempotency_key,
    )
    arrives = context.now + timedelta(minutes=estimate["pickup_in_minutes"])
    return {
        **estimate,
        "order_no": order_no,
        "driver_arrives": arrives.strftime("%H:%M"),
        "status": "requested",
    }


GUIDE_HANDLERS: dict[str, Handler] = {"guide": _guide}
RAIL_HANDLERS: dict[str, Handler] = {"search_trains": _trains, "book_ticket": _book}
RIDE_HANDLERS: dict[str, Handler] = {"estimate_ride": _estimate, "request_ride": _request}
