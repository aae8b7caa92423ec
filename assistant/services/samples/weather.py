"""Sample weather service: seven-day forecasts for fourteen cities, from rough climate normals."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from ...errors import ServiceError
from ..invoke import CallContext, Handler
from .common import WEEKDAYS, resolve_day, seeded

__all__ = ["CLIMATE", "WEATHER_HANDLERS"]

# city → (mean °C in January, mean °C in July, daily range °C, summer rain chance 0-1)
CLIMATE: dict[str, tuple[float, float, float, float]] = {
    "beijing": (-3, 27, 11, 0.45),
    "shanghai": (5, 29, 7, 0.55),
    "shenzhen": (15, 29, 7, 0.65),
    "guangzhou": (14, 29, 7, 0.65),
    "chengdu": (6, 25, 6, 0.6),
    "hangzhou": (5, 29, 7, 0.6),
    "xian": (1, 28, 10, 0.4),
    "wuhan": (4, 30, 8, 0.55),
    "nanjing": (3, 28, 8, 0.55),
    "hong kong": (16, 29, 5, 0.6),
    "london": (5, 18, 8, 0.5),
    "new york": (0, 25, 9, 0.4),
    "paris": (5, 20, 9, 0.45),
    "tokyo": (6, 26, 7, 0.55),
}


def _day(city: str, day: date) -> dict[str, Any]:
    winter, summer, spread, wet = CLIMATE[city]
    season = (1 - math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)) / 2
    rng = seeded("weather", city, day.isoformat())
    mean = winter + (summer - winter) * season + rng.uniform(-3, 3)
    rain = min(0.95, max(0.02, wet * (0.4 + 0.8 * season) * rng.uniform(0.2, 1.6)))
    high, low = round(mean + spread / 2), round(mean - spread / 2)
    if rain > 0.6:
        condition = "snow" if high <= 1 else ("thunderstorms" if high >= 26 else "rain")
    elif rain > 0.4:
        condition = "light rain" if high > 1 else "light snow"
    elif rain > 0.25:
        condition = "cloudy"
    else:
        condition = rng.choice(("sunny", "sunny", "partly cloudy", "clear"))
    return {
        "date": day.isoformat(),
        "weekday": WEEKDAYS[day.weekday()],
        "condition": condition,
        "high_c": high,
        "low_c": low,
        "rain_chance": round(rain, 2),
        "wind_kph": rng.randint(4, 28),
    }


def _forecast(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    city = str(args["city"]).lower().strip()
    if city not in CLIMATE:
        raise ServiceError(f"I have no forecast for {city}")
    today = context.now.date()
    days = [_day(city, today + timedelta(days=n)) for n in range(7)]
    result: dict[str, Any] = {"city": city, "days": days}
    if args.get("day"):
        wanted = resolve_day(str(args["day"]), today).isoformat()
        result["day"] = next(d for d in days if d["date"] == wanted)
    return result


WEATHER_HANDLERS: dict[str, Handler] = {"forecast": _forecast}
