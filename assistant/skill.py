"""What a skill declares: its intents, their slots and templates, and its value lists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import PluginError

__all__ = ["NAME_PATTERN", "IntentSpec", "Skill", "SlotList", "SlotSpec", "SlotType", "SlotValue"]

SlotType = Literal["list", "number", "duration", "day", "text", "service"]
SlotValue = str | int

_FROZEN = ConfigDict(frozen=True, extra="forbid")

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*$"
"""Intent, slot and rule names: a letter, then letters, digits and ``_``, in parts joined by
``.`` or ``-``. Names from other ecosystems fit as they are: ``coffee.order``, ``orderDrink``
(Picovoice Rhino, Alexa), ``HassTurnOn`` (Home Assistant), ``coffeeDrink``."""
_NAME_RULE = re.compile(NAME_PATTERN)
_NAME_HELP = "letters, digits and _, in parts joined by . or - (e.g. coffee.order, orderDrink)"
_SKILL_NAME = r"^[a-z][a-z0-9_]*$"


class SlotList(BaseModel):
    """A closed vocabulary: canonical values and the spoken forms that mean them."""

    model_config = _FROZEN

    values: dict[str, tuple[str, ...]] = Field(
        description="Canonical value → spoken forms. The canonical value is always a spoken form "
        "too, so a value with no other forms may map to an empty list.",
    )

    @field_validator("values")
    @classmethod
    def _lower_case(cls, values: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if not values:
            raise ValueError("a value list needs at least one value")
        return {
            key.strip().lower(): tuple(form.strip().lower() for form in forms)
            for key, forms in values.items()
        }

    def spoken_forms(self) -> dict[str, str]:
        """Every spoken form → its canonical value (the canonical value included)."""
        forms: dict[str, str] = {}
        for canonical, spoken in self.values.items():
            forms.setdefault(canonical, canonical)
            for form in spoken:
                forms.setdefault(form, canonical)
        return forms


class SlotSpec(BaseModel):
    """A slot of an intent: what kind of value fills it and what to ask when it is missing."""

    model_config = _FROZEN

    type: SlotType = Field(
        "list",
        description="list, number, duration, day, text, or service: a mini-program of the "
        "directory, by its name, an alias or its id (the slot holds its name).",
    )
    list: str | None = Field(
        None,
        description="For type list: the name of the skill's value list (default: the slot's "
        "name). For type service: an optional list whose values win for the names it has.",
    )
    required: bool = Field(False, description="The intent cannot be handled without this slot.")
    prompt: str | None = Field(
        None, description="Question asked when a required slot is missing ('Which drink?')."
    )
    description: str = Field("", description="What the slot means, for help and documentation.")


class IntentSpec(BaseModel):
    """An intent: its templates, slots, examples, and whether it acts on the world."""

    model_config = _FROZEN

    name: str = Field(
        description="Intent name, e.g. coffee.order or orderDrink (see NAME_PATTERN).",
        max_length=100,
    )
    description: str = Field("", description="One line saying what the intent does.")
    templates: tuple[str, ...] = Field(
        description="Sentence templates (see docs/templates.md).", min_length=1
    )
    slots: dict[str, SlotSpec] = Field(default_factory=dict, description="Slots by name.")
    examples: tuple[str, ...] = Field((), description="Example sentences shown in help and docs.")
    side_effects: bool = Field(
        False,
        description="Handling the intent changes something (an order, a redemption): the "
        "assistant asks the user to confirm before the skill acts.",
    )

    @field_validator("name")
    @classmethod
    def _intent_name(cls, name: str) -> str:
        if not _NAME_RULE.match(name):
            raise ValueError(f"intent name {name!r} must be {_NAME_HELP}")
        return name

    @field_validator("slots")
    @classmethod
    def _slot_names(cls, slots: dict[str, SlotSpec]) -> dict[str, SlotSpec]:
        for name in slots:
            if not _NAME_RULE.match(name) or len(name) > 100:
                raise ValueError(f"slot name {name!r} must be {_NAME_HELP}")
        return slots


class Skill(BaseModel):
    """Everything a skill registers: metadata, intents and value lists."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(
        description="Short unique name in lower case, e.g. coffee.", pattern=_SKILL_NAME
    )
    description: str = Field("", description="One line for help: what the skill can do.")
    version: str | None = Field(None, description="Version; defaults to its distribution's.")
    intents: tuple[IntentSpec, ...] = Field((), description="The intents the skill handles.")
    lists: dict[str, SlotList] = Field(default_factory=dict, description="Value lists by name.")
    rules: dict[str, str] = Field(
        default_factory=dict,
        description="Named template fragments, used in templates as <name>.",
    )
    config_model: Any = Field(
        None,
        description="A pydantic model class validating the skill's [skills.NAME] config section.",
    )

    @model_validator(mode="after")
    def _slots_resolve(self) -> Skill:
        seen: set[str] = set()
        for intent in self.intents:
            if intent.name in seen:
                raise ValueError(f"intent {intent.name!r} is declared twice")
            seen.add(intent.name)
            for slot_name, slot in intent.slots.items():
                if slot.type == "list" or (slot.type == "service" and slot.list):
                    list_name = slot.list or slot_name
                    if list_name not in self.lists:
                        raise ValueError(
                            f"intent {intent.name}: slot {slot_name!r} refers to value list "
                            f"{list_name!r}, which the skill does not define"
                        )
        if self.config_model is not None and not (
            isinstance(self.config_model, type) and issubclass(self.config_model, BaseModel)
        ):
            raise ValueError("config_model must be a pydantic model class")
        return self

    def intent(self, name: str) -> IntentSpec:
        """The declared intent of that name (KeyError if the skill has none)."""
        for intent in self.intents:
            if intent.name == name:
                return intent
        raise KeyError(name)

    def list_for(self, intent: IntentSpec, slot_name: str) -> SlotList | None:
        """The value list a list slot is bound to, or None for other slot types."""
        slot = intent.slots[slot_name]
        if slot.type != "list":
            return None
        return self.lists[slot.list or slot_name]

    @classmethod
    def from_toml(
        cls, path: str | Path, *, lists: dict[str, SlotList] | None = None, **overrides: Any
    ) -> Skill:
        """Load a skill declaration from a TOML file (see docs/writing-a-skill.md).

        :param lists: value lists shared with other skills; the file's own lists win.
        :param overrides: fields set from code, e.g. ``config_model``.
        """
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PluginError(f"{path}: cannot read skill file: {exc}") from exc
        skill_data = dict(data.get("skill", {}))
        intents = [{"name": name, **body} for name, body in data.get("intents", {}).items()]
        own_lists = {name: {"values": values} for name, values in data.get("lists", {}).items()}
        skill_data.update(
            intents=intents,
            lists={**(lists or {}), **own_lists},
            rules=data.get("rules", {}),
            **overrides,
        )
        try:
            return cls.model_validate(skill_data)
        except Exception as exc:
            raise PluginError(f"{path}: invalid skill declaration: {_first_error(exc)}") from exc


def _first_error(exc: Exception) -> str:
    """The first pydantic error as 'location: message', or the exception text."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        items = errors()
        if items:
            loc = ".".join(str(part) for part in items[0]["loc"])
            return f"{loc}: {items[0]['msg']}" if loc else items[0]["msg"]
    return str(exc)
