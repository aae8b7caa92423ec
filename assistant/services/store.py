"""Orders, redeemed coupons and idempotency records in SQLite, committed before any reply."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..errors import ServiceError

__all__ = ["STORE_FILE", "Store", "insert_order", "insert_redemption"]

_LOGGER = logging.getLogger(__name__)

STORE_FILE = "services.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    action TEXT NOT NULL,
    result TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    order_no TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    items TEXT NOT NULL,
    total REAL NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS redeemed_coupons (
    coupon_id TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    code TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    created REAL NOT NULL
);
"""


class Store:
    """The service layer's durable state: one SQLite file in WAL mode, synchronous writes.

    Every write is committed before the call that made it returns, so an order survives a
    process killed right after placing it. A side-effect call runs inside :meth:`once`: the
    order and its idempotency record commit together, and the same key returns the same
    result without placing anything again.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._uri = False
        self._keepalive: sqlite3.Connection | None = None
        if str(path) == ":memory:":  # one private in-memory database shared by connections
            self._target = f"file:ting-store-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self._uri = True
            self._keepalive = self._connect()
        else:
            self._target = str(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def close(self) -> None:
        """Drop an in-memory store (files need no closing)."""
        if self._keepalive is not None:
            self._keepalive.close()
            self._keepalive = None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._target, timeout=10.0, isolation_level=None, uri=self._uri)
        db.execute("PRAGMA synchronous=FULL")
        db.row_factory = sqlite3.Row
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def recorded(self, key: str) -> dict[str, Any] | None:
        """The stored result of an earlier call with this idempotency key, if any."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT result FROM idempotency WHERE key = ?", (key,)).fetchone()
        return None if row is None else dict(json.loads(row["result"]))

    def once(
        self,
        key: str,
        service: str,
        action: str,
        run: Callable[[sqlite3.Connection], dict[str, Any]],
    ) -> tuple[dict[str, Any], bool]:
        """Run a side-effect call at most once per key: (result, True if it was a replay).

        ``run`` gets the open transaction to write its rows in; its result and the key are
        committed with them, atomically.
        """
        with self.transaction() as db:
            row = db.execute(
                "SELECT service, action, result FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
            if row is not None:
                if (row["service"], row["action"]) != (service, action):
                    raise ServiceError(
                        f"idempotency key {key!r} was already used for {row['service']}."
                        f"{row['action']}"
                    )
                _LOGGER.info("replaying %s.%s for key %s", service, action, key)
                return dict(json.loads(row["result"])), True
            result = run(db)
            db.execute(
                "INSERT INTO idempotency (key, service, action, result, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, service, action, json.dumps(result, ensure_ascii=False), time.time()),
            )
        return result, False

    def remember(self, key: str, service: str, action: str, result: dict[str, Any]) -> None:
        """Record a remote side-effect result under its key (the first record wins)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO idempotency (key, service, action, result, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, service, action, json.dumps(result, ensure_ascii=False), time.time()),
            )

    def orders(self, service: str | None = None) -> list[dict[str, Any]]:
        """Stored orders, oldest first."""
        query = "SELECT * FROM orders"
        args: tuple[str, ...] = ()
        if service is not None:
            query, args = query + " WHERE service = ?", (service,)
        with closing(self._connect()) as db:
            rows = db.execute(query + " ORDER BY created, order_no", args).fetchall()
        return [{**dict(row), "items": json.loads(row["items"])} for row in rows]

    def redeemed(self, service: str | None = None) -> set[str]:
        """Ids of the coupons already redeemed."""
        query = "SELECT coupon_id FROM redeemed_coupons"
        args: tuple[str, ...] = ()
        if service is not None:
            query, args = query + " WHERE service = ?", (service,)
        with closing(self._connect()) as db:
            return {str(row["coupon_id"]) for row in db.execute(query, args)}


def insert_order(
    db: sqlite3.Connection,
    service: str,
    prefix: str,
    items: list[dict[str, Any]],
    total: float,
    key: str | None,
) -> str:
    """Write an order inside a transaction; returns its number (PREFIX + running count)."""
    count = db.execute("SELECT COUNT(*) FROM orders WHERE service = ?", (service,)).fetchone()[0]
    order_no = f"{prefix}{int(count) + 1:04d}"
    db.execute(
        "INSERT INTO orders (order_no, service, idempotency_key, items, total, created) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (order_no, service, key, json.dumps(items, ensure_ascii=False), total, time.time()),
    )
    return order_no


def insert_redemption(
    db: sqlite3.Connection, service: str, coupon_id: str, code: str, key: str | None
) -> None:
    """Mark a coupon redeemed inside a transaction; ServiceError if it already was."""
    try:
        db.execute(
            "INSERT INTO redeemed_coupons (coupon_id, service, code, idempotency_key, created) "
            "VALUES (?, ?, ?, ?, ?)",
            (coupon_id, service, code, key, time.time()),
        )
    except sqlite3.IntegrityError as exc:
        raise ServiceError(f"coupon {coupon_id} has already been used") from exc
