"""What the docs say users get is what they get: examples, tables and behaviour, read from the docs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import assistant
from assistant import IntentSpec, Reply, Skill, SlotList, SlotSpec
from assistant.nlu import Matcher
from assistant.services import skillkit
from assistant.testing import build_assistant, bundled_plugin_names

DOCS = Path(__file__).resolve().parents[1] / "docs"
TEMPLATES = (DOCS / "templates.md").read_text(encoding="utf-8")
HOOKS = (DOCS / "hooks.md").read_text(encoding="utf-8")
WRITING = (DOCS / "writing-a-skill.md").read_text(encoding="utf-8")
TESTING = (DOCS / "testing.md").read_text(encoding="utf-8")


def blocks(text: str, language: str) -> list[str]:
    """The fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n#", start + len(heading))
    return text[start : end if end >= 0 else None]


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    with build_assistant(*bundled_plugin_names(), data_dir=tmp_path_factory.mktemp("data")) as it:
        return it.matcher


# -- docs/templates.md ------------------------------------------------------------------

CONFIDENCE_ROWS = re.findall(
    r'^"([^"]+)"\s+([01]\.\d\d)\s+(rejected|[\w.]+)',
    blocks(section(TEMPLATES, "## Confidence and threshold"), "text")[0],
    flags=re.MULTILINE,
)


def test_the_confidence_table_is_read() -> None:
    assert len(CONFIDENCE_ROWS) == 5


@pytest.mark.parametrize(("text", "confidence", "outcome"), CONFIDENCE_ROWS)
def test_confidence_table(bundled: Matcher, text: str, confidence: str, outcome: str) -> None:
    best = bundled.best(text)
    got = best.confidence if best else 0.0
    assert abs(got - float(confidence)) <= 0.03, f"{text!r}: {got:.2f}, the table says {confidence}"
    if outcome == "rejected":  # by the templates; the learned layer behind them may not
        assert got < bundled.threshold, f"{text!r} is accepted as {best.intent}"  # type: ignore[union-attr]
    else:
        match = bundled.match(text)
        assert match is not None and match.intent == outcome and match.layer == "templates"


SLOT_EXAMPLES = [
    (text, slot, value)
    for block in blocks(TEMPLATES, "text")
    for text, slot, value in re.findall(r'^"([^"]+)"\s+→ (\w+) = (\w+)', block, flags=re.MULTILINE)
]


def test_the_slot_examples_are_read() -> None:
    assert len(SLOT_EXAMPLES) >= 7


@pytest.mark.parametrize(("text", "slot", "value"), SLOT_EXAMPLES)
def test_slot_examples(bundled: Matcher, text: str, slot: str, value: str) -> None:
    match = bundled.match(text)
    assert match is not None, text
    assert str(match.slots.get(slot)) == value, (text, dict(match.slots))


@pytest.mark.parametrize(
    ("quoted", "intent", "slots"),
    [
        ("what's the weather in paris next monday", "weather.forecast", {"day": "monday"}),
        ("find a mini program for fresh fruit delivery", "miniprogram.search",
         {"query": "fresh fruit delivery"}),
        ("look up the weather in tokyo", "weather.forecast", {"city": "tokyo"}),
        ("search for a gift for my mother", "miniprogram.search", {}),
        ("search for my keys", None, {}),
        ("i'm looking for my keys", None, {}),
    ],
)  # fmt: skip
def test_quoted_sentences(
    bundled: Matcher, quoted: str, intent: str | None, slots: dict[str, str]
) -> None:
    assert f'"{quoted}"' in " ".join(TEMPLATES.split())
    match = bundled.match(quoted)
    assert (match.intent if match else None) == intent
    assert match is None or slots.items() <= dict(match.slots).items()


PLACES = Skill(
    name="taxi",
    lists={"place": SlotList(values={"the grand hotel": (), "kings cross": ()})},
    rules={"go": "(take me|go) to {place}"},
    intents=(IntentSpec(name="taxi.go", templates=("<go>",), slots={"place": SlotSpec()}),),
)


def test_a_rule_may_hold_a_slot() -> None:
    assert 'go = "(take\nme|go) to {place}"' in TEMPLATES
    match = Matcher.build([PLACES]).match("take me to kings cross")
    assert match is not None and match.slots == {"place": "kings cross"}


def test_articles_inside_a_multi_word_value_are_not_optional() -> None:
    assert "applies around a value, not inside a multi-word" in TEMPLATES
    matcher = Matcher.build([PLACES])
    assert matcher.match("take me to the grand hotel") is not None
    assert matcher.match("take me to grand hotel") is None
    assert matcher.match("take me to the kings cross") is not None  # around a value: tolerated
    with_form = PLACES.model_copy(
        update={"lists": {"place": SlotList(values={"the grand hotel": ("grand hotel",)})}}
    )
    match = Matcher.build([with_form]).match("take me to grand hotel")
    assert match is not None and match.slots == {"place": "the grand hotel"}


def test_slot_names_keep_their_case() -> None:
    assert "`coffeeDrink`" in TEMPLATES
    skill = Skill(
        name="drinks",
        lists={"coffeeDrink": SlotList(values={"latte": ()})},
        intents=(
            IntentSpec(
                name="orderDrink",
                templates=("order {coffeeDrink}",),
                slots={"coffeeDrink": SlotSpec()},
            ),
        ),
    )
    match = Matcher.build([skill]).match("order a latte")
    assert match is not None and match.slots == {"coffeeDrink": "latte"}


# -- docs/hooks.md: the allow-list ------------------------------------------------------


def skills_loaded(env: dict[str, str]) -> set[str]:
    result = run("skills", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return {row["name"] for row in json.loads(result.stdout)["skills"]}


def test_allow_list_names_plugins() -> None:
    assert "`TING_LOAD_PLUGINS=coffee,timer`" in HOOKS
    assert skills_loaded({"TING_LOAD_PLUGINS": "coffee,timer"}) == {"coffee", "timer", "system"}


def test_an_empty_allow_list_loads_what_always_loads(tmp_path: Path) -> None:
    assert "an empty value loads none" in HOOKS and "Two\nplugins always load" in HOOKS
    assert skills_loaded({"TING_LOAD_PLUGINS": ""}) == {"system"}
    result = run("services", "list", "--json", env={"TING_LOAD_PLUGINS": ""})
    assert result.returncode == 0 and json.loads(result.stdout)["services"]  # services loaded


def test_the_command_line_wins() -> None:
    assert "`--plugins coffee,timer` on the command line, which wins over both" in HOOKS
    result = run("skills", "--json", "--plugins", "weather", env={"TING_LOAD_PLUGINS": "timer"})
    assert {row["name"] for row in json.loads(result.stdout)["skills"]} == {"weather", "system"}


def test_an_unknown_allow_listed_name_is_an_error() -> None:
    result = run("skills", env={"TING_LOAD_PLUGINS": "cofee"})
    assert result.returncode == 2 and "'cofee'" in result.stderr and "coffee" in result.stderr


# -- docs/writing-a-skill.md and docs/testing.md: the tutorial runs ---------------------


def test_the_tutorial_skill_passes_the_tests_the_docs_show(tmp_path: Path) -> None:
    toml = next(b for b in blocks(WRITING, "toml") if "[skill]" in b)
    module = next(b for b in blocks(WRITING, "python") if '"tea.order"' in b and "hookimpl" in b)
    tutorial_tests = next(b for b in blocks(WRITING, "python") if "def test_" in b)
    testing_tests = [b for b in blocks(TESTING, "python") if "def test_" in b and ".play(" not in b]
    package = tmp_path / "src" / "ting_tea"
    package.mkdir(parents=True)
    (package / "skill.toml").write_text(toml)
    (package / "__init__.py").write_text(module)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_tutorial.py").write_text(tutorial_tests)
    header = (
        "import pytest\nimport ting_tea\nfrom assistant.testing import Conversation\n\n\n"
        "@pytest.fixture\ndef ting_plugins():\n    return [ting_tea]\n\n\n"
    )
    (tmp_path / "tests" / "test_testing_md.py").write_text(header + "\n\n".join(testing_tests))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "src")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{6 + len(testing_tests)} passed" in result.stdout


def test_new_skill_prints_what_the_tutorial_shows(tmp_path: Path) -> None:
    console = blocks(WRITING, "console")[0].splitlines()
    shown = console[1 : next(i for i, line in enumerate(console) if i and line.startswith("$"))]
    result = run("new-skill", "tea", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[: len(shown)] == shown


def test_skill_helpers_are_public_and_documented() -> None:
    reference = section(WRITING, "## Reference: helpers for skills answered by services")
    for name in skillkit.__all__:
        assert getattr(assistant, name) is getattr(skillkit, name)
        assert name in assistant.__all__
        assert f"| `{name}(" in reference, f"{name} is not in the reference table"


def test_reply_done_still_works_with_a_warning() -> None:
    assert "`done`, which nothing read, is\ndeprecated" in WRITING
    with pytest.warns(DeprecationWarning, match="Reply.done"):
        reply = Reply(text="Which one?", done=False)
    with pytest.warns(DeprecationWarning, match="Reply.done"):
        assert reply.done is True
    with pytest.warns(DeprecationWarning):
        Reply.model_validate({"text": "ok", "done": True})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "done" not in Reply(text="ok").model_dump()


def test_eval_exit_statuses(tmp_path: Path) -> None:
    assert "2 when the file is\nempty or a line is not a valid label" in TESTING
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run("eval", str(empty), "--text-only").returncode == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "set a timer"\n')
    result = run("eval", str(bad), "--text-only")
    assert result.returncode == 2 and "bad.jsonl:1" in result.stderr


def test_the_plugin_folder_examples(tmp_path: Path) -> None:
    import shlex

    assert run("new-skill", "tea", cwd=tmp_path).returncode == 0
    block = next(b for b in blocks(WRITING, "console") if "--plugins-dir src" in b)
    lines = block.splitlines()
    examples = [
        (shlex.split(line[2:], comments=True), lines[i + 1])
        for i, line in enumerate(lines)
        if line.startswith("$ assistant ")
    ]
    assert len(examples) == 2
    for command, output in examples:
        result = run(*command[1:], cwd=tmp_path / "ting-tea")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == output
