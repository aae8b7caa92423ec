"""Side effects happen once: the same order twice, a re-sent confirmation, a killed process."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant.services import Catalog, ServiceDirectory, Store
from assistant.services.samples import bundled_services
from assistant.services.store import STORE_FILE

LATTE = {"drink": "latte", "size": "large"}


def _directory(data_dir: Path) -> ServiceDirectory:
    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    return catalog.directory(data_dir=data_dir)


def test_same_order_submitted_twice_is_placed_once(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    try:
        first = directory.call("starbucks", "order_drink", LATTE, idempotency_key="abc")
        second = directory.call("starbucks", "order_drink", LATTE, idempotency_key="abc")
        other = directory.call("starbucks", "order_drink", LATTE, idempotency_key="def")
        assert second.data == first.data and second.replayed
        assert other.data["order_no"] != first.data["order_no"]
        orders = directory.store.orders("starbucks")
        assert [o["idempotency_key"] for o in orders] == ["abc", "def"]
    finally:
        directory.close()


def test_concurrent_submissions_with_one_key_place_one_order(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    results: list[str] = []

    def submit() -> None:
        call = directory.call("luckin", "order_drink", LATTE, idempotency_key="burst")
        results.append(call.data["order_no"])

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(results) == 6 and len(set(results)) == 1
        assert len(directory.store.orders("luckin")) == 1
    finally:
        directory.close()


def test_a_key_cannot_be_reused_for_another_action(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    try:
        directory.call("starbucks", "order_drink", LATTE, idempotency_key="k")
        with pytest.raises(Exception, match="already used for starbucks.order_drink"):
            directory.call("pagoda", "place_order", {"item": "mangoes"}, idempotency_key="k")
    finally:
        directory.close()


def test_coupon_redeemed_twice_with_one_key_is_used_once(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    try:
        first = directory.call("coupons", "redeem_coupon", {"merchant": "kfc"}, idempotency_key="r")
        again = directory.call("coupons", "redeem_coupon", {"merchant": "kfc"}, idempotency_key="r")
        assert again.data["code"] == first.data["code"]
        assert directory.store.redeemed() == {first.data["coupon_id"]}
        left = directory.call("coupons", "list_coupons", {"merchant": "kfc"}).data["coupons"]
        assert first.data["coupon_id"] not in {c["id"] for c in left}
    finally:
        directory.close()


def test_resent_confirmation_never_orders_twice(ting_assistant_factory: Any) -> None:
    import ting_skills.coffee as coffee

    assistant = ting_assistant_factory(coffee)
    session = assistant.new_session()
    question = assistant.handle("order a large latte from starbucks", session)
    assert question.expecting == "confirmation"
    assert (question.service, question.action) == ("starbucks", "quote_drink")
    assert question.reply == "Order a large latte from Starbucks for 37 yuan?"
    pending = session.pending_confirmation.request
    placed = assistant.handle("yes", session)
    assert (placed.service, placed.action) == ("starbucks", "order_drink")
    resent = assistant.call_skill(
        assistant.skills["coffee"], pending.model_copy(update={"confirmed": True}), session
    )
    assert resent.data["order_no"] == placed.data["order_no"]
    assert len(assistant.services.store.orders()) == 1
    assistant.handle("order a large latte from starbucks", session)  # a new request
    again = assistant.handle("yes", session)
    assert again.data["order_no"] != placed.data["order_no"]
    assert len(assistant.services.store.orders()) == 2


_KILLED_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from assistant import Assistant, load_settings
    import ting_skills.coffee as coffee

    assistant = Assistant.create(load_settings(), entry_points=False, plugins=[coffee])
    invoker = assistant.services.invoker
    call = invoker.call

    def call_then_hang(entry, action, args=None, *, idempotency_key=None):
        result = call(entry, action, args, idempotency_key=idempotency_key)
        if action == "order_drink":  # placed and committed; the reply never goes out
            # sys.__stdout__: what plugin code prints goes to stderr, away from Ting's output
            print(json.dumps({"key": idempotency_key, "order_no": result.data["order_no"]}),
                  file=sys.__stdout__, flush=True)
            time.sleep(120)
        return result

    invoker.call = call_then_hang
    session = assistant.new_session()
    assistant.handle("order a large latte from starbucks", session)
    assistant.handle("yes", session)
    """
)


def test_process_killed_between_placing_and_confirming(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {**os.environ, "TING_DATA_DIR": str(data_dir)}
    env.pop("TING_CONFIG", None)
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.stderr else "no output"
        placed = json.loads(line)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    orders = Store(data_dir / STORE_FILE).orders()
    assert [o["order_no"] for o in orders] == [placed["order_no"]]
    directory = _directory(data_dir)
    try:
        again = directory.call("starbucks", "order_drink", LATTE, idempotency_key=placed["key"])
        assert again.replayed and again.data["order_no"] == placed["order_no"]
        assert len(directory.store.orders()) == 1
    finally:
        directory.close()


_ORDER_LOOP = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from assistant.services import Catalog
    from assistant.services.samples import bundled_services

    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    directory = catalog.directory(data_dir=Path(sys.argv[1]))
    for n in range(10_000):
        print(f"start k-{n}", flush=True)
        directory.call("starbucks", "order_drink", {"drink": "latte", "size": "large"},
                       idempotency_key=f"k-{n}")
        print(f"done k-{n}", flush=True)
    """
)


@pytest.mark.parametrize("after", [0.05, 0.2, 0.45, 0.7, 1.1])
def test_killed_at_any_moment_of_placing_orders_the_store_stays_whole(
    tmp_path: Path, after: float
) -> None:
    """SIGKILL lands somewhere in a stream of orders: each order has its key, each key its
    order, and the order in flight is placed once when it is sent again."""
    data_dir = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, "-c", _ORDER_LOOP, str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().startswith("start")  # the store is open, orders begin
    threading.Event().wait(after)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=10)
    lines = out.splitlines()
    started = [line.split()[1] for line in lines if line.startswith("start")] or ["k-0"]
    done = {line.split()[1] for line in lines if line.startswith("done")}

    with sqlite3_rows(data_dir / STORE_FILE) as (orders, keys):
        assert len(orders) == len(keys)  # an order and its key commit together
        assert done <= keys  # everything reported done is stored
    directory = _directory(data_dir)
    try:
        in_flight = started[-1]
        again = directory.call("starbucks", "order_drink", LATTE, idempotency_key=in_flight)
        count = len(directory.store.orders())
        assert count == len(keys) + (0 if again.replayed else 1)
        directory.call("starbucks", "order_drink", LATTE, idempotency_key=in_flight)
        assert len(directory.store.orders()) == count  # and never twice
    finally:
        directory.close()


@contextmanager
def sqlite3_rows(path: Path) -> Iterator[tuple[list[Any], set[str]]]:
    store = Store(path)
    with closing(sqlite3.connect(path)) as db:
        keys = {str(k) for (k,) in db.execute("SELECT key FROM idempotency")}
    yield store.orders(), keys
