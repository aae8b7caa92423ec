"""The timer skill: timers are stored so that none is lost across restarts."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from assistant import IntentRequest, Reply, SkillContext, hookimpl

from .vocab import load_skill

__version__ = "0.1.0"


@hookimpl
def register_skills(register):  # type: ignore[no-untyped-def]
    register(load_skill("timer"))


def spoken_duration(seconds: int) -> str:
    """'1 hour 30 minutes', '90 seconds', '5 minutes'."""
    if seconds < 120 and seconds % 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    for amount, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")):
        if amount:
            parts.append(f"{amount} {unit}{'s' if amount != 1 else ''}")
    return " ".join(parts) or "0 seconds"


_STORE = "timers.sqlite3"
TOLD_LATE_FOR = 12 * 3600
"""A timer that ended while Ting was not running is told when it next runs, if it ended
within this many seconds; an older one is only marked as told."""


def _store(data_dir: Path) -> sqlite3.Connection:
    data_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(data_dir / _STORE)
    db.execute(
        "CREATE TABLE IF NOT EXISTS timers (id INTEGER PRIMARY KEY,"
        " seconds INTEGER NOT NULL, created REAL NOT NULL, due REAL NOT NULL,"
        " told INTEGER NOT NULL DEFAULT 0)"
    )
    columns = {row[1] for row in db.execute("PRAGMA table_info(timers)")}
    if "told" not in columns:  # a store from before timers were told: keep every timer
        with db:
            db.execute("ALTER TABLE timers ADD COLUMN told INTEGER NOT NULL DEFAULT 0")
    return db


def add_timer(data_dir: Path, seconds: int, now: float | None = None) -> tuple[int, float]:
    """Store a timer; returns (id, due time)."""
    now = time.time() if now is None else now
    with closing(_store(data_dir)) as db, db:
        cursor = db.execute(
            "INSERT INTO timers (seconds, created, due) VALUES (?, ?, ?)",
            (seconds, now, now + seconds),
        )
        return int(cursor.lastrowid or 0), now + seconds


def pending_timers(data_dir: Path, now: float | None = None) -> list[tuple[int, int, float]]:
    """(id, seconds, due) of timers that have not gone off yet."""
    now = time.time() if now is None else now
    with closing(_store(data_dir)) as db:
        rows = db.execute("SELECT id, seconds, due FROM timers WHERE due > ? ORDER BY due", (now,))
        return [(int(a), int(b), float(c)) for a, b, c in rows]


def ended_timers(data_dir: Path, now: float | None = None) -> list[tuple[int, int, float]]:
    """(id, seconds, due) of the timers that have ended and were not told yet, which are
    marked as told."""
    now = time.time() if now is None else now
    if not (data_dir / _STORE).exists():
        return []
    with closing(_store(data_dir)) as db, db:
        rows = db.execute(
            "SELECT id, seconds, due FROM timers WHERE due <= ? AND told = 0 ORDER BY due",
            (now,),
        ).fetchall()
        db.executemany("UPDATE timers SET told = 1 WHERE id = ?", [(row[0],) for row in rows])
    return [(int(a), int(b), float(c)) for a, b, c in rows]


@hookimpl
def due_notices(context: SkillContext, now: float) -> list[str]:
    notices = []
    for _, seconds, due in ended_timers(context.data_dir, now):
        if now - due <= 5:
            notices.append(f"Your timer for {spoken_duration(seconds)} is done.")
        elif now - due <= TOLD_LATE_FOR:
            at = time.strftime("%H:%M", time.localtime(due))
            notices.append(f"Your timer for {spoken_duration(seconds)} ended at {at}.")
    return notices


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext) -> Reply | None:
    if request.intent != "timer.set":
        return None
    seconds = int(request.slots["duration"])
    if seconds <= 0 or seconds > 24 * 3600:
        return Reply(text="I can set timers from one second to 24 hours.")
    timer_id, due = add_timer(context.data_dir, seconds)
    at = time.strftime("%H:%M:%S", time.localtime(due))
    return Reply(
        text=f"Timer set for {spoken_duration(seconds)}; it ends at {at}.",
        data={"timer_id": timer_id, "seconds": seconds, "due": due},
    )
