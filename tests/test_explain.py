"""`assistant say --explain`: what understood a sentence, the candidates and the threshold."""

from __future__ import annotations

import json
import subprocess
import sys


def _say(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "say", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_explain_shows_the_winner_its_slots_and_the_runner_up() -> None:
    said = _say("--json", "--explain", "order a large latte from starbucks")
    assert said.returncode == 0, said.stderr
    why = json.loads(said.stdout)["explain"]
    first, second = why["candidates"][:2]
    assert first["intent"] == "coffee.order" and first["accepted"]
    assert first["slots"] == {"size": "large", "drink": "latte", "shop": "starbucks"}
    assert second["confidence"] < why["threshold"] <= first["confidence"]


def test_explain_shows_why_nothing_was_understood() -> None:
    said = _say("--explain", "play some jazz")
    assert said.returncode == 1
    lines = said.stdout.splitlines()
    assert lines[0].startswith("Sorry")
    assert lines[1] == "why: not understood"
    templates = lines.index("templates (accepted at 0.65):")
    learned = next(i for i, line in enumerate(lines) if line.startswith("learned layer"))
    assert all("below the threshold" in line for line in lines[templates + 1 : learned])
    assert lines[learned + 1].startswith("  1. none of the skills")


def test_explain_names_the_learned_layer_when_it_answered() -> None:
    said = _say("--json", "--explain", "i really fancy a mocha from luckin right now")
    why = json.loads(said.stdout)["explain"]
    assert why["layer"] == "learned" and why["intent"] == "coffee.order"
    assert why["slots"]["drink"] == "mocha"
    best = why["learned"]["candidates"][0]
    assert best["intent"] == "coffee.order" and best["probability"] >= why["learned"]["accept"]
    assert not any(c["accepted"] for c in why["candidates"])
