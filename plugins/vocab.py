"""Value lists shared by the bundled skills (merchants, cities)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from assistant import Skill, SlotList

__all__ = ["load_skill", "shared_lists"]

_HERE = Path(__file__).parent


@cache
def shared_lists() -> dict[str, SlotList]:
    """The lists in vocab.toml, by name."""
    import tomllib

    data = tomllib.loads((_HERE / "vocab.toml").read_text(encoding="utf-8"))
    return {name: SlotList(values=values) for name, values in data["lists"].items()}


def load_skill(name: str, **overrides: object) -> Skill:
    """Load plugins/NAME.toml with the shared lists available to it."""
    return Skill.from_toml(_HERE / f"{name}.toml", lists=shared_lists(), **overrides)
