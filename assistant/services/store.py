"""Orders, redeemed coupons and idempotency records in SQLite, committed before any reply."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..errors import ServiceError
from ..sqlitefiles import check_sound, is_damage, move_aside

__all__ = [
    "MAX_KEY_LENGTH",
    "STORE_FILE",
    "Deadline",
    "DeadlinePassed",
    "Store",
    "insert_order",
    "insert_redemption",
    "request_digest",
]

_LOGGER = logging.getLogger(__name__)

STORE_FILE = "services.sqlite3"
MAX_KEY_LENGTH = 200
_LOCK_WAIT = 10.0  # seconds a write waits for the file's lock when the call has no deadline

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    action TEXT NOT NULL,
    result TEXT NOT NULL,
    created REAL NOT NULL,
    request TEXT
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


class DeadlinePassed(ServiceError):
    """The call's deadline passed before its transaction committed: nothing was written."""


class Deadline:
    """When a call must be over, and whether its caller gave up on it.

    The worker commits only through :meth:`commit`, under the same lock the caller takes to
    :meth:`abandon` the call: either the commit happened (and the caller reports success) or
    the call was abandoned first (and the worker rolls back). Never both.
    """

    def __init__(self, seconds: float) -> None:
        self.expires = time.monotonic() + seconds
        self._lock = threading.Lock()
        self.state = "running"  # "running" -> "committed" | "abandoned"

    def remaining(self) -> float:
        return self.expires - time.monotonic()

    def commit(self, db: sqlite3.Connection) -> None:
        """COMMIT, unless the caller gave up or the deadline passed (then DeadlinePassed)."""
        with self._lock:
            if self.state != "running" or self.remaining() <= 0:
                self.state = "abandoned"
                raise DeadlinePassed("the call ran out of time before it was stored")
            db.execute("COMMIT")
            self.state = "committed"

    def abandon(self) -> bool:
        """Give up on the call; False if it already committed (its result stands)."""
        with self._lock:
            if self.state == "committed":
                return False
            self.state = "abandoned"
            return True


def request_digest(service: str, action: str, args: Any) -> str:
    """What an idempotency key was first used for: a digest of service, action and args."""
    body = json.dumps([service, action, args], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


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
        self.damaged: Path | None = None  # where a damaged file was moved to, if one was
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            if self._uri or not self.path.exists() or not is_damage(exc):
                raise
            self.damaged = move_aside(self.path)
            _LOGGER.warning(
                "service store %s could not be read (%s): moved it to %s and started a new one",
                self.path,
                exc,
                self.damaged.name,
            )
            self._open()

    def _open(self) -> None:
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            check_sound(db)
            db.executescript(_SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(idempotency)")}
            if "request" not in columns:  # a store from before arguments were recorded
                db.execute("ALTER TABLE idempotency ADD COLUMN request TEXT")

    def close(self) -> None:
        """Drop an in-memory store (files need no closing)."""
        if self._keepalive is not None:
            self._keepalive.close()
            self._keepalive = None

    def _connect(self, wait: float = _LOCK_WAIT) -> sqlite3.Connection:
        db = sqlite3.connect(self._target, timeout=wait, isolation_level=None, uri=self._uri)
        db.execute("PRAGMA synchronous=FULL")
        db.row_factory = sqlite3.Row
        return db

    @contextmanager
    def transaction(self, deadline: Deadline | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error.

        With a deadline, waiting for the file's lock stops when the deadline does, and the
        commit happens only if the caller has not given up (see :class:`Deadline`).
        """
        wait = _LOCK_WAIT if deadline is None else max(0.0, deadline.remaining())
        with closing(self._connect(wait)) as db:
            if deadline is not None and deadline.remaining() <= 0:
                raise DeadlinePassed("the call ran out of time before it was stored")
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if deadline is None or is_damage(exc):
                    raise
                # The lock stayed taken until the call's time was up: a timeout, nothing written.
                raise DeadlinePassed(
                    "the store stayed busy until the call ran out of time"
                ) from exc
            try:
                yield db
                if deadline is None:
                    db.execute("COMMIT")
                else:
                    deadline.commit(db)
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def recorded(
        self, key: str, service: str | None = None, action: str | None = None, request: str = ""
    ) -> dict[str, Any] | None:
        """The stored result of an earlier call with this idempotency key, if any.

        With service and action: a ServiceError if the key was used for another call."""
        _check_key(key)
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT service, action, result, request FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        if service is not None and action is not None:
            _same_request(row, key, service, action, request)
        return dict(json.loads(row["result"]))

    def once(
        self,
        key: str,
        service: str,
        action: str,
        run: Callable[[sqlite3.Connection], dict[str, Any]],
        *,
        request: str = "",
        deadline: Deadline | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Run a side-effect call at most once per key: (result, True if it was a replay).

        ``run`` gets the open transaction to write its rows in; its result and the key (with
        ``request``, the digest of what it was for) are committed with them, atomically. The
        same key for another service, action or other arguments is refused (ServiceError).
        With a deadline, nothing is committed once the deadline passed or the caller gave up
        (DeadlinePassed).
        """
        _check_key(key)
        with self.transaction(deadline) as db:
            row = db.execute(
                "SELECT service, action, result, request FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
            if row is not None:
                _same_request(row, key, service, action, request)
                _LOGGER.info("replaying %s.%s for key %s", service, action, key)
                return dict(json.loads(row["result"])), True
            result = run(db)
            _record(db, "INSERT", key, service, action, result, request)
        return result, False

    def remember(
        self, key: str, service: str, action: str, result: dict[str, Any], request: str = ""
    ) -> None:
        """Record a remote side-effect result under its key (the first record wins)."""
        _check_key(key)
        with self.transaction() as db:
            _record(db, "INSERT OR IGNORE", key, service, action, result, request)

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


def _record(
    db: sqlite3.Connection,
    verb: str,
    key: str,
    service: str,
    action: str,
    result: dict[str, Any],
    request: str,
) -> None:
    """Store a call's result under its key, with the digest of what it was for."""
    db.execute(
        f"{verb} INTO idempotency (key, service, action, result, created, request) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            key,
            service,
            action,
            json.dumps(result, ensure_ascii=False),
            time.time(),
            request or None,
        ),
    )


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ServiceError(
            f"an idempotency key must have 1 to {MAX_KEY_LENGTH} characters, not {len(key)}"
        )


def _same_request(row: sqlite3.Row, key: str, service: str, action: str, request: str) -> None:
    """Refuse a key reused for another call (a record without a digest predates them)."""
    if (row["service"], row["action"]) != (service, action):
        raise ServiceError(
            f"idempotency key {key!r} was already used for {row['service']}.{row['action']}"
        )
    if request and row["request"] and row["request"] != request:
        raise ServiceError(
            f"idempotency key {key!r} was already used for {service}.{action} with other arguments"
        )


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
