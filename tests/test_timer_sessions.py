"""Two Tings at once: a timer is told by the one that set it, or by another if that one left."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant, load_settings

DONE = "Your timer for 3 seconds is done."
TOLD = "Your timer for 3 seconds "  # "is done." or, told late, "ended at 10:31."


def chat() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TING_LOAD_PLUGINS": "timer"},
    )


def say(text: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "say", text],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "TING_LOAD_PLUGINS": "timer"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def leave(process: subprocess.Popen[str]) -> str:
    """Close the chat (Ctrl-D) and return what it printed."""
    try:
        out, err = process.communicate("", timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the chat did not end on end of input")
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return out


def ready(process: subprocess.Popen[str]) -> None:
    """Wait until the chat answers, so that it is asking for notices."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("list my timers\n")
    process.stdin.flush()
    assert process.stdout.readline().startswith("You have")


def eager_notices(seconds: float) -> list[str]:
    """What another Ting, asking fifty times a second, is given to tell meanwhile."""
    told: list[str] = []
    with Assistant.create(load_settings(), allow={"timer", "system"}) as other:
        session = other.new_session()
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            told.extend(notice.text for notice in other.notices(session))
            time.sleep(0.02)
    return told


def test_a_timer_is_told_in_the_chat_that_set_it_only() -> None:
    setter = chat()
    try:
        ready(setter)
        assert setter.stdin is not None
        setter.stdin.write("set a timer for 3 seconds\n")
        setter.stdin.flush()
        told_other = eager_notices(6)  # far quicker to ask than the chat, twice a second
    finally:
        told_setter = leave(setter)
    assert told_setter.count(DONE) == 1, told_setter
    assert told_other == []


def test_of_two_chats_only_the_one_that_set_it_tells_it() -> None:
    other = chat()
    setter = chat()
    try:
        ready(other)
        ready(setter)
        assert setter.stdin is not None
        setter.stdin.write("set a timer for 3 seconds\n")
        setter.stdin.flush()
        time.sleep(6)
    finally:
        told_other = leave(other)
        told_setter = leave(setter)
    assert told_setter.count(DONE) == 1, told_setter
    assert TOLD not in told_other


def test_a_timer_set_by_a_ting_that_left_is_told_by_one_that_runs() -> None:
    assert say("set a timer for 3 seconds").startswith("Timer set for 3 seconds")
    assert eager_notices(5) == [DONE]


def test_a_timer_whose_setter_has_gone_is_told_by_the_chat_that_runs() -> None:
    listener = chat()
    try:
        ready(listener)
        assert say("set a timer for 3 seconds").startswith("Timer set for 3 seconds")
        time.sleep(5)
    finally:
        told = leave(listener)
    assert told.count(DONE) == 1, told


def test_a_timer_that_ended_while_no_ting_ran_is_told_at_the_next_start(tmp_path: Path) -> None:
    assert say("set a timer for 3 seconds").startswith("Timer set for 3 seconds")
    time.sleep(4)
    later = chat()
    try:
        ready(later)
        time.sleep(2)
    finally:
        told = leave(later)
    assert told.count(TOLD) == 1, told
