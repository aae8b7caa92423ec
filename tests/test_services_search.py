"""Directory search: full-text ranking, filters, misheard names, and rebuilding the index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.services import Catalog, ServiceDirectory
from assistant.services.fuzzy import phonetic_key, spaceless_key
from assistant.services.samples import bundled_services


def _catalog() -> Catalog:
    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    return catalog


@pytest.fixture
def directory(tmp_path: Path) -> Iterator[ServiceDirectory]:
    built = _catalog().directory(data_dir=tmp_path)
    yield built
    built.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fresh fruit", "pagoda"),
        ("find a mini program for fresh fruit", "pagoda"),
        ("train ticket", "railway"),
        ("train tickets", "railway"),
        ("flowers", "flowerplus"),
        ("roses", "flowerplus"),
        ("parcel tracking", "sf_express ems jd_logistics"),
        ("bus arrivals", "citybus"),
        ("umbrella", "weather"),
        ("things to do", "mafengwo"),
        ("takeaway dinner", "meituan"),
        ("taxi", "didi"),
        ("vouchers", "coupons"),
    ],
)
def test_search_ranks_the_right_service_first(
    directory: ServiceDirectory, query: str, expected: str
) -> None:
    hits = directory.search(query)
    assert hits, query
    assert hits[0].manifest.id in expected.split(), [h.manifest.id for h in hits]


def test_hits_holding_only_some_words_say_so(directory: ServiceDirectory) -> None:
    hits = directory.search("cheap flights")
    assert hits and all(hit.partial for hit in hits)
    assert hits[0].as_dict()["partial"] is True
    assert not any(hit.partial for hit in directory.search("fresh fruit"))
    assert not directory.search("star bucks")[0].partial


def test_fresh_fruit_puts_pagoda_clearly_first(directory: ServiceDirectory) -> None:
    hits = directory.search("fresh fruit", limit=5)
    assert hits[0].manifest.id == "pagoda"
    assert all(hit.score < hits[0].score for hit in hits[1:])


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("star bucks", "starbucks"),
        ("starbuks", "starbucks"),
        ("mc donalds", "mcdonalds"),
        ("mac donalds", "mcdonalds"),
        ("McDonald's", "mcdonalds"),
        ("luck in", "luckin"),
        ("lucking", "luckin"),
        ("pagota", "pagoda"),
        ("pagodas", "pagoda"),
        ("k f c", "kfc"),
        ("s f express", "sf_express"),
        ("mei tuan", "meituan"),
        ("ma feng wo", "mafengwo"),
        ("di di", "didi"),
        ("flower plus", "flowerplus"),
        ("jingdong", "jd_logistics"),
    ],
)
def test_misheard_names_still_find_the_service(
    directory: ServiceDirectory, heard: str, expected: str
) -> None:
    assert directory.search(heard)[0].manifest.id == expected
    resolved = directory.resolve(heard)
    assert resolved is not None and resolved.id == expected


def test_resolve_refuses_nonsense(directory: ServiceDirectory) -> None:
    assert directory.resolve("the cat sat on the mat") is None
    assert directory.resolve("zzz") is None
    assert directory.search("xylophone repairs") == []


def test_filters_by_category_and_capability(directory: ServiceDirectory) -> None:
    coffee = directory.search("coffee", category="coffee")
    assert {h.manifest.id for h in coffee} == {"starbucks", "luckin"}
    drinks = directory.search("coffee", capability="order_drink")
    assert {h.manifest.id for h in drinks} == {"starbucks", "luckin", "mcdonalds", "kfc"}
    assert [m.id for m in directory.find("track_parcels")] == ["ems", "jd_logistics", "sf_express"]
    assert [m.id for m in directory.find("order_drink", category="fast_food")] == [
        "kfc",
        "mcdonalds",
    ]
    assert directory.resolve("starbucks", capability="track_parcels") is None


def test_index_is_rebuilt_only_when_manifests_change(tmp_path: Path) -> None:
    first = _catalog().directory(data_dir=tmp_path)
    assert first.index.rebuilt
    first.close()
    again = _catalog().directory(data_dir=tmp_path)
    assert not again.index.rebuilt
    assert again.search("fresh fruit")[0].manifest.id == "pagoda"
    again.close()
    catalog = _catalog()
    catalog.add(
        {
            "id": "fruit_day",
            "name": "Fruit Day",
            "category": "groceries",
            "description": "Imported fruit.",
            "keywords": ["kiwi"],
            "base_url": "http://127.0.0.1:9",
            "actions": [{"name": "catalog", "description": "See the fruit"}],
        },
        "test",
    )
    changed = catalog.directory(data_dir=tmp_path)
    assert changed.index.rebuilt
    assert changed.search("kiwi")[0].manifest.id == "fruit_day"
    assert [m.id for m in changed.index.stored()] == sorted(changed.entries)
    changed.close()


def test_keys() -> None:
    assert spaceless_key("Mc Donald's") == "mcdonalds"
    assert phonetic_key("pagota") == phonetic_key("pagoda")
    assert phonetic_key("luck in") == phonetic_key("lucking") == phonetic_key("luckin")
    assert phonetic_key("star bucks") == phonetic_key("starbuks")
