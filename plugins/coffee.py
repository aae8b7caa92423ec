"""The coffee skill: finds a shop's ordering mini-program, quotes the price, places the order."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from assistant import IntentRequest, Reply, SkillContext, hookimpl
from assistant.services.skillkit import (
    directory_of,
    idempotency_key,
    open_app,
    pending_details,
    remember_pending,
    service_reply,
)

from .vocab import load_skill

__all__ = ["CoffeeConfig", "handle_intent", "register_skills"]

__version__ = "0.1.0"

ORDER = "order_drink"
QUOTE = "quote_drink"


class CoffeeConfig(BaseModel):
    """The [skills.coffee] section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_shop: str = Field(
        "starbucks", description="Shop used when none is named and no shop's mini program is open."
    )


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(load_skill("coffee", config_model=CoffeeConfig))


def _drinks(quantity: int, size: str, drink: str) -> str:
    """'a large latte', '2 medium cappuccinos'."""
    if quantity == 1:
        return f"a {size} {drink}"
    return f"{quantity} {size} {drink}s"


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent != "coffee.order":
        return None
    return _order(request, context)


def _order(request: IntentRequest, context: SkillContext) -> Reply:
    directory = directory_of(context)
    shop = request.slots.get("shop")
    opened = open_app(context, capability=ORDER)
    if shop is None and opened is not None:
        manifest = opened
    else:
        config = context.config if isinstance(context.config, CoffeeConfig) else CoffeeConfig()
        name = str(shop or config.default_shop)
        found = directory.resolve(name, capability=ORDER)
        if found is None:
            other = directory.resolve(name)
            if other is not None:
                return Reply(text=f"Sorry, {other.name} does not take drink orders.")
            return Reply(text=f"Sorry, I found no mini program that sells drinks at {name}.")
        manifest = found
    args: dict[str, object] = {"drink": request.slots["drink"]}
    if "size" in request.slots:
        args["size"] = request.slots["size"]
    if "quantity" in request.slots:
        args["quantity"] = request.slots["quantity"]
    if not request.confirmed:
        quote = directory.call(manifest.id, QUOTE, args)
        data = quote.data
        if not data.get("available"):
            menu = ", ".join(data.get("menu", [])[:6])
            return service_reply(
                f"Sorry, {manifest.name} does not have {args['drink']}. They have {menu}.", quote
            )
        remember_pending(context, request, service=manifest.id)
        what = _drinks(int(data["quantity"]), str(data["size"]), str(data["drink"]))
        return service_reply(
            f"Order {what} from {manifest.name} for {data['total']} yuan?", quote, confirm=True
        )
    pending = pending_details(context, request)
    manifest = directory.get(str(pending.get("service", ""))) or manifest
    key = idempotency_key(context, request)
    result = directory.call(manifest.id, ORDER, args, idempotency_key=key)
    data = result.data
    what = _drinks(int(data["quantity"]), str(data["size"]), str(data["drink"]))
    return service_reply(
        f"Ordered {what} from {manifest.name}, {data['total']} yuan. Your order number is "
        f"{data['order_no']}; it will be ready in about {data['ready_in_minutes']} minutes.",
        result,
    )
