"""The coupons skill."""

from __future__ import annotations

from assistant import IntentRequest, Reply, SkillContext, hookimpl

from .vocab import load_skill

__version__ = "0.1.0"


@hookimpl
def register_skills(register):  # type: ignore[no-untyped-def]
    register(load_skill("coupons"))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if not request.intent.startswith("coupons."):
        return None
    return Reply(text="Sorry, this skill has no service to answer yet.")
