"""The service directory: what skills search, resolve spoken names against, and call."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ServiceError
from ..skill import SlotList
from .fuzzy import NameIndex
from .index import INDEX_FILE, SearchIndex
from .invoke import CallResult, Invoker, ServiceEntry
from .manifest import ServiceManifest
from .store import STORE_FILE, Store

__all__ = ["SearchHit", "ServiceDirectory"]

_LOGGER = logging.getLogger(__name__)

_TEXT_TOP = 0.85  # the best full-text hit scores this; an exact name scores 1.0


@dataclass(frozen=True)
class SearchHit:
    """A search result: the service, a score from 0 to 1, and whether its name matched.

    ``partial``: found by its text holding only some of the query's words ("cheap" of
    "cheap flights"), when no service holds them all.
    """

    manifest: ServiceManifest
    score: float
    by_name: bool
    partial: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.manifest.id,
            "name": self.manifest.name,
            "category": self.manifest.category,
            "description": self.manifest.description,
            "score": round(self.score, 3),
            "partial": self.partial,
        }


class ServiceDirectory:
    """Every known mini-program, searchable and callable behind one interface.

    :param entries: manifests with their source and (in-process) handlers.
    :param data_dir: where the index and the store live (None: both in memory).
    :param problems: manifests that were rejected while collecting, one line each.
    """

    def __init__(
        self,
        entries: Iterable[ServiceEntry],
        *,
        data_dir: Path | None = None,
        store: Store | None = None,
        invoker: Invoker | None = None,
        timeout: float = 3.0,
        retries: int = 2,
        problems: Iterable[str] = (),
        prefer: Mapping[str, str] | None = None,
    ) -> None:
        self.prefer = dict(prefer or {})  # action name -> the service the user chose for it
        self.entries: dict[str, ServiceEntry] = {}
        for entry in entries:
            if entry.manifest.id in self.entries:
                other = self.entries[entry.manifest.id].source
                raise ServiceError(
                    f"service {entry.manifest.id!r} from {entry.source} is already declared "
                    f"by {other}"
                )
            self.entries[entry.manifest.id] = entry
        self.problems = list(problems)
        manifests = [e.manifest for e in self.entries.values()]
        index_path: Path | str = ":memory:" if data_dir is None else data_dir / INDEX_FILE
        self.index = SearchIndex(index_path, manifests)
        if store is None:
            store_path = data_dir / STORE_FILE if data_dir is not None else Path(":memory:")
            store = Store(store_path)
        self.store = store
        self.invoker = invoker or Invoker(store, timeout=timeout, retries=retries)
        self.names = NameIndex()
        for manifest in manifests:
            self.names.add(manifest.id, (manifest.name, *manifest.aliases), exact=(manifest.id,))

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self.entries

    def close(self) -> None:
        """Release the index, the HTTP client and worker threads."""
        self.invoker.close()
        self.index.close()

    def manifests(self, *, category: str | None = None) -> list[ServiceManifest]:
        """Every manifest (optionally of one category), sorted by id."""
        found = [e.manifest for _, e in sorted(self.entries.items())]
        return [m for m in found if category is None or m.category == category]

    def get(self, service_id: str) -> ServiceManifest | None:
        """The manifest with that id, or None."""
        entry = self.entries.get(service_id)
        return entry.manifest if entry is not None else None

    def find(self, capability: str, *, category: str | None = None) -> list[ServiceManifest]:
        """Services offering an action (optionally within a category), the provider first.

        The order is the user's choice (``[services] prefer``, by action name), then services
        as they were loaded: the plugins' (bundled ones first), then manifests from the
        services folder. A manifest dropped in later never takes over from the provider a
        skill had, whatever its id.
        """
        ids = set(self.index.filter(category=category, capability=capability))
        ordered = [sid for sid in self.entries if sid in ids]
        chosen = self.prefer.get(capability)
        if chosen in ids:
            ordered.remove(chosen)
            ordered.insert(0, chosen)
        return [self.entries[i].manifest for i in ordered]

    def search(
        self,
        query: str,
        *,
        category: str | None = None,
        capability: str | None = None,
        limit: int = 5,
    ) -> list[SearchHit]:
        """Best matches for a query: names (tolerant of misrecognition) and full text."""
        scores: dict[str, tuple[float, bool]] = {}
        text_hits, complete = self.index.search(
            query, category=category, capability=capability, limit=limit
        )
        # Names are looked up exactly and by sound; fuzzily only when the words found nothing.
        for service_id, score in self.names.lookup(query, limit=limit, fuzzy=not complete):
            if self._fits(service_id, category, capability):
                scores[service_id] = (score, True)
        if text_hits:
            best = max(score for _, score in text_hits) or 1.0
            for service_id, score in text_hits:
                text_score = _TEXT_TOP * max(score, 0.0) / best
                if text_score > scores.get(service_id, (0.0, False))[0]:
                    scores[service_id] = (text_score, scores.get(service_id, (0.0, False))[1])
        ranked = sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        return [
            SearchHit(self.entries[i].manifest, s, n, partial=not (n or complete))
            for i, (s, n) in ranked
        ]

    def spoken_names(self, own: SlotList | None = None) -> SlotList:
        """Every mini-program as a value list: its name, with its aliases and id as other
        spoken forms. Services ``own`` already names (by any form) keep ``own``'s values."""
        values: dict[str, tuple[str, ...]] = dict(own.values) if own is not None else {}
        taken = set(own.spoken_forms()) if own is not None else set()
        for entry in self.entries.values():
            manifest = entry.manifest
            forms = [manifest.name, *manifest.aliases, manifest.id.replace("_", " ")]
            forms = [" ".join(f.lower().split()) for f in forms if f.strip()]
            if taken.intersection(forms):
                continue
            values.setdefault(forms[0], tuple(dict.fromkeys(forms[1:])))
            taken.update(forms)
        return SlotList(values=values or {"none": ()})

    def resolve(
        self,
        name: str,
        *,
        capability: str | None = None,
        category: str | None = None,
        cutoff: float = 0.7,
    ) -> ServiceManifest | None:
        """The service a spoken name means ("star bucks", "pagota"), or None."""
        for service_id, score in self.names.lookup(name, limit=10):
            if score >= cutoff and self._fits(service_id, category, capability):
                return self.entries[service_id].manifest
        return None

    def call(
        self,
        service_id: str,
        action: str,
        args: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> CallResult:
        """Call an action of a service (see :class:`~assistant.services.invoke.Invoker`)."""
        entry = self.entries.get(service_id)
        if entry is None:
            raise ServiceError(f"there is no mini program called {service_id!r}")
        return self.invoker.call(entry, action, args, idempotency_key=idempotency_key)

    def _fits(self, service_id: str, category: str | None, capability: str | None) -> bool:
        manifest = self.entries[service_id].manifest
        if category is not None and manifest.category != category:
            return False
        return capability is None or manifest.offers(capability)
