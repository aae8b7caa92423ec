"""The bundled timer skill: timers are kept across restarts and told once when they end."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    return Assistant.create(Settings(data_dir=tmp_path / "data"))


def test_a_timer_is_told_once_when_it_ends(assistant: Assistant) -> None:
    session = assistant.new_session()
    assert assistant.handle("set a timer for five minutes", session).reply.startswith(
        "Timer set for 5 minutes"
    )
    now = time.time()
    assert assistant.notices(session, now=now + 200) == []  # not yet
    told = assistant.notices(session, now=now + 301)
    assert [(n.skill, n.text) for n in told] == [("timer", "Your timer for 5 minutes is done.")]
    assert assistant.notices(session, now=now + 302) == []


def test_timers_that_ended_while_ting_was_closed_are_told_when_it_runs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with Assistant.create(settings) as first:
        minute = first.handle("set a timer for one minute").data["due"]
        seconds = first.handle("set a timer for ten seconds").data["due"]
    with Assistant.create(settings) as second:  # an hour later
        told = [n.text for n in second.notices(second.new_session(), now=time.time() + 3600)]
    ends = [time.strftime("%H:%M", time.localtime(due)) for due in (seconds, minute)]
    assert told == [
        f"Your timer for 10 seconds ended at {ends[0]}.",
        f"Your timer for 1 minute ended at {ends[1]}.",
    ]


def test_a_timer_that_ended_long_ago_is_not_told(assistant: Assistant) -> None:
    session = assistant.new_session()
    assistant.handle("set a timer for one minute", session)
    assert assistant.notices(session, now=time.time() + 2 * 24 * 3600) == []


def test_timers_kept_before_they_were_told_are_kept_and_told(tmp_path: Path) -> None:
    store = tmp_path / "data" / "skills" / "timer"
    store.mkdir(parents=True)
    now = time.time()
    with sqlite3.connect(store / "timers.sqlite3") as db:  # the table as it was first made
        db.execute(
            "CREATE TABLE timers (id INTEGER PRIMARY KEY,"
            " seconds INTEGER NOT NULL, created REAL NOT NULL, due REAL NOT NULL)"
        )
        db.execute("INSERT INTO timers VALUES (1, 60, ?, ?)", (now - 60, now))
    db.close()
    assistant = Assistant.create(Settings(data_dir=tmp_path / "data"))
    told = assistant.notices(assistant.new_session(), now=now + 1)
    assert [n.text for n in told] == ["Your timer for 1 minute is done."]
    reply = assistant.handle("set a timer for two minutes").reply
    assert reply.startswith("Timer set for 2 minutes")
    with sqlite3.connect(store / "timers.sqlite3") as db:
        assert db.execute("SELECT id, seconds, told FROM timers ORDER BY id").fetchall() == [
            (1, 60, 1),
            (2, 120, 0),
        ]
    db.close()


def test_nothing_is_written_for_a_user_who_set_no_timer(assistant: Assistant) -> None:
    assert assistant.notices(assistant.new_session()) == []
    assert not (assistant.settings.data_dir / "skills" / "timer").exists()


def test_timers_are_listed_and_cancelled_and_a_cancelled_one_never_rings(
    assistant: Assistant,
) -> None:
    session = assistant.new_session()
    assert assistant.handle("stop the timer", session).reply == "You have no timers running."
    assistant.handle("set a timer for five minutes", session)
    assistant.handle("set a ten minute timer", session)
    listed = assistant.handle("how much time is left", session)
    assert listed.intent == "timer.list"
    assert listed.reply == (
        "You have 2 timers: your timer for 5 minutes has 5 minutes left; "
        "your timer for 10 minutes has 10 minutes left."
    )
    cancelled = assistant.handle("cancel the five minute timer", session)
    assert cancelled.reply == "Cancelled your timer for 5 minutes. You have 1 more timer running."
    assistant.handle("set a timer for one minute", session)
    assert assistant.handle("cancel all timers", session).reply == "Cancelled your 2 timers."
    assert assistant.handle("what timers do i have", session).reply == "You have no timers running."
    assert assistant.notices(session, now=time.time() + 601) == []  # cancelled: never told


def test_stop_alone_still_cancels_what_the_assistant_waits_for(assistant: Assistant) -> None:
    session = assistant.new_session()
    assistant.handle("set a timer", session)  # asks for how long
    turn = assistant.handle("stop", session)
    assert (turn.intent, turn.reply) == ("system.cancel", "OK, cancelled.")
