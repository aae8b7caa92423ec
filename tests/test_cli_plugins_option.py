"""`--plugins NAME[,NAME]`: the allow-list on the command line, and plugin settings that are wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LAMP = """
from assistant import IntentSpec, Reply, Skill, hookimpl


@hookimpl
def register_skills(register):
    register(Skill(name="lamp", intents=(IntentSpec(name="lamp.on", templates=("lamp on",)),)))


@hookimpl
def handle_intent(request):
    return Reply(text="The lamp is on.")
"""


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "lamp.py").write_text(LAMP)
    return tmp_path / "plugins"


def loaded(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return sorted(row["name"] for row in json.loads(result.stdout)["skills"])


def test_skills_loads_only_the_named_plugins() -> None:
    assert loaded(run("skills", "--json", "--plugins", "coffee,timer")) == [
        "coffee",
        "system",
        "timer",
    ]


def test_the_option_wins_over_the_environment() -> None:
    result = run("skills", "--json", "--plugins", "weather", env={"TING_LOAD_PLUGINS": "timer"})
    assert loaded(result) == ["system", "weather"]


def test_say_with_a_plugin_folder(folder: Path) -> None:
    result = run("say", "--plugins-dir", str(folder), "--plugins", "lamp", "lamp on")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The lamp is on."
    result = run("say", "--plugins-dir", str(folder), "--plugins", "timer", "lamp on")
    assert result.returncode == 1


def test_chat_takes_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--plugins", "timer"],
        input="set a timer for one minute\nwhat's the weather in paris\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()[:2]
    assert first.startswith("Timer set") and "didn't understand" in second


def test_eval_scores_with_only_those_plugins(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"text": "set a timer for five minutes", "intent": "timer.set", "slots": {"duration": 300}}\n'
    )
    result = run("eval", str(labels), "--text-only", "--json", "--plugins", "coffee")
    assert json.loads(result.stdout)["intent_accuracy"] == 0.0
    result = run("eval", str(labels), "--text-only", "--json", "--plugins", "timer")
    assert json.loads(result.stdout)["intent_accuracy"] == 1.0


@pytest.mark.parametrize(
    "args",
    [
        ("say", "hello"),
        ("chat",),
        ("skills",),
        ("eval", "LABELS", "--text-only"),
        ("transcribe", "x.wav"),
        ("run", "--audio", "x.wav"),
        ("services", "list"),
        ("skills", "show", "coffee"),
    ],
)
def test_an_unknown_name_is_one_line_naming_it(args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "LABELS").write_text('{"text": "hello", "intent": null}\n')
    (tmp_path / "x.wav").write_bytes(b"")
    command = [str(tmp_path / arg) if arg in {"LABELS", "x.wav"} else arg for arg in args]
    command[1:1] = ["--plugins", "coffee,cofee"]  # an option of the command (or group)
    result = run(*command)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "'cofee'" in result.stderr and "available: coffee, coupons" in result.stderr
    assert result.stdout == ""


def test_an_unknown_name_in_the_environment_or_config(tmp_path: Path) -> None:
    result = run("skills", env={"TING_LOAD_PLUGINS": "timr"})
    assert result.returncode == 2 and "TING_LOAD_PLUGINS: no plugin named 'timr'" in result.stderr
    config = tmp_path / "config.toml"
    config.write_text('[plugins]\nload = ["timr"]\n')
    result = run("skills", "--config", str(config))
    assert result.returncode == 2 and "plugins.load: no plugin named 'timr'" in result.stderr


def test_a_name_from_a_plugin_folder_is_known(folder: Path) -> None:
    assert loaded(run("skills", "--json", "--plugins-dir", str(folder), "--plugins", "lamp")) == [
        "lamp",
        "system",
    ]
    result = run("skills", "--plugins", "lamp")
    assert result.returncode == 2 and "'lamp'" in result.stderr


def test_an_empty_list_loads_only_what_always_loads() -> None:
    assert loaded(run("skills", "--json", "--plugins", "")) == ["system"]


def test_a_missing_plugin_directory_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[plugins]\ndirectory = "{tmp_path / "nowhere"}"\n')
    for args in (("say", "hello"), ("skills",), ("services", "list")):
        result = run(*args[:1], "--config", str(config), *args[1:])
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "plugins.directory" in result.stderr


def test_a_plugin_directory_under_home_is_read(folder: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[plugins]\ndirectory = "~/plugins"\n')
    result = run("say", "--config", str(config), "lamp on", env={"HOME": str(folder.parent)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The lamp is on."


@pytest.mark.parametrize(
    "args",
    [
        ("transcribe", "x.wav", "--model", ""),
        ("run", "--audio", "x.wav", "--model", ""),
        ("eval", "LABELS", "--model", ""),
        ("skills", "check", "--model", ""),
    ],
)
def test_an_empty_model_is_an_error(args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "LABELS").write_text('{"text": "hello", "intent": null}\n')
    (tmp_path / "x.wav").write_bytes(b"")
    result = run(*[str(tmp_path / arg) if arg in {"LABELS", "x.wav"} else arg for arg in args])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--model is empty" in result.stderr


def test_eval_warns_about_names_no_skill_declares(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    rows = [
        {"text": "set a timer for five minutes", "intent": "timer.set", "slots": {"duration": 300}},
        {"text": "set a timer for a minute", "intent": "timer.start", "slots": {}},
        {"text": "set a timer for two minutes", "intent": "timer.start", "slots": {}},
        {"text": "set a timer for an hour", "intent": "timer.set", "slots": {"length": 3600}},
        {"text": "set a timer for a day", "intent": "timer.set", "slots": {"length": 1}},
    ]
    labels.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run("eval", str(labels), "--text-only", "--json", "--plugins", "timer")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "warning: label intent 'timer.start' is not declared by any loaded skill",
        "warning: label slot 'length' is not declared by intent 'timer.set'",
    ]
