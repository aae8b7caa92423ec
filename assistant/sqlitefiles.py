"""SQLite files Ting keeps: tell a damaged file from a busy one, and set a damaged one aside."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["check_sound", "is_damage", "move_aside"]

_SIDE_FILES = ("-wal", "-shm", "-journal")


def move_aside(path: Path) -> Path:
    """Rename a damaged SQLite file (and its -wal / -shm) to NAME.damaged-<UTC time>."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(target)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether an error means the file is damaged (not merely locked or unwritable)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return not isinstance(exc, sqlite3.OperationalError)


def check_sound(db: sqlite3.Connection) -> None:
    """Raise sqlite3.DatabaseError unless the file reads as a sound database (cheap check)."""
    rows = db.execute("PRAGMA quick_check").fetchall()
    if [tuple(row) for row in rows] != [("ok",)]:
        raise sqlite3.DatabaseError("; ".join(str(row[0]) for row in rows[:3]))
