"""What the user hears matches what is stored: a call given up on never commits later."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant.services import Catalog, ServiceCallError, ServiceDirectory
from assistant.services.samples import bundled_services
from assistant.services.store import STORE_FILE, Deadline, DeadlinePassed, Store

LATTE = {"drink": "latte", "size": "large"}


def _directory(data_dir: Path, timeout: float = 3.0) -> ServiceDirectory:
    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    return catalog.directory(data_dir=data_dir, timeout=timeout)


@contextmanager
def _locked(path: Path, mode: str = "IMMEDIATE") -> Iterator[None]:
    """Another connection (as another process would) holds the store's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute(f"BEGIN {mode}")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.parametrize("mode", ["IMMEDIATE", "EXCLUSIVE"])
def test_a_call_timed_out_on_a_locked_store_never_commits(tmp_path: Path, mode: str) -> None:
    directory = _directory(tmp_path, timeout=0.4)
    try:
        with _locked(tmp_path / STORE_FILE, mode):
            with pytest.raises(ServiceCallError) as failed:
                directory.call("starbucks", "order_drink", LATTE, idempotency_key="slow")
            assert failed.value.reason == "timeout"
            time.sleep(0.3)
        time.sleep(0.8)  # the worker would have committed by now
        assert directory.store.orders() == []
        assert directory.store.recorded("slow") is None
        again = directory.call("starbucks", "order_drink", LATTE, idempotency_key="slow")
        assert not again.replayed
        assert len(directory.store.orders()) == 1
    finally:
        directory.close()


def test_the_user_hears_the_apology_and_nothing_is_ordered(ting_assistant_factory: Any) -> None:
    import ting_skills.coffee as coffee

    assistant = ting_assistant_factory(coffee, settings={"services": {"timeout": 0.5}})
    session = assistant.new_session()
    question = assistant.handle("order a large latte from starbucks", session)
    assert question.expecting == "confirmation"
    store = assistant.services.store
    with _locked(store.path):
        reply = assistant.handle("yes", session)
        time.sleep(0.2)
    assert "Starbucks is taking too long to answer" in reply.reply
    time.sleep(1.0)
    assert store.orders() == []


def test_a_commit_racing_the_deadline_is_reported_as_done(tmp_path: Path) -> None:
    store = Store(tmp_path / STORE_FILE)
    deadline = Deadline(5.0)
    result, replayed = store.once("k", "s", "a", lambda db: {"ok": 1}, deadline=deadline)
    assert result == {"ok": 1} and not replayed
    assert not deadline.abandon()  # committed first: its result stands
    late = Deadline(5.0)
    assert late.abandon()
    with pytest.raises(DeadlinePassed):
        store.once("k2", "s", "a", lambda db: {"ok": 2}, deadline=late)
    assert store.recorded("k2") is None


def test_concurrent_orders_with_distinct_keys_are_each_stored_once(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        try:
            call = directory.call("luckin", "order_drink", LATTE, idempotency_key=f"key-{n}")
            numbers.append(call.data["order_no"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        orders = directory.store.orders("luckin")
        assert sorted(o["idempotency_key"] for o in orders) == sorted(f"key-{n}" for n in range(8))
        assert len(set(numbers)) == 8
    finally:
        directory.close()


def test_one_key_twice_places_one_order(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    try:
        first = directory.call("starbucks", "order_drink", LATTE, idempotency_key="same")
        second = directory.call("starbucks", "order_drink", LATTE, idempotency_key="same")
        assert second.replayed and second.data == first.data
        assert len(directory.store.orders()) == 1
    finally:
        directory.close()


def test_one_key_with_other_arguments_is_refused(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    try:
        directory.call("starbucks", "order_drink", LATTE, idempotency_key="same")
        mocha = {"drink": "mocha", "size": "large"}
        with pytest.raises(ServiceCallError, match="other arguments") as refused:
            directory.call("starbucks", "order_drink", mocha, idempotency_key="same")
        assert refused.value.reason == "refused"
        assert len(directory.store.orders()) == 1
    finally:
        directory.close()


def test_a_key_longer_than_200_characters_is_refused(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    try:
        directory.call("starbucks", "order_drink", LATTE, idempotency_key="k" * 200)
        with pytest.raises(ServiceCallError, match="200 characters"):
            directory.call("starbucks", "order_drink", LATTE, idempotency_key="k" * 201)
        assert len(directory.store.orders()) == 1
    finally:
        directory.close()
