"""The weather skill: forecasts from a weather mini program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant import IntentRequest, Reply, SkillContext, hookimpl
from assistant.services.skillkit import directory_of, service_reply

from .vocab import load_skill

__all__ = ["WeatherConfig", "handle_intent", "register_skills"]

__version__ = "0.1.0"

FORECAST = "forecast"
_WET = ("rain", "thunderstorms", "light rain", "snow", "light snow")


class WeatherConfig(BaseModel):
    """The [skills.weather] section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_city: str = Field("beijing", description="City used when none is named.")


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(load_skill("weather", config_model=WeatherConfig))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent != "weather.forecast":
        return None
    return _forecast(request, context)


def _city_name(city: str) -> str:
    return "Xi'an" if city == "xian" else city.title()


def _answer(request: IntentRequest, day: dict[str, Any]) -> str:
    """Yes or no first when the question was about rain or snow."""
    text = request.text.lower()
    chance = int(round(float(day["rain_chance"]) * 100))
    if any(word in text for word in ("rain", "umbrella", "snow", "storm", "shower")):
        wet = day["condition"] in _WET
        return ("Yes, take an umbrella: " if wet else "Probably not: ") + f"{chance}% chance. "
    return ""


def _forecast(request: IntentRequest, context: SkillContext) -> Reply:
    directory = directory_of(context)
    services = directory.find(FORECAST, category="weather") or directory.find(FORECAST)
    if not services:
        return Reply(text="Sorry, no weather mini program is installed.")
    config = context.config if isinstance(context.config, WeatherConfig) else WeatherConfig()
    city = str(request.slots.get("city") or config.default_city)
    args: dict[str, object] = {"city": city, "day": str(request.slots.get("day") or "today")}
    result = directory.call(services[0].id, FORECAST, args)
    day = result.data["day"]
    label = str(request.slots.get("day") or "today")
    when = label.title() if label in ("today", "tomorrow") else f"On {label.title()}"
    text = (
        f"{_answer(request, day)}{when} in {_city_name(city)}: {day['condition']}, "
        f"{day['low_c']} to {day['high_c']} degrees, {int(round(day['rain_chance'] * 100))}% "
        "chance of rain."
    )
    return service_reply(text, result)
