"""The system skill: help, and the yes / no / cancel answers the dialog relies on."""

from __future__ import annotations

from assistant import IntentRequest, Reply, SkillContext, hookimpl

from .vocab import load_skill

__version__ = "0.1.0"


@hookimpl
def register_skills(register):  # type: ignore[no-untyped-def]
    register(load_skill("system"))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent == "system.thanks":
        return Reply(text="You're welcome.")
    if request.intent != "system.help":
        return None  # confirm / deny / cancel are answered by the dialog itself
    lines = []
    for loaded in sorted(context.skills, key=lambda s: s.name):
        if loaded.name == "system":
            continue
        examples = [e for intent in loaded.skill.intents for e in intent.examples[:1]]
        hint = f' (try "{examples[0]}")' if examples else ""
        lines.append(f"{loaded.skill.description or loaded.name}{hint}")
    if not lines:
        return Reply(text="No skills are loaded, so I can only answer yes, no and cancel.")
    return Reply(
        text="I can: " + "; ".join(lines) + ". Say cancel at any time to stop.",
        data={"skills": [s.name for s in context.skills]},
    )
