"""The typed interface as a user runs it: `assistant say`, `chat`, `skills`, `eval`."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

EXPECTED_KEYS = {"text", "intent", "slots", "confidence", "skill", "reply"}


def run(
    *args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "assistant", *args]
    return subprocess.run(
        command,
        input=stdin.decode("utf-8", "replace") if isinstance(stdin, bytes) else stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_say_json_prints_one_object() -> None:
    result = run("say", "--json", "what's the weather in beijing tomorrow")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert EXPECTED_KEYS <= set(data)
    assert data["intent"] == "weather.forecast"
    assert data["slots"] == {"city": "beijing", "day": "tomorrow"}
    assert data["skill"] == "weather"
    assert 0 < data["confidence"] <= 1


def test_say_plain_prints_the_reply() -> None:
    result = run("say", "set", "a", "timer", "for", "five", "minutes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Timer set for 5 minutes")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "x" * 10_000, os.fsdecode(bytes(range(1, 256))), "你好，请帮我点一杯拿铁"],
    ids=["empty", "blank", "10kB", "binary", "chinese"],
)
def test_bad_input_is_not_understood_cleanly(text: str) -> None:
    result = run("say", "--json", "--", text)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert data["intent"] is None
    assert "didn't understand" in data["reply"]


def test_chat_survives_binary_garbage() -> None:
    garbage = bytes(range(256)).replace(b"\n", b"")
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--json"],
        input=garbage + b"\nhelp\n",
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    result = subprocess.CompletedProcess(result.args, 0, result.stdout.decode(), "")
    assert result.returncode == 0, result.stderr
    turns = [json.loads(line) for line in result.stdout.splitlines()]
    assert turns[0]["intent"] is None and turns[-1]["intent"] == "system.help"


def test_say_without_text_is_a_usage_error() -> None:
    result = run("say")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[nlu]\nthreshold = 'high'\n", encoding="utf-8")
    result = run("say", "--config", str(config), "help")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(config) in lines[0] and "nlu.threshold" in lines[0]


def test_chat_keeps_dialog_state() -> None:
    result = run("chat", "--json", stdin="set a timer\nninety seconds\nwhat can you do\n")
    assert result.returncode == 0, result.stderr
    turns = [json.loads(line) for line in result.stdout.splitlines()]
    assert [t["intent"] for t in turns] == ["timer.set", "timer.set", "system.help"]
    assert turns[0]["reply"] == "For how long?" and turns[0]["expecting"] == "duration"
    assert turns[1]["slots"] == {"duration": 90}
    assert turns[1]["reply"].startswith("Timer set for 90 seconds")


def test_chat_tells_when_a_timer_ends() -> None:
    """An open chat says when a timer ends, between the user's lines."""
    chat = subprocess.Popen(
        [sys.executable, "-m", "assistant", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert chat.stdin is not None and chat.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in chat.stdout], daemon=True).start()
    try:
        chat.stdin.write("set a timer for one second\n")
        chat.stdin.flush()
        assert lines.get(timeout=60).startswith("Timer set for 1 second; it ends at ")
        assert lines.get(timeout=30) == "Your timer for 1 second is done.\n"
    finally:
        chat.stdin.close()
        chat.wait(timeout=30)
    assert chat.returncode == 0


def test_chat_plain_ends_on_end_of_input() -> None:
    result = run("chat", stdin="help\n")
    assert result.returncode == 0
    assert result.stdout.startswith("I can:")


def test_skills_lists_name_version_origin_intents() -> None:
    result = run("skills", "--json")
    assert result.returncode == 0, result.stderr
    skills = {s["name"]: s for s in json.loads(result.stdout)["skills"]}
    assert skills["coffee"]["origin"] == "bundled"
    assert skills["coffee"]["version"] == "0.1.0"
    assert "coffee.order" in skills["coffee"]["intents"]
    text = run("skills").stdout
    assert "coffee 0.1.0 (bundled)" in text and "intents: coffee.order" in text


def test_skills_show(tmp_path: Path) -> None:
    result = run("skills", "show", "coffee")
    assert result.returncode == 0, result.stderr
    assert "coffee.order" in result.stdout
    assert "slot drink: list drink, required" in result.stdout
    assert 'e.g. "order a large latte from starbucks"' in result.stdout
    missing = run("skills", "show", "nosuchskill")
    assert missing.returncode == 2 and "no skill named 'nosuchskill'" in missing.stderr


def test_plugins_dir_option_loads_and_reports(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise ImportError('missing thing')\n", encoding="utf-8")
    result = run("skills", "--plugins-dir", str(tmp_path))
    assert result.returncode == 0
    assert "plugin 'broken' skipped" in result.stderr and "missing thing" in result.stderr
    assert "coffee" in result.stdout


def test_eval_text_only_json(dev_labels: Path) -> None:
    result = run("eval", str(dev_labels), "--text-only", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    for key in ("n", "intent_accuracy", "slot_f1", "frame_accuracy", "ood_rejection", "results"):
        assert key in summary
    assert summary["n"] == len(dev_labels.read_text().splitlines())
    assert summary["intent_accuracy"] == 1.0 and summary["frame_accuracy"] == 1.0
    assert summary["ood_rejection"] == 1.0


def test_eval_reports_misses(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    rows = [
        {"text": "order a latte", "intent": "coffee.order", "slots": {"drink": "latte"}},
        {"text": "order a latte", "intent": "coffee.order", "slots": {"drink": "mocha"}},
        {"text": "sing me a song", "intent": None, "slots": {}},
        {"text": "open starbucks", "intent": "timer.set", "slots": {}},
    ]
    labels.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    summary = json.loads(run("eval", str(labels), "--text-only", "--json").stdout)
    assert summary["intent_accuracy"] == 0.75
    assert summary["frame_accuracy"] == 0.5
    assert summary["ood_rejection"] == 1.0
    assert len(summary["misses"]) == 2
    text = run("eval", str(labels), "--text-only").stdout
    assert "misses (2)" in text and '"open starbucks" → miniprogram.open' in text


def test_eval_bad_label_file_names_the_line(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"text": "help", "intent": "system.help"}\nnot json\n', encoding="utf-8")
    result = run("eval", str(labels), "--text-only")
    assert result.returncode == 2
    assert f"{labels}:2: not a valid label line" in result.stderr
