"""Sample city transit: bus arrivals by line and stop, and metro departures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import ServiceError
from ..invoke import CallContext, Handler
from .common import seeded

__all__ = ["BUS_HANDLERS", "METRO_HANDLERS", "STOPS"]

STOPS = (
    "central station",
    "peoples square",
    "west lake",
    "university",
    "airport",
    "city hall",
    "north gate",
    "east market",
    "riverside park",
    "science park",
)
_STATIONS = (
    "central station",
    "peoples square",
    "city hall",
    "sports centre",
    "airport terminal 2",
    "university town",
    "east railway station",
    "west lake",
)
_FIRST, _LAST = 5 * 60 + 30, 23 * 60 + 30  # service from 05:30 to 23:30


def _arrivals(now: datetime, headway: int, phase: int, count: int = 3) -> list[int]:
    """Minutes until the next departures, or [] when the service has ended for the night."""
    minute = now.hour * 60 + now.minute
    if minute < _FIRST:
        first = _FIRST + phase - minute
    else:
        first = (phase - minute) % headway or headway
    times = [first + i * headway for i in range(count)]
    return [t for t in times if minute + t <= _LAST]


def _route(line: int) -> tuple[str, str, list[str]]:
    rng = seeded("bus-route", line)
    stops = rng.sample(STOPS, 6)
    return stops[0], stops[-1], stops


def _next_bus(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    line = int(args["line"])
    if not 1 <= line <= 999:
        raise ServiceError(f"there is no bus line {line}")
    origin, terminus, stops = _route(line)
    stop = args.get("stop") or stops[1]
    if stop not in STOPS:
        raise ServiceError(f"there is no stop called {stop}")
    headway = 6 + int(seeded("headway", line).random() * 10)
    phase = int(seeded("phase", line, stop).random() * headway)
    minutes = _arrivals(context.now, headway, phase)
    return {
        "line": line,
        "stop": stop,
        "towards": terminus if stop != terminus else origin,
        "arrivals_in_minutes": minutes,
        "every_minutes": headway,
        "first_bus": "05:30",
        "last_bus": "23:30",
    }


def _next_train(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    line = int(args.get("line", 1))
    if not 1 <= line <= 12:
        raise ServiceError(f"the metro has lines 1 to 12, not {line}")
    station = args.get("station") or _STATIONS[line % len(_STATIONS)]
    headway = 3 + int(seeded("metro-headway", line).random() * 5)
    phase = int(seeded("metro-phase", line, station).random() * headway)
    return {
        "line": line,
        "station": station,
        "departures_in_minutes": _arrivals(context.now, headway, phase),
        "every_minutes": headway,
    }


def _lines(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    return {"lines": [{"line": n, "stations": len(_STATIONS) + n} for n in range(1, 13)]}


BUS_HANDLERS: dict[str, Handler] = {"next_bus": _next_bus}
METRO_HANDLERS: dict[str, Handler] = {"next_train": _next_train, "lines": _lines}
