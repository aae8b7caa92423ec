"""The coupons skill: lists and redeems merchant coupons through a coupon mini program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant import IntentRequest, Reply, ServiceError, SkillContext, hookimpl
from assistant.services import ServiceDirectory, ServiceManifest
from assistant.services.skillkit import (
    directory_of,
    idempotency_key,
    open_app,
    pending_details,
    remember_pending,
    service_reply,
)

from .vocab import load_skill

__all__ = ["handle_intent", "register_skills"]

__version__ = "0.1.0"

LIST = "list_coupons"
REDEEM = "redeem_coupon"


@hookimpl
def register_skills(register: Callable[..., None]) -> None:
    register(load_skill("coupons"))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if not request.intent.startswith("coupons."):
        return None
    return _handle(request, context)


def _wallet(directory: ServiceDirectory) -> ServiceManifest:
    wallets = directory.find(LIST)
    if not wallets:
        raise ServiceError("no coupon mini program is installed")
    return wallets[0]


def _merchant(directory: ServiceDirectory, spoken: object) -> tuple[str, str]:
    """(merchant id, display name) for a spoken merchant."""
    manifest = directory.resolve(str(spoken))
    return (manifest.id, manifest.name) if manifest else (str(spoken), str(spoken).title())


def _describe(coupon: dict[str, Any], with_merchant: bool, names: dict[str, str]) -> str:
    where = f"{names.get(coupon['merchant'], coupon['merchant'])}: " if with_merchant else ""
    return f"{where}{coupon['title']}"


def _handle(request: IntentRequest, context: SkillContext) -> Reply:
    directory = directory_of(context)
    wallet = _wallet(directory)
    spoken = request.slots.get("merchant")
    if spoken is None and request.intent == "coupons.list":
        opened = open_app(context)
        spoken = opened.id if opened is not None and opened.id != wallet.id else None
    merchant, name = _merchant(directory, spoken) if spoken is not None else (None, None)
    args = {"merchant": merchant} if merchant else {}
    if request.intent == "coupons.list":
        result = directory.call(wallet.id, LIST, args)
        coupons = result.data.get("coupons", [])
        if not coupons:
            return service_reply(f"You have no {name + ' ' if name else ''}coupons.", result)
        names = {m.id: m.name for m in directory.manifests()}
        listed = "; ".join(_describe(c, merchant is None, names) for c in coupons[:5])
        plural = "s" if len(coupons) != 1 else ""
        count = f"{len(coupons)} {name + ' ' if name else ''}coupon{plural}"
        more = f", and {len(coupons) - 5} more" if len(coupons) > 5 else ""
        return service_reply(f"You have {count}: {listed}{more}.", result)
    if request.intent != "coupons.redeem":
        return Reply(text="Sorry, the coupons skill cannot do that.")
    if not request.confirmed:
        result = directory.call(wallet.id, LIST, args)
        coupons = result.data.get("coupons", [])
        if not coupons:
            return service_reply(f"You have no unused {name} coupons.", result)
        coupon = coupons[0]
        remember_pending(context, request, coupon_id=coupon["id"], service=wallet.id)
        return service_reply(
            f"Use your {name} coupon for {coupon['title']}? It can only be used once.",
            result,
            confirm=True,
            data={"coupon": coupon},
        )
    pending = pending_details(context, request)
    redeem = {"coupon_id": pending["coupon_id"]} if "coupon_id" in pending else args
    key = idempotency_key(context, request)
    result = directory.call(wallet.id, REDEEM, redeem, idempotency_key=key)
    data = result.data
    return service_reply(f"Done: show code {data['code']} at {name} for {data['title']}.", result)
