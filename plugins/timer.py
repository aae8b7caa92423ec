"""The timer skill: timers are stored so that none is lost across restarts.

A timer is told by the Ting that set it: of two chats open at once, the one it was set in.
When that one has gone (a one-shot `assistant say`, a closed chat), whichever Ting runs
first tells it. Each Ting holds a lock on a file of its own while it runs, so that the
others can tell it is there; the lock goes with the process, however it ends.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import sys
import time
import uuid
from contextlib import closing, suppress
from pathlib import Path

if sys.platform != "win32":
    import fcntl

from assistant import IntentRequest, Reply, SkillContext, hookimpl
from assistant.sqlitefiles import check_sound, is_damage, move_aside

from .vocab import load_skill

__version__ = "0.1.0"

_LOGGER = logging.getLogger(__name__)


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


_READY: set[Path] = set()
"""Stores whose table this process has made or brought up to date."""

_OWNERS = "owners"
"""Folder (beside the store) of the lock files of the Tings that set timers."""
_HELD: dict[Path, tuple[int, str, int]] = {}
"""Owner folder → (process id, this process's owner name, the open locked file)."""


def _store(data_dir: Path) -> sqlite3.Connection:
    path = data_dir / _STORE
    if path in _READY and path.exists():  # asked twice a second: the schema is checked once
        return sqlite3.connect(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        check_sound(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        if not is_damage(exc):
            raise
        aside = move_aside(path)
        _LOGGER.warning(
            "timer store %s could not be read (%s): moved it to %s and started a new one",
            path,
            exc,
            aside.name,
        )
        db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE IF NOT EXISTS timers (id INTEGER PRIMARY KEY,"
        " seconds INTEGER NOT NULL, created REAL NOT NULL, due REAL NOT NULL,"
        " told INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0,"
        " owner TEXT NOT NULL DEFAULT '')"
    )
    columns = {row[1] for row in db.execute("PRAGMA table_info(timers)")}
    with db:  # a store from an earlier version gains the columns and keeps every timer
        for column, kind in (("told", "INTEGER"), ("cancelled", "INTEGER"), ("owner", "TEXT")):
            if column not in columns:
                default = "''" if kind == "TEXT" else "0"
                db.execute(
                    f"ALTER TABLE timers ADD COLUMN {column} {kind} NOT NULL DEFAULT {default}"
                )
    _READY.add(path)
    return db


def _owner(data_dir: Path) -> str:
    """This process's owner name, its lock file held (made on the first timer it sets)."""
    folder = data_dir / _OWNERS
    held = _HELD.get(folder)
    if held is not None and held[0] == os.getpid():
        return held[1]
    name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
    if sys.platform == "win32":  # no locks: any Ting tells any timer, as the first to ask
        return name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.lock"):  # left by Tings that are gone: nobody asks for them
        if not _alive(folder, stale.stem):
            with suppress(OSError):
                stale.unlink()
    lock = folder / f"{name}.lock"
    making = folder / f"{name}.new"  # locked before it gets the name others look for
    descriptor = os.open(making, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.replace(making, lock)
    _HELD[folder] = (os.getpid(), name, descriptor)
    atexit.register(_let_go, lock, descriptor)
    return name


def _let_go(lock: Path, descriptor: int) -> None:
    with suppress(OSError):
        lock.unlink()
    with suppress(OSError):
        os.close(descriptor)


def _alive(folder: Path, owner: str) -> bool:
    """Whether the Ting named ``owner`` still runs (holds its lock file)."""
    if sys.platform == "win32" or not owner:
        return False
    try:
        descriptor = os.open(folder / f"{owner}.lock", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False  # its file is gone with it
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return False


def add_timer(data_dir: Path, seconds: int, now: float | None = None) -> tuple[int, float]:
    """Store a timer; returns (id, due time)."""
    now = time.time() if now is None else now
    owner = _owner(data_dir)
    with closing(_store(data_dir)) as db, db:
        cursor = db.execute(
            "INSERT INTO timers (seconds, created, due, owner) VALUES (?, ?, ?, ?)",
            (seconds, now, now + seconds, owner),
        )
        return int(cursor.lastrowid or 0), now + seconds


def pending_timers(data_dir: Path, now: float | None = None) -> list[tuple[int, int, float]]:
    """(id, seconds, due) of timers that have not gone off yet."""
    now = time.time() if now is None else now
    if not (data_dir / _STORE).exists():
        return []
    with closing(_store(data_dir)) as db:
        rows = db.execute(
            "SELECT id, seconds, due FROM timers WHERE due > ? AND cancelled = 0 ORDER BY due",
            (now,),
        )
        return [(int(a), int(b), float(c)) for a, b, c in rows]


def cancel_timers(data_dir: Path, ids: list[int]) -> None:
    """Mark timers as cancelled: they are kept, and never told."""
    with closing(_store(data_dir)) as db, db:
        db.executemany("UPDATE timers SET cancelled = 1 WHERE id = ?", [(i,) for i in ids])


def ended_timers(data_dir: Path, now: float | None = None) -> list[tuple[int, int, float]]:
    """(id, seconds, due) of the timers that have ended and were not told yet, which are
    marked as told: those this process set, and those whose setter has gone.

    One Ting at a time reads and marks them, so that no timer is told twice.
    """
    now = time.time() if now is None else now
    if not (data_dir / _STORE).exists():
        return []
    held = _HELD.get(data_dir / _OWNERS)
    mine = held[1] if held is not None and held[0] == os.getpid() else None
    with closing(_store(data_dir)) as db, db:
        db.execute("BEGIN IMMEDIATE")
        rows = db.execute(
            "SELECT id, seconds, due, owner FROM timers"
            " WHERE due <= ? AND told = 0 AND cancelled = 0 ORDER BY due",
            (now,),
        ).fetchall()
        alive: dict[str, bool] = {}
        for row in rows:
            owner = row[3]
            if owner != mine and owner not in alive:
                alive[owner] = _alive(data_dir / _OWNERS, owner)
        rows = [row for row in rows if row[3] == mine or not alive[row[3]]]
        db.executemany("UPDATE timers SET told = 1 WHERE id = ?", [(row[0],) for row in rows])
    return [(int(a), int(b), float(c)) for a, b, c, _ in rows]


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
    if request.intent == "timer.list":
        return _list(context)
    if request.intent == "timer.cancel":
        return _cancel(request, context)
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


def _left(seconds: float) -> str:
    """Time left, to the second under two minutes, else to the minute."""
    whole = max(1, round(seconds))
    return spoken_duration(whole if whole < 120 else max(60, round(whole / 60) * 60))


def _list(context: SkillContext) -> Reply:
    now = time.time()
    running = pending_timers(context.data_dir, now)
    if not running:
        return Reply(text="You have no timers running.")
    parts = [
        f"your timer for {spoken_duration(seconds)} has {_left(due - now)} left"
        for _, seconds, due in running
    ]
    text = "; ".join(parts)
    if len(running) > 1:
        text = f"You have {len(running)} timers: {text}"
    return Reply(
        text=text[0].upper() + text[1:] + ".",
        data={"timers": [{"timer_id": i, "seconds": s, "due": d} for i, s, d in running]},
    )


def _cancel(request: IntentRequest, context: SkillContext) -> Reply:
    now = time.time()
    running = pending_timers(context.data_dir, now)
    if not running:
        return Reply(text="You have no timers running.")
    seconds = request.slots.get("duration")
    if request.slots.get("every") == "all":
        chosen = running
    elif seconds is not None:
        chosen = [timer for timer in running if timer[1] == seconds]
        if not chosen:
            return Reply(text=f"You have no timer for {spoken_duration(int(seconds))}.")
    else:
        chosen = running[:1]  # the one that ends first
    cancel_timers(context.data_dir, [timer_id for timer_id, _, _ in chosen])
    if len(chosen) > 1:
        text = f"Cancelled your {len(chosen)} timers."
    else:
        text = f"Cancelled your timer for {spoken_duration(chosen[0][1])}."
    left = len(running) - len(chosen)
    if left:
        text += f" You have {left} more timer{'s' if left > 1 else ''} running."
    return Reply(text=text, data={"cancelled": [timer_id for timer_id, _, _ in chosen]})
