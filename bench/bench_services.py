"""Directory search latency over 10,000 synthetic mini-programs, and the cost of a service call.

Run: python bench/bench_services.py [--services 10000] [--queries 2000]
Prints p50 / p95 in milliseconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from assistant.services import Catalog
from assistant.services.samples import bundled_services
from assistant.services.server import make_server

__all__ = ["bench_calls", "bench_search", "synthetic"]

_SYLLABLES = "ba bo ka ki lu ma mei na pa ping qi ru sha shi tao wan xi ya yun zhu".split()
_TOPICS = {
    "coffee": ["coffee", "latte", "espresso", "cafe"],
    "groceries": ["fresh fruit", "vegetables", "groceries", "organic"],
    "flowers": ["flowers", "bouquet", "roses", "gifts"],
    "tickets": ["train tickets", "flights", "concert tickets", "booking"],
    "rides": ["taxi", "car rental", "bike sharing", "airport transfer"],
    "food_delivery": ["takeaway", "noodles", "hotpot", "dumplings"],
    "parcels": ["parcel tracking", "courier", "express", "packages"],
    "health": ["pharmacy", "doctor", "clinic", "vitamins"],
    "pets": ["pet food", "grooming", "vet", "dog walking"],
    "fitness": ["gym", "yoga", "running", "swimming"],
}


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()


def synthetic(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` deterministic remote manifests with made-up names and topical keywords."""
    rng = random.Random(seed)
    manifests = []
    for n in range(count):
        category = rng.choice(list(_TOPICS))
        name = f"{_name(rng)} {rng.choice(['Shop', 'Go', 'Express', 'Hub', 'Life'])}"
        keywords = rng.sample(_TOPICS[category], 3)
        manifests.append(
            {
                "id": f"svc_{n:05d}",
                "name": name,
                "aliases": [name.lower().replace(" ", "")],
                "category": category,
                "description": f"{name}: {', '.join(keywords)} in your city.",
                "keywords": keywords,
                "base_url": f"http://127.0.0.1:9/svc/{n}",
                "actions": [
                    {
                        "name": rng.choice(["order", "book", "track", "browse"]),
                        "description": "Do the thing it does",
                    }
                ],
            }
        )
    return manifests


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {p50:.3f} ms, p95 {p95:.3f} ms (n={len(ordered)})"


def _time(run: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _misspell(rng: random.Random, name: str) -> str:
    chars = list(name.lower())
    index = rng.randrange(1, len(chars) - 1)
    chars[index] = rng.choice("aeioulnrst") if rng.random() < 0.7 else " "
    return "".join(chars)


def bench_search(services: int, queries: int, folder: Path) -> None:
    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    generated = synthetic(services)
    for manifest in generated:
        catalog.add(manifest, "bench")
    started = time.perf_counter()
    directory = catalog.directory(data_dir=folder / "search")
    print(f"index build, {len(directory)} services: {(time.perf_counter() - started):.2f} s")
    started = time.perf_counter()
    directory.close()
    directory = catalog.directory(data_dir=folder / "search")
    print(f"reopen, unchanged manifests: {(time.perf_counter() - started) * 1000:.0f} ms")
    rng = random.Random(11)
    topics = [k for words in _TOPICS.values() for k in words]
    kinds: dict[str, Callable[[], str]] = {
        "keywords": lambda: rng.choice(topics),
        "exact name": lambda: rng.choice(generated)["name"],
        "misheard name": lambda: _misspell(rng, rng.choice(generated)["name"]),
        "sentence": lambda: f"find a mini program for {rng.choice(topics)} please",
    }
    everything: list[float] = []
    for kind, make in kinds.items():
        texts = [make() for _ in range(queries // len(kinds))]
        samples = []
        for text in texts:
            started = time.perf_counter()
            directory.search(text)
            samples.append((time.perf_counter() - started) * 1000)
        everything += samples
        print(f"search ({kind}): {_percentiles(samples)}")
    print(f"search (all): {_percentiles(everything)}  [target p95 < 5 ms]")
    found = 0
    for manifest in rng.sample(generated, 300):
        hits = directory.search(_misspell(rng, manifest["name"]), limit=3)
        found += any(hit.manifest.name == manifest["name"] for hit in hits)
    print(f"misheard names found in the top 3: {found / 300:.0%} (one letter changed or split)")
    top = directory.search("fresh fruit")[0].manifest.id
    print(f"'fresh fruit' ranks first: {top}")
    directory.close()


def bench_calls(count: int, folder: Path) -> None:
    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    local = catalog.directory(data_dir=folder / "local")
    args = {"drink": "latte", "size": "large"}
    print(
        f"call in-process (quote_drink): "
        f"{_percentiles(_time(lambda: local.call('starbucks', 'quote_drink', args), count))}"
    )
    keys = iter(range(10**9))
    order = _time(
        lambda: local.call("starbucks", "order_drink", args, idempotency_key=f"k{next(keys)}"),
        count // 4,
    )
    print(f"call in-process (order_drink, committed): {_percentiles(order)}")
    server = make_server(local, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    remote_catalog = Catalog(strict=True)
    for manifest in httpx.get(f"{server.root}/services").json()["services"]:
        remote_catalog.add(manifest, server.root)
    remote = remote_catalog.directory(data_dir=folder / "remote")
    remote.call("starbucks", "quote_drink", args)  # connect once
    print(
        f"call over local HTTP (quote_drink): "
        f"{_percentiles(_time(lambda: remote.call('starbucks', 'quote_drink', args), count))}"
    )
    server.shutdown()
    server.server_close()
    for directory in (local, remote):
        directory.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--calls", type=int, default=1_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_search(options.services, options.queries, Path(tmp))
        bench_calls(options.calls, Path(tmp))


if __name__ == "__main__":
    main()
