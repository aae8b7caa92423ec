"""What a skill's handler can reach: its session state, config, storage and the services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .skill import Skill

if TYPE_CHECKING:
    from .config import Settings

__all__ = ["LoadedSkill", "SkillContext"]


@dataclass(frozen=True)
class LoadedSkill:
    """A registered skill with the plugin it came from and its validated config."""

    skill: Skill
    plugin: str
    origin: str
    version: str | None
    config: BaseModel | None = None

    @property
    def name(self) -> str:
        return self.skill.name


@dataclass
class SkillContext:
    """Handed to ``handle_intent`` with each request.

    :ivar state: this skill's state in the current session; survives across turns.
    :ivar session_state: state every skill of the session sees (e.g. the mini-program the
        user opened, which the coffee skill orders from).
    :ivar config: the skill's ``[skills.NAME]`` section, validated by its ``config_model``.
    :ivar skills: every loaded skill, for help and cross-skill suggestions.
    :ivar data_dir: a folder of the skill's own for files that must survive restarts.
    :ivar services: the mini-program service directory, where one is available.
    :ivar settings: the assistant's settings.
    """

    skill: LoadedSkill
    state: dict[str, Any]
    session_state: dict[str, Any]
    skills: tuple[LoadedSkill, ...]
    data_dir: Path
    settings: Settings
    services: Any = None

    @property
    def config(self) -> Any:
        return self.skill.config
