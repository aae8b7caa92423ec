"""The directory's search index: SQLite FTS5 with bm25 ranking, rebuilt when manifests change."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from ..sqlitefiles import check_sound, is_damage, move_aside
from .manifest import ServiceManifest

__all__ = ["INDEX_FILE", "SearchIndex", "manifests_hash"]

_LOGGER = logging.getLogger(__name__)

INDEX_FILE = "directory.sqlite3"
_SCHEMA_VERSION = "2"
# bm25 column weights: id, name, aliases, keywords, description, actions
_WEIGHTS = (8.0, 10.0, 8.0, 5.0, 1.0, 2.0)
_COMMON_MIN, _COMMON_SHARE = 100, 50  # a term is common in > max(100, 2% of) services
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    "a an and any app apps are can do does find for from i in is it me mini miniprogram "
    "miniprograms my of on or please program programs search service services sell sells some "
    "that the there to want which with".split()
)


def _quoted(terms: list[str]) -> list[str]:
    return [f'"{term}"' for term in terms]


def manifests_hash(manifests: Sequence[ServiceManifest]) -> str:
    """A digest of the manifests (order-independent): the index is rebuilt when it changes."""
    digest = hashlib.sha256(_SCHEMA_VERSION.encode())
    for manifest in sorted(manifests, key=lambda m: m.id):
        digest.update(manifest.model_dump_json().encode())
    return digest.hexdigest()


def query_terms(query: str) -> list[str]:
    """The words of a query worth searching for."""
    words = _WORD.findall(query.lower())
    useful = [w for w in words if w not in _STOP_WORDS]
    return useful or words


class SearchIndex:
    """Full-text search over names, aliases, keywords, descriptions and action names."""

    def __init__(self, path: str | Path, manifests: Sequence[ServiceManifest]) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.damaged: Path | None = None  # where a damaged index file was moved to
        try:
            self._db = self._open()
            self.rebuilt = self._sync(manifests)
        except sqlite3.DatabaseError as exc:
            if self.path == ":memory:" or not Path(self.path).exists() or not is_damage(exc):
                raise
            # Only a cache of the manifests: set the file aside and build it again.
            self._db.close()
            self.damaged = move_aside(Path(self.path))
            _LOGGER.warning(
                "service index %s was damaged (%s): moved it to %s and rebuilt it",
                self.path,
                exc,
                self.damaged.name,
            )
            self._db = self._open()
            self.rebuilt = self._sync(manifests, quiet=True)
        with self._lock:
            rows = self._db.execute("SELECT rowid, id FROM services").fetchall()
        self._ids: dict[int, str] = {int(rowid): str(sid) for rowid, sid in rows}

    def _open(self) -> sqlite3.Connection:
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        check_sound(self._db)
        return self._db

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def _sync(self, manifests: Sequence[ServiceManifest], *, quiet: bool = False) -> bool:
        """Rebuild unless the stored hash equals the manifests'; True if it rebuilt."""
        digest = manifests_hash(manifests)
        db = self._db
        with self._lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                row = db.execute("SELECT value FROM meta WHERE key = 'hash'").fetchone()
                if row is not None and row[0] == digest:
                    db.execute("COMMIT")
                    return False
                self._rebuild(db, manifests)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('hash', ?)", (digest,))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        if not quiet:
            _LOGGER.info("service directory index rebuilt: %d services", len(manifests))
        return True

    @staticmethod
    def _rebuild(db: sqlite3.Connection, manifests: Sequence[ServiceManifest]) -> None:
        db.execute("DROP TABLE IF EXISTS services")
        db.execute("DROP TABLE IF EXISTS capabilities")
        db.execute("DROP TABLE IF EXISTS services_fts")
        db.execute(
            "CREATE TABLE services (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, "
            "category TEXT NOT NULL, manifest TEXT NOT NULL)"
        )
        db.execute("CREATE INDEX services_category ON services (category)")
        db.execute(
            "CREATE TABLE capabilities (action TEXT NOT NULL, service_rowid INTEGER NOT NULL, "
            "PRIMARY KEY (action, service_rowid)) WITHOUT ROWID"
        )
        db.execute(
            "CREATE VIRTUAL TABLE services_fts USING fts5(id, name, aliases, keywords, "
            "description, actions, tokenize = 'porter unicode61')"
        )
        weights = ", ".join(str(w) for w in _WEIGHTS)
        db.execute(
            "INSERT INTO services_fts (services_fts, rank) VALUES ('rank', ?)",
            (f"bm25({weights})",),
        )
        for rowid, m in enumerate(sorted(manifests, key=lambda m: m.id), start=1):
            db.execute(
                "INSERT INTO services VALUES (?, ?, ?, ?)",
                (rowid, m.id, m.category, m.model_dump_json()),
            )
            db.executemany(
                "INSERT INTO capabilities VALUES (?, ?)", [(a.name, rowid) for a in m.actions]
            )
            actions = " ".join(f"{a.name.replace('_', ' ')} {a.description}" for a in m.actions)
            db.execute(
                "INSERT INTO services_fts (rowid, id, name, aliases, keywords, description, "
                "actions) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    rowid,
                    m.id.replace("_", " "),
                    m.name,
                    " | ".join(m.aliases),
                    " | ".join(m.keywords),
                    f"{m.category} {m.description}",
                    actions,
                ),
            )

    def search(
        self,
        query: str,
        *,
        category: str | None = None,
        capability: str | None = None,
        limit: int = 10,
    ) -> tuple[list[tuple[str, float]], bool]:
        """((service id, bm25 score: higher is better) best first, whether some service holds
        every word of the query). Services with all the words are looked for first, which
        keeps common words from making every query rank thousands of rows."""
        terms = query_terms(query)
        if not terms:
            return [], False
        found = self._match(" AND ".join(_quoted(terms)), category, capability, limit)
        complete = bool(found)
        if not found and len(terms) > 1:
            rare = " OR ".join(_quoted(self._rare(terms)))
            found = self._match(rare, category, capability, limit)
        ranked = sorted(found.items(), key=lambda item: -item[1])[:limit]
        return [(self._ids[rowid], score) for rowid, score in ranked], complete

    def _rare(self, terms: list[str]) -> list[str]:
        """The terms that few services hold (the rarest one if all are common): ranking every
        service that says "shop" costs more than it tells."""
        counts = {}
        with self._lock:
            for term in terms:
                row = self._db.execute(
                    "SELECT count(*) FROM services_fts WHERE services_fts MATCH ?", _quoted([term])
                ).fetchone()
                counts[term] = int(row[0])
        common = max(_COMMON_MIN, len(self._ids) // _COMMON_SHARE)
        rare = [term for term in terms if counts[term] <= common]
        return rare or [min(terms, key=lambda term: counts[term])]

    def _match(
        self, expression: str, category: str | None, capability: str | None, limit: int
    ) -> dict[int, float]:
        sql = "SELECT rowid, rank FROM services_fts WHERE services_fts MATCH ?"
        args: list[object] = [expression]
        if category is not None:
            sql += " AND rowid IN (SELECT rowid FROM services WHERE category = ?)"
            args.append(category)
        if capability is not None:
            sql += " AND rowid IN (SELECT service_rowid FROM capabilities WHERE action = ?)"
            args.append(capability)
        sql += " ORDER BY rank LIMIT ?"
        args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return {int(rowid): -float(rank) for rowid, rank in rows}

    def filter(self, *, category: str | None = None, capability: str | None = None) -> list[str]:
        """Ids of the services in a category and/or offering an action, sorted."""
        sql = "SELECT s.id FROM services s WHERE 1"
        args: list[object] = []
        if category is not None:
            sql += " AND s.category = ?"
            args.append(category)
        if capability is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM capabilities c WHERE c.action = ? "
                "AND c.service_rowid = s.rowid)"
            )
            args.append(capability)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY s.id", args).fetchall()
        return [str(row[0]) for row in rows]

    def stored(self) -> list[ServiceManifest]:
        """The manifests as stored in the index (for inspection)."""
        with self._lock:
            rows = self._db.execute("SELECT manifest FROM services ORDER BY id").fetchall()
        return [ServiceManifest.model_validate(json.loads(row[0])) for row in rows]
