"""Plugin loading: bundled skills, plugin directories, the allow-list, broken plugins."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.plugins import get_plugin_manager

SPEC_INTENTS = {
    "miniprogram.search", "miniprogram.open", "coffee.order", "coupons.list", "coupons.redeem",
    "transit.next_bus", "parcel.track", "weather.forecast", "travel.guide", "timer.set",
    "system.help", "system.cancel", "system.confirm", "system.deny",
}  # fmt: skip

GOOD_PLUGIN = """
from assistant import Reply, Skill, hookimpl

__version__ = "1.2.3"

@hookimpl
def register_skills(register):
    register(Skill.model_validate({
        "name": "echo",
        "description": "Repeats things",
        "intents": [{"name": "echo.say", "templates": ["echo {words}"],
                     "slots": {"words": {"type": "text"}}}],
    }))

@hookimpl
def handle_intent(request, context):
    if request.intent == "echo.say":
        return Reply(text=str(request.slots["words"]))
"""


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def make_dir(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir(exist_ok=True)
    for name, body in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


def test_bundled_skills_cover_every_intent_of_the_spec(tmp_path: Path) -> None:
    assistant = Assistant.create(settings(tmp_path))
    intents = {i.name for s in assistant.skills.values() for i in s.skill.intents}
    assert SPEC_INTENTS <= intents
    coffee = assistant.skills["coffee"]
    assert coffee.origin == "bundled"
    assert coffee.version == "0.1.0"
    assert assistant.failures == []


def test_hooks_are_all_known(tmp_path: Path) -> None:
    registry = get_plugin_manager()
    registry.manager.check_pending()  # a misspelt hook name in a bundled plugin fails here


def test_plugin_directory_files_and_packages_load(tmp_path: Path) -> None:
    repeat = GOOD_PLUGIN.replace('"echo', '"repeat').replace('== "repeat.say', '== "repeat.say')
    folder = make_dir(tmp_path, **{"echo.py": GOOD_PLUGIN, "echopkg/__init__.py": repeat})
    assistant = Assistant.create(settings(tmp_path), plugins_dirs=[folder], entry_points=False)
    assert assistant.skills["echo"].origin == "directory"
    assert assistant.skills["echo"].version == "1.2.3"
    assert assistant.registry.info["echopkg"].source.endswith("__init__.py")
    assert assistant.handle("echo good morning").reply == "good morning"
    assert assistant.handle("repeat good night").reply == "good night"


def test_user_plugin_directory_from_config(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, **{"echo.py": GOOD_PLUGIN})
    custom = Settings(data_dir=tmp_path, plugins={"directory": folder})
    assistant = Assistant.create(custom, entry_points=False)
    assert "echo" in assistant.skills


def test_allow_list_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TING_LOAD_PLUGINS", "timer,weather")
    assistant = Assistant.create(settings(tmp_path))
    assert set(assistant.skills) == {"system", "timer", "weather"}
    monkeypatch.setenv("TING_LOAD_PLUGINS", "")
    assert set(Assistant.create(settings(tmp_path)).skills) == {"system"}


def test_allow_list_from_config(tmp_path: Path) -> None:
    custom = Settings(data_dir=tmp_path, plugins={"load": ["coffee"]})
    assert set(Assistant.create(custom).skills) == {"system", "coffee"}


BROKEN = {
    "importfails.py": "import not_a_module_anywhere\n",
    "raises.py": """
        from assistant import hookimpl
        @hookimpl
        def register_skills(register):
            raise RuntimeError("boom")
        """,
    "badname.py": """
        from assistant import Skill, hookimpl
        @hookimpl
        def register_skills(register):
            register(Skill.model_validate({"name": "bad", "intents": [
                {"name": "no dots", "templates": ["hello"]}]}))
        """,
    "badtemplate.py": """
        from assistant import Skill, hookimpl
        @hookimpl
        def register_skills(register):
            register(Skill.model_validate({"name": "badtpl", "intents": [
                {"name": "bad.template", "templates": ["(open the door"]}]}))
        """,
    "stealer.py": """
        from assistant import Skill, hookimpl
        @hookimpl
        def register_skills(register):
            register(Skill.model_validate({"name": "stealer", "intents": [
                {"name": "timer.set", "templates": ["steal the timer"]}]}))
        """,
    "wronghook.py": """
        from assistant import hookimpl
        @hookimpl
        def register_skills(register, nonsense):
            pass
        """,
    "notaskill.py": """
        from assistant import hookimpl
        @hookimpl
        def register_skills(register):
            register({"name": "dict"})
        """,
}


def test_broken_plugins_are_reported_by_name_and_skipped(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, **BROKEN, **{"echo.py": GOOD_PLUGIN})
    assistant = Assistant.create(settings(tmp_path), plugins_dirs=[folder])
    failures = "\n".join(assistant.failures)
    for name in (
        "importfails",
        "raises",
        "badname",
        "badtemplate",
        "stealer",
        "wronghook",
        "notaskill",
    ):
        assert f"plugin {name!r} skipped" in failures, name
    assert "not_a_module_anywhere" in failures
    assert "boom" in failures
    assert "already registered by plugin 'timer'" in failures
    assert "(open the door" in failures
    # the rest keep working
    assert assistant.handle("echo still here").reply == "still here"
    assert assistant.handle("set a timer for two minutes").intent == "timer.set"
    assert "stealer" not in assistant.skills and "badtpl" not in assistant.skills


def test_failing_handler_gets_an_apology_and_the_assistant_goes_on(tmp_path: Path) -> None:
    folder = make_dir(
        tmp_path,
        **{
            "echo.py": GOOD_PLUGIN.replace(
                'return Reply(text=str(request.slots["words"]))', "raise ValueError('oops')"
            )
        },
    )
    assistant = Assistant.create(settings(tmp_path), plugins_dirs=[folder], entry_points=False)
    turn = assistant.handle("echo anything")
    assert turn.intent == "echo.say"
    assert "echo skill ran into a problem" in turn.reply
    assert assistant.handle("help").intent == "system.help"
