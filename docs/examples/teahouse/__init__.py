"""The Tea House: a mini-program (manifest and handlers) and a skill answered by it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant import IntentRequest, Reply, ServiceError, Skill, SkillContext, hookimpl
from assistant.services import CallContext, load_manifest_file
from assistant.services.skillkit import (
    directory_of,
    idempotency_key,
    remember_pending,
    service_reply,
)
from assistant.services.store import insert_order

__version__ = "1.0.0"

HERE = Path(__file__).parent
PRICES = {"oolong": 28, "jasmine": 22, "longjing": 60, "pu erh": 45}  # yuan per 50 g tin


# -- the mini-program: handlers get the arguments and a CallContext ---------------------


def price_tea(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    tea, tins = args["tea"], int(args.get("tins", 1))
    if tea not in PRICES:
        raise ServiceError(f"we do not sell {tea}")  # becomes "Tea House said: ..."
    return {"tea": tea, "tins": tins, "total": PRICES[tea] * tins, "currency": "CNY"}


def order_tea(args: dict[str, Any], context: CallContext) -> dict[str, Any]:
    quote = price_tea(args, context)
    assert context.db is not None  # side-effect actions run inside the store's transaction
    line = {"tea": quote["tea"], "tins": quote["tins"]}
    order_no = insert_order(
        context.db, context.service, "TH", [line], quote["total"], context.idempotency_key
    )
    return {**quote, "order_no": order_no}


@hookimpl
def register_services(register: Callable[..., None]) -> None:
    manifest = load_manifest_file(HERE / "teahouse.json")
    register(manifest, handlers={"price_tea": price_tea, "order_tea": order_tea})


# -- the skill: finds the service through the directory and calls it --------------------


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(Skill.from_toml(HERE / "skill.toml"))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent not in ("tea.price", "tea.order"):
        return None
    directory = directory_of(context)
    action = "order_tea" if request.intent == "tea.order" else "price_tea"
    shops = directory.find(action, category="tea")
    if not shops:
        return Reply(text="Sorry, no tea mini program is installed.")
    shop = shops[0]
    args: dict[str, Any] = {"tea": request.slots["tea"]}
    if "tins" in request.slots:
        args["tins"] = request.slots["tins"]
    if request.intent == "tea.price" or not request.confirmed:
        quote = directory.call(shop.id, "price_tea", args)
        text = f"{quote.data['tins']} tin(s) of {args['tea']} cost {quote.data['total']} yuan"
        if request.intent == "tea.price":
            return service_reply(f"At {shop.name}, {text}.", quote)
        remember_pending(context, request)  # the confirmed call reuses its key
        return service_reply(f"{text}. Order from {shop.name}?", quote, confirm=True)
    key = idempotency_key(context, request)
    placed = directory.call(shop.id, "order_tea", args, idempotency_key=key)
    return service_reply(f"Ordered; your order number is {placed.data['order_no']}.", placed)
