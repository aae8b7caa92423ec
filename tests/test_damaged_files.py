"""A damaged data file is set aside under a name that says so, and Ting goes on working."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.services.index import INDEX_FILE
from assistant.services.store import STORE_FILE, Store
from assistant.sqlitefiles import is_damage


def _say(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "say", text],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _data_dir() -> Path:
    return Path(os.environ["TING_DATA_DIR"])


def _spoil(path: Path, how: str) -> bytes:
    if how == "garbage":
        path.write_bytes(b"this is not a database at all\n" * 200)
    else:  # a half-written page: the header survives, the rest is cut off and scrambled
        data = path.read_bytes()
        path.write_bytes(data[:100] + bytes(reversed(data[100:1500])))
    return path.read_bytes()


@pytest.mark.parametrize("name", [STORE_FILE, INDEX_FILE])
@pytest.mark.parametrize("how", ["garbage", "torn"])
def test_a_damaged_service_file_is_moved_aside_and_services_keep_working(
    name: str, how: str
) -> None:
    first = _say("list my coupons")
    assert first.returncode == 0 and "coupons" in first.stdout, first.stderr
    path = _data_dir() / name
    spoiled = _spoil(path, how)

    second = _say("list my coupons")

    assert second.returncode == 0, second.stderr
    assert "You have" in second.stdout and "not available" not in second.stdout
    assert "Traceback" not in second.stderr
    [aside] = [
        p for p in _data_dir().glob(f"{name}.damaged-*") if p.name[-4:] not in ("-wal", "-shm")
    ]
    assert aside.read_bytes() == spoiled  # kept as it was, for whoever wants to look
    named = [line for line in second.stderr.splitlines() if str(path) in line]
    assert len(named) == 1 and aside.name in named[0]
    third = _say("list my coupons")
    assert "You have" in third.stdout and str(path) not in third.stderr


def test_a_damaged_timer_store_is_moved_aside_and_timers_work_again() -> None:
    assert "Timer set" in _say("set a timer for 5 minutes").stdout
    [path] = _data_dir().rglob("timers.sqlite3")
    _spoil(path, "garbage")

    again = _say("set a timer for 7 minutes")

    assert "Timer set for 7 minutes" in again.stdout, again.stderr
    assert "Traceback" not in again.stderr
    assert [p.name for p in path.parent.glob("timers.sqlite3.damaged-*")]
    listed = _say("what timers do i have")
    assert "7 minutes" in listed.stdout and "5 minutes" not in listed.stdout


def test_a_busy_file_is_not_mistaken_for_a_damaged_one(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    Store(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError) as busy:
            sqlite3.connect(path, timeout=0).execute("BEGIN IMMEDIATE")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not is_damage(busy.value)
    path.write_bytes(b"x" * 4096)
    with pytest.raises(sqlite3.DatabaseError) as damaged:
        sqlite3.connect(path).execute("PRAGMA quick_check")
    assert is_damage(damaged.value)
