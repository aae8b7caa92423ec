"""`assistant new-skill`: create a skill package that installs with pip and passes its tests."""

from __future__ import annotations

import json
import keyword
import re
import sys
from importlib.metadata import entry_points
from pathlib import Path
from string import Template

import click

from ..errors import AssistantError

__all__ = ["create_skill_package", "new_skill", "validate_name"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "A Ting skill that greets your friends by name"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["ting"]

[project.optional-dependencies]
test = ["pytest>=8", "mypy>=1.10"]

# Ting loads the skill through this entry point; its name is the plugin's name.
[project.entry-points.ting]
$name = "$package"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
$package = ["*.toml"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
addopts = "--strict-markers"
markers = [
    "slow: plays audio through a speech model (deselect with -m 'not slow')",
]

[tool.mypy]
files = ["src", "tests"]
# mypy cannot follow the import hooks of an editable install (pip install -e): it reads this
# package from src/, and Ting from the folder named here when Ting itself is installed so.
mypy_path = $mypy_path
plugins = ["pydantic.mypy"]

[[tool.mypy.overrides]]
module = ["assistant", "assistant.*"]
follow_imports = "silent"  # Ting's types are used; its own modules are checked by Ting
"""

_SKILL_TOML = """\
# What the $name skill understands. The template syntax is described in Ting's
# docs/templates.md; `assistant skills show $name` lists what was loaded.

[skill]
name = "$name"
description = "Greet your friends by name"

[rules]
greet = "(say (hello|hi)|greet|wave)"

# Canonical value = [other spoken forms]; the slot's value is always the canonical one.
[lists.friend]
alice = ["ali", "alicia"]
bob = ["bobby", "robert"]
"mary jane" = ["mj"]

[intents."$name.greet"]
description = "Greet a friend, once or several times"
examples = ["say hello to bob", "greet alice three times"]
templates = [
  "<greet> [to] [{friend}] [{times} times]",
  "(hello|hi) {friend}",
]

[intents."$name.greet".slots]
friend = { required = true, prompt = "Who should I greet?" }
times = { type = "number" }
"""

_MODULE = '''\
"""The $name skill for Ting: greets your friends by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant import IntentRequest, Reply, Skill, SkillContext, hookimpl

__all__ = ["Config", "handle_intent", "register_skills"]
__version__ = "0.1.0"

SKILL_FILE = Path(__file__).with_name("skill.toml")


class Config(BaseModel):
    """The skill's section of Ting's config file, [skills.$name]."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    greeting: str = Field("Hello", description="The word to greet with.")
    max_times: int = Field(5, ge=1, description="The most greetings in one answer.")


@hookimpl
def register_skills(register: Callable[[Skill], None]) -> None:
    """Declare the skill: its intents, templates and value lists are in skill.toml."""
    register(Skill.from_toml(SKILL_FILE, config_model=Config))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    """Answer an intent of this skill; ``None`` for anything else."""
    if request.intent != "$name.greet":
        return None
    config: Config = context.config
    friend = str(request.slots["friend"])  # required: the dialog asked for it if it was missing
    times = min(int(request.slots.get("times", 1)), config.max_times)
    greeted: list[str] = context.state.setdefault("greeted", [])  # lasts for the session
    again = " again" if friend in greeted else ""
    greeted.append(friend)
    text = " ".join([f"{config.greeting}{again}, {friend.title()}!"] * times)
    return Reply(text=text, data={"friend": friend, "times": times})
'''

_TESTS = '''\
"""Tests of the $name skill, with the fixtures of Ting's pytest plugin."""

from __future__ import annotations

import pytest

import $package
from assistant.testing import (
    AssistantFactory,
    Conversation,
    assert_expecting,
    assert_intent,
    assert_not_understood,
    assert_reply_contains,
)


@pytest.fixture
def ting_plugins() -> list[object]:
    """Load this skill only (Ting's system skill, for yes / no / cancel, comes too)."""
    return [$package]


def test_greets_a_friend(ting_conversation: Conversation) -> None:
    turn = ting_conversation.say("please say hello to bobby")
    assert_intent(turn, "$name.greet", friend="bob")
    assert_reply_contains(turn, "Hello, Bob!")


def test_numbers_are_spoken_words(ting_conversation: Conversation) -> None:
    turn = ting_conversation.say("greet alice three times")
    assert_intent(turn, "$name.greet", friend="alice", times=3)
    assert turn.reply.count("Alice") == 3


def test_asks_who_to_greet(ting_conversation: Conversation) -> None:
    turn = ting_conversation.say("say hello")
    assert_expecting(turn, "friend")
    assert_reply_contains(turn, "Who should I greet?")
    turn = ting_conversation.say("mary jane")
    assert_intent(turn, "$name.greet", friend="mary jane")
    assert_reply_contains(turn, "Hello, Mary Jane!")


def test_remembers_who_it_greeted(ting_conversation: Conversation) -> None:
    ting_conversation.say("say hi to alice")
    assert_reply_contains(ting_conversation.say("say hi to alice"), "Hello again, Alice!")


def test_config_section(ting_assistant_factory: AssistantFactory) -> None:
    assistant = ting_assistant_factory($package, config={"$name": {"greeting": "Howdy"}})
    assert_reply_contains(Conversation(assistant).say("wave to bob"), "Howdy, Bob!")


def test_rejects_what_it_does_not_know(ting_conversation: Conversation) -> None:
    assert_not_understood(ting_conversation.say("the cat sat on the mat"))


def test_installed_under_its_entry_point(ting_assistant_factory: AssistantFactory) -> None:
    """`pip install -e .` registers the skill in Ting's `ting` entry-point group."""
    assistant = ting_assistant_factory("$name")
    assert assistant.skills["$name"].origin == "installed"
'''

_README = """\
# $dist

A skill for [Ting](https://pypi.org/project/ting/), the offline voice assistant: it greets
your friends by name.

    assistant say "say hello to bobby"     # Hello, Bob!
    assistant say "greet alice three times"

## Develop

    pip install -e '.[test]'
    pytest                  # -m 'not slow' leaves out tests that play audio
    mypy                    # type-checks src/ and tests/ (pydantic's mypy plugin included)
    assistant skills show $name

- `src/$package/skill.toml`: the intents, their sentence templates and the value lists.
- `src/$package/__init__.py`: the hooks; `handle_intent` answers each recognised intent.
- `tests/test_$name.py`: tests with the fixtures of Ting's pytest plugin.

## Configure

In Ting's config file (`assistant --help` shows where it is):

```toml
[skills.$name]
greeting = "Howdy"
max_times = 3
```
"""

_FILES = {
    "pyproject.toml": _PYPROJECT,
    "README.md": _README,
    "src/$package/__init__.py": _MODULE,
    "src/$package/skill.toml": _SKILL_TOML,
    "tests/test_$name.py": _TESTS,
}


def validate_name(name: str) -> str:
    """The skill name if usable, else :class:`AssistantError` saying why."""
    if not _NAME.match(name):
        raise AssistantError(
            f"skill name {name!r} must be a lower-case identifier: a letter, then letters, "
            "digits or _ (e.g. recipes, bike_share)"
        )
    if keyword.iskeyword(name):
        raise AssistantError(f"skill name {name!r} is a Python keyword; choose another")
    taken = {ep.name for ep in entry_points(group="ting")}
    if name in taken:
        raise AssistantError(f"skill name {name!r} is already taken by an installed skill")
    return name


def _ting_import_root() -> Path | None:
    """The folder holding the ``assistant`` package when only an import hook finds it (an
    editable install of Ting, which mypy cannot follow), else None."""
    import assistant

    root = Path(assistant.__file__).resolve().parent.parent
    on_path = {Path(entry).resolve() for entry in sys.path if entry}
    return None if root in on_path else root


def create_skill_package(name: str, directory: Path) -> list[Path]:
    """Write a skill package for ``name`` into ``directory`` (which must not hold anything)."""
    validate_name(name)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise AssistantError(f"{directory} already exists; choose another --directory")
    mypy_path = ["src"]
    ting_root = _ting_import_root()
    if ting_root is not None:
        mypy_path.append(str(ting_root))
    values = {
        "name": name,
        "package": f"ting_{name}",
        "dist": f"ting-{name.replace('_', '-')}",
        "mypy_path": json.dumps(mypy_path),
    }
    written = []
    for relative, text in _FILES.items():
        path = directory / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values), encoding="utf-8")
        written.append(path)
    return written


@click.command("new-skill")
@click.argument("name")
@click.option(
    "-d",
    "--directory",
    type=click.Path(path_type=Path),
    help="Folder to create (default: ./ting-NAME).",
)
def new_skill(name: str, directory: Path | None) -> None:
    """Create a skill package NAME: pyproject, skill module, templates, tests and README."""
    directory = directory or Path(f"ting-{name.replace('_', '-')}")
    try:
        written = create_skill_package(name, directory)
    except AssistantError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"error: cannot write {directory}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"Created the {name} skill in {directory}:")
    for path in written:
        click.echo(f"  {path.relative_to(directory)}")
    click.echo("Next:")
    click.echo(f"  cd {directory}")
    click.echo("  pip install -e '.[test]'")
    click.echo("  pytest")
