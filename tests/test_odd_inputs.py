"""Odd files and folders: one line naming the file and the fix, never a traceback or a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import platformdirs
import pytest

from assistant import ConfigError, load_settings
from assistant.config import MAX_FILE_BYTES
from assistant.nlu import Matcher
from assistant.services import ManifestError, load_manifest_file
from assistant.skill import IntentSpec, Skill, SlotList, SlotSpec

PROMPT = 20  # seconds: far more than any of these commands needs, far less than a hang

TEA = {
    "id": "tea_house",
    "name": "Tea House",
    "category": "tea",
    "description": "Loose-leaf tea by the gram.",
    "base_url": "http://127.0.0.1:9/tea",
    "actions": [{"name": "price", "description": "Price some tea"}],
}


def assistant(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would; a hang fails the test instead of stalling it."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            capture_output=True,
            text=True,
            timeout=PROMPT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"assistant {' '.join(args)} still ran after {PROMPT} seconds")


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def services_folder() -> Path:
    folder = platformdirs.user_config_path("ting") / "services"
    folder.mkdir(parents=True)
    return folder


def deep_json(depth: int) -> str:
    return '{"id": ' * depth + "1" + "}" * depth


def deep_toml(depth: int) -> str:
    return "a = " + "[" * depth + "]" * depth + "\n"


def odd_manifests(folder: Path) -> list[str]:
    """Every kind of file that once crashed or stalled the services folder; their names."""
    (folder / "deep.json").write_text(deep_json(100_000), encoding="utf-8")
    (folder / "deep.toml").write_text(deep_toml(100_000), encoding="utf-8")
    (folder / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.json")
    (folder / "huge.json").write_text(" " * MAX_FILE_BYTES + json.dumps(TEA), encoding="utf-8")
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00 not text")
    (folder / "folder.json").mkdir()
    return ["deep.json", "deep.toml", "zero.json", "pipe.json", "huge.json", "binary.toml"] + [
        "folder.json"
    ]


def test_odd_manifest_files_are_one_warning_each_and_the_other_services_work() -> None:
    folder = services_folder()
    names = odd_manifests(folder)
    (folder / "tea.json").write_text(json.dumps(TEA), encoding="utf-8")
    started = time.monotonic()
    result = assistant("services", "list")
    assert time.monotonic() - started < PROMPT
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "tea_house" in result.stdout and "starbucks" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if str(folder) in line]
    assert len(warnings) == len(names), result.stderr
    for name in names:
        told = [line for line in warnings if f"{folder / name}:" in line]
        assert len(told) == 1, (name, result.stderr)
        assert told[0].startswith("warning: ")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("deep.json", "nested more than 32 levels deep"),
        ("deep.toml", "nested more than 32 levels deep"),
        ("zero.json", "a device, not a file"),
        ("pipe.json", "a FIFO, not a file"),
        ("huge.json", "larger than 1 MB"),
        ("binary.toml", "not UTF-8 text"),
        ("folder.json", "a folder, not a file"),
    ],
)
def test_each_odd_manifest_names_its_problem(tmp_path: Path, name: str, problem: str) -> None:
    odd_manifests(tmp_path)
    with pytest.raises(ManifestError) as caught:
        load_manifest_file(tmp_path / name)
    assert str(caught.value).startswith(f"{tmp_path / name}: {problem}")
    assert "\n" not in str(caught.value)


def test_a_manifest_nested_within_bounds_still_loads(tmp_path: Path) -> None:
    tea = {**TEA, "actions": [{**TEA["actions"][0], "returns": "a price"}]}  # type: ignore[dict-item]
    path = tmp_path / "tea.json"
    path.write_text(json.dumps(tea), encoding="utf-8")
    assert load_manifest_file(path).id == "tea_house"


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.write_text(deep_toml(100_000), encoding="utf-8"), "nested more than 32"),
        (lambda p: p.write_text(f"[skills.x]\na = {deep_toml(40)[4:]}"), "nested more than 32"),
        (lambda p: p.write_text("#" * (MAX_FILE_BYTES + 1), encoding="utf-8"), "larger than 1 MB"),
        (lambda p: os.mkfifo(p), "a FIFO, not a file"),
        (lambda p: p.symlink_to("/dev/zero"), "a device, not a file"),
    ],
)
def test_an_odd_config_file_is_one_line_and_exit_2(
    tmp_path: Path, make: object, problem: str
) -> None:
    config = tmp_path / "config.toml"
    make(config)  # type: ignore[operator]
    line = one_line_error(assistant("say", "--config", str(config), "hello"))
    assert f"{config}: {problem}" in line
    with pytest.raises(ConfigError, match=problem):
        load_settings(config)


def test_an_odd_config_file_at_the_default_place_does_not_stall_any_command() -> None:
    default = platformdirs.user_config_path("ting") / "config.toml"
    default.parent.mkdir(parents=True)
    os.mkfifo(default)
    line = one_line_error(assistant("services", "list"))
    assert f"{default}: a FIFO, not a file" in line


@pytest.mark.parametrize(
    ("data_dir", "problem"),
    [
        ("/dev/null", "/dev/null is not a folder"),
        ("/dev/null/ting", "/dev/null is not a folder"),
        ("/proc/ting", "cannot create files in /proc"),
        ("/proc/self/ting", "cannot create files in /proc/self"),
    ],
)
def test_a_data_dir_that_cannot_hold_files_is_one_line_at_start(
    data_dir: str, problem: str
) -> None:
    result = assistant("say", "set a timer for one minute", env={"TING_DATA_DIR": data_dir})
    line = one_line_error(result)
    assert line.startswith("error: environment variable TING_DATA_DIR: data_dir: ")
    assert problem in line
    assert "set it to a folder Ting can write to" in line
    assert result.stdout == ""


def test_a_data_dir_that_is_a_file_is_blamed_on_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f"data_dir = '{tmp_path / 'data'}'\n", encoding="utf-8")
    monkeypatch.delenv("TING_DATA_DIR")
    line = one_line_error(assistant("say", "--config", str(config), "hello"))
    assert f"error: {config}: data_dir: {tmp_path / 'data'} is not a folder" in line


def test_a_data_dir_that_does_not_exist_yet_is_fine_and_left_uncreated(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "not" / "yet")
    assert settings.data_dir == tmp_path / "not" / "yet"
    assert list(tmp_path.iterdir()) == []


def _drinks_and_answers() -> Matcher:
    drink = SlotSpec(required=True, prompt="Which drink?")
    coffee = Skill(
        name="coffee",
        lists={"drink": SlotList(values={"latte": (), "mocha": ()})},
        intents=(
            IntentSpec(
                name="coffee.order",
                slots={"drink": drink},
                templates=("[a|an|some] [my] {drink} [please]", "(order|get) [a|an] coffee"),
            ),
        ),
    )
    answers = Skill(
        name="answers",
        intents=(
            IntentSpec(name="answers.yes", templates=("(ok|okay) [go ahead]", "please do")),
            IntentSpec(name="answers.thanks", templates=("(thanks|thank you) [a lot]",)),
        ),
    )
    return Matcher.build([coffee, answers], threshold=0.0)


@pytest.mark.parametrize(
    "text", ["a the an my some", "the a", "some my", "a", "please", "um please", "an um the"]
)
def test_words_that_name_nothing_match_no_intent(text: str) -> None:
    matcher = _drinks_and_answers()
    assert matcher.best(text) is None
    assert matcher.match(text) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("okay", "answers.yes"),
        ("ok please", "answers.yes"),
        ("please do", "answers.yes"),
        ("thanks", "answers.thanks"),
        ("thanks a lot", "answers.thanks"),
        ("a latte", "coffee.order"),
        ("the an some mocha", "coffee.order"),
        ("get a coffee", "coffee.order"),
    ],
)
def test_a_whole_sentence_of_small_words_still_matches(text: str, intent: str) -> None:
    match = _drinks_and_answers().match(text)
    assert match is not None and match.intent == intent


def test_the_bundled_skills_do_not_take_small_words_for_an_order() -> None:
    result = assistant("say", "--json", "a the an my some")
    assert result.returncode == 1, result.stderr
    turn = json.loads(result.stdout)
    assert turn["intent"] is None and not turn["understood"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_a_data_dir_that_is_not_writable_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = assistant("say", "hello", env={"TING_DATA_DIR": str(locked / "ting")})
    assert f"cannot create files in {locked} (Permission denied)" in one_line_error(result)
